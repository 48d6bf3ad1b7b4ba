import { SearchPage } from "@/components/search/SearchPage";
import { describeSearch, hasCriteria, searchQueryOf } from "@/components/search/searchQuery";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The search in the tab's title, so that the browser's history tells searches apart. */
export async function generateMetadata({ searchParams }: { searchParams: SearchParams }) {
  const query = searchQueryOf(await searchParams);
  return { title: hasCriteria(query) ? `Search: ${describeSearch(query)} · Kubetrail` : "Search · Kubetrail" };
}

/** `/search?cluster=&namespace=&kind=&name=&user=&from=&to=&limit=`: objects found by who and what, in any time range. */
export default async function SearchRoute({ searchParams }: { searchParams: SearchParams }) {
  const query = searchQueryOf(await searchParams);
  return (
    <>
      <h1>Search objects</h1>
      <SearchPage query={query} />
    </>
  );
}
