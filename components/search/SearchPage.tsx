"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/components/trpc/client";
import { SearchForm } from "./SearchForm";
import { SearchResults } from "./SearchResults";
import { apiInputOf, searchHrefOf, type SearchQuery } from "./searchQuery";

/**
 * The search page: the form and the results of the search in the URL (`query`, read from it by
 * app/search/page.tsx). A search goes into the URL, and the page follows the URL.
 */
export function SearchPage({ query }: { query: SearchQuery }) {
  const router = useRouter();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = searchHrefOf(query);

  const search = (next: SearchQuery) => {
    // New criteria start from the default limit.
    const href = searchHrefOf({ ...next, limit: "" });
    // The same search again: ask again (an open range ends later now) rather than stay put.
    if (href === current) void queryClient.invalidateQueries({ queryKey: trpc.search.objects.queryKey(apiInputOf(query)) });
    else router.push(href, { scroll: false });
  };

  return (
    <>
      <SearchForm key={current} query={query} onSearch={search} />
      <SearchResults query={query} onShowMore={() => router.push(searchHrefOf({ ...query, limit: "500" }), { scroll: false })} />
    </>
  );
}
