"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import styles from "./TopNav.module.css";

const PAGES = [{ href: "/search", label: "Search" }];

/** The dashboard's pages, in the top bar; the one shown is marked. */
export function TopNav() {
  const pathname = usePathname();
  return (
    <nav className={styles.nav} aria-label="Dashboard">
      {PAGES.map((page) => (
        <Link key={page.href} href={page.href} className={styles.link} aria-current={pathname === page.href ? "page" : undefined}>
          {page.label}
        </Link>
      ))}
    </nav>
  );
}
