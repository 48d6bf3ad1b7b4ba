import type { ReactNode } from "react";
import { DashboardQueryProvider } from "@/components/trpc/client";
import { TopNav } from "@/components/TopNav";
import "./globals.css";

export const metadata = {
  title: "Kubetrail",
  description: "Control-plane tracing for Kubernetes",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <a href="/" className="brand">Kubetrail</a>
          <TopNav />
        </header>
        <main>
          <DashboardQueryProvider>{children}</DashboardQueryProvider>
        </main>
      </body>
    </html>
  );
}
