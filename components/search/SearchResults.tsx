"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import type { FoundObject, ObjectSearchResult } from "@/server/query/objectSearch";
import { objectHrefOf } from "./objectLink";
import { apiInputOf, describeSearch, hasCriteria, nameContainingSearch, namespacedNameSearch, searchHrefOf, type SearchQuery } from "./searchQuery";
import styles from "./SearchResults.module.css";

/** The most a search lists (the API's bound, server/trpc/routers/search.ts). */
const MAX_LIMIT = 500;

/** `2021-09-13 14:53:16` (UTC), as a table cell shows an instant: date and time each kept whole. */
function Instant({ ms }: { ms: number }) {
  const iso = new Date(ms).toISOString();
  const [date, time] = iso.replace(/\.\d{3}Z$/, "").split("T");
  return (
    <time dateTime={iso} title={iso}>
      <span>{date}</span> <span>{time}</span>
    </time>
  );
}

/** A retry for a server that failed, none for input it refused (4xx): the answer would be the same. */
function retryServerErrors(failures: number, error: { data?: { httpStatus?: number } | null }): boolean {
  return failures < 1 && (error.data?.httpStatus ?? 500) >= 500;
}

/** The objects the URL's search finds, each linked to its object page over its activity in the searched range. */
export function SearchResults({ query, onShowMore }: { query: SearchQuery; onShowMore: () => void }) {
  const trpc = useTRPC();
  const results = useQuery(trpc.search.objects.queryOptions(apiInputOf(query), { retry: retryServerErrors }));

  if (results.isPending) {
    return (
      <p role="status" className={styles.status}>
        Searching…
      </p>
    );
  }
  if (results.isError) {
    return (
      <div role="alert" className={styles.error}>
        <strong>The search failed:</strong> {results.error.message}
      </div>
    );
  }
  const { objects, more, range } = results.data;
  if (objects.length === 0) {
    const containing = nameContainingSearch(query);
    const namespaced = namespacedNameSearch(query);
    return (
      <div role="status" className={styles.empty}>
        <p>
          <strong>No objects match {describeSearch(query)}.</strong>
        </p>
        {containing ? (
          <p>
            <Link href={searchHrefOf(containing)}>Search for names containing {query.name.trim()}</Link>
          </p>
        ) : null}
        {namespaced ? (
          <p>
            <Link href={searchHrefOf(namespaced)}>
              Search for {namespaced.name} in namespace {namespaced.namespace}
            </Link>{" "}
            <span className="muted">(no name holds a “/”)</span>
          </p>
        ) : null}
        <p className="muted">
          {hasCriteria(query)
            ? "Names match exactly unless they hold a *; a kind is its name in any case or its plural (pod, Pod, pods). A wider time range may find more."
            : "Nothing has been recorded in this range."}
        </p>
      </div>
    );
  }
  const limit = objects.length;
  return (
    <section aria-label="Search results" aria-busy={results.isFetching} className={styles.results}>
      <p role="status" className={styles.status}>
        {more ? (
          <>
            The {limit} most recently active objects; more match.{" "}
            {limit < MAX_LIMIT ? (
              <button type="button" className={styles.more} onClick={onShowMore}>
                Show up to {MAX_LIMIT}
              </button>
            ) : (
              "Narrow the search to see the others."
            )}
          </>
        ) : (
          <>
            {objects.length === 1 ? "1 object" : `${objects.length} objects`}, most recently active first.
          </>
        )}
      </p>
      <ResultsTable objects={objects} range={range} />
    </section>
  );
}

function ResultsTable({ objects, range }: { objects: FoundObject[]; range: ObjectSearchResult["range"] }) {
  return (
    // On a phone the table scrolls sideways in its box, not the whole page.
    <div className={styles.scroll}>
      <table className={styles.table}>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Namespace / name</th>
            <th scope="col">Cluster</th>
            <th scope="col">First activity (UTC)</th>
            <th scope="col">Last activity (UTC)</th>
            <th scope="col" className={styles.count}>
              Entries
            </th>
          </tr>
        </thead>
        <tbody>
          {objects.map((object) => (
            <tr key={object.id}>
              <td className={styles.kind} title={object.apiGroup ? `${object.resource}.${object.apiGroup}` : object.resource}>
                {object.kind ?? object.resource}
              </td>
              <td className={styles.object}>
                {/* Not prefetched: a search lists up to 500 objects, each a page of its own. */}
                <Link href={objectHrefOf(object, range)} prefetch={false}>
                  {object.namespace ? <span className={styles.namespace}>{object.namespace}/</span> : null}
                  {object.name}
                </Link>
                {object.deleted && object.deletedAt !== null ? (
                  <span className={styles.deleted} title={`Deleted at ${new Date(object.deletedAt).toISOString()}`}>
                    deleted
                  </span>
                ) : null}
              </td>
              <td className={styles.cluster}>{object.cluster}</td>
              <td className={styles.time}>
                <Instant ms={object.firstEntry} />
              </td>
              <td className={styles.time}>
                <Instant ms={object.lastEntry} />
              </td>
              {object.entryCountFolded ? (
                <td className={styles.count}>{object.entryCount}</td>
              ) : (
                <td className={styles.count} title="At most: too many watch entries to tell which are the same writes as audit entries (its page shows each write once)">
                  ≤ {object.entryCount}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
