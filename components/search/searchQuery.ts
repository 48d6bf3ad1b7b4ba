/**
 * The search page's state, which is its URL's query string: `/search?cluster=&namespace=&scope=
 * &kind=&name=&user=&from=&to=&limit=`. A search is shared as a link, back and forward step through
 * searches, and a reload shows the same one. Values are kept as the URL has them (the API
 * validates them and says what is wrong); "" is the same as absent.
 */
export interface SearchQuery {
  cluster: string;
  namespace: string;
  /** "cluster": cluster-scoped objects only; "" for any. */
  scope: string;
  kind: string;
  /** Exact, or a pattern with `*`. */
  name: string;
  /** Who made an entry, or who impersonated them. */
  user: string;
  /** ISO-8601 instants; "" for an open end. */
  from: string;
  to: string;
  /** "" for the API's default. */
  limit: string;
}

/** The fields in the order the URL lists them. */
export const SEARCH_FIELDS = ["cluster", "namespace", "scope", "kind", "name", "user", "from", "to", "limit"] as const satisfies ReadonlyArray<keyof SearchQuery>;

export const EMPTY_SEARCH: SearchQuery = { cluster: "", namespace: "", scope: "", kind: "", name: "", user: "", from: "", to: "", limit: "" };

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function paramOf(params: Params, field: string): string {
  const value = params instanceof URLSearchParams ? params.get(field) : params[field];
  // A field given twice (?name=a&name=b): the first, as URLSearchParams.get reads it.
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** The search a URL's query string asks (Next's searchParams, or URLSearchParams). */
export function searchQueryOf(params: Params): SearchQuery {
  return Object.fromEntries(SEARCH_FIELDS.map((field) => [field, paramOf(params, field)])) as unknown as SearchQuery;
}

/** The query string of a search ("" for none), without the fields left empty. */
export function queryStringOf(query: SearchQuery): string {
  const params = new URLSearchParams();
  for (const field of SEARCH_FIELDS) {
    const value = query[field].trim();
    if (value !== "") params.set(field, value);
  }
  return params.toString();
}

/** The page's URL for a search. */
export function searchHrefOf(query: SearchQuery): string {
  const text = queryStringOf(query);
  return text === "" ? "/search" : `/search?${text}`;
}

/** What search.objects is asked: the criteria given, the limit as a number (NaN, sent as null, for text the API must refuse). */
export function apiInputOf(query: SearchQuery): { cluster?: string; namespace?: string; scope?: string; kind?: string; name?: string; user?: string; from?: string; to?: string; limit?: number } {
  const input: ReturnType<typeof apiInputOf> = {};
  for (const field of ["cluster", "namespace", "scope", "kind", "name", "user", "from", "to"] as const) {
    const value = query[field].trim();
    if (value !== "") input[field] = value;
  }
  const limit = query.limit.trim();
  if (limit !== "") input.limit = /^[+-]?\d+(\.\d+)?$/.test(limit) ? Number(limit) : Number.NaN;
  return input;
}

/** Whether the search has any criterion besides the range and the limit. */
export function hasCriteria(query: SearchQuery): boolean {
  return (["cluster", "namespace", "scope", "kind", "name", "user"] as const).some((field) => query[field].trim() !== "");
}

/** The search in words, for "No objects match …": `kind Pod, name web-*, in cluster prod, between … and …`. */
export function describeSearch(query: SearchQuery): string {
  const value = (field: keyof SearchQuery) => query[field].trim();
  const parts: string[] = [];
  if (value("kind")) parts.push(`kind ${value("kind")}`);
  if (value("name")) parts.push(`name ${value("name")}`);
  if (value("namespace")) parts.push(`namespace ${value("namespace")}`);
  if (value("scope") === "cluster") parts.push("cluster-scoped");
  else if (value("scope")) parts.push(`scope ${value("scope")}`);
  if (value("cluster")) parts.push(`cluster ${value("cluster")}`);
  if (value("user")) parts.push(`user ${value("user")}`);
  const from = value("from");
  const to = value("to");
  if (from && to) parts.push(`between ${from} and ${to}`);
  else if (from) parts.push(`since ${from}`);
  else if (to) parts.push(`before ${to}`);
  else parts.push("at any time");
  return parts.join(", ");
}

/**
 * The same search for names that contain the exact name typed (`*postgres*`), which the page
 * offers when that name finds nothing: a first search by a part of a name (`postgres` for
 * `my-postgresql-0`) should not end at "no objects". Null when the name is a pattern already or empty.
 */
export function nameContainingSearch(query: SearchQuery): SearchQuery | null {
  const name = query.name.trim();
  if (name === "" || name.includes("*") || name.includes("/")) return null;
  return { ...query, name: `*${name}*`, limit: "" };
}

/**
 * The same search for `namespace/name` typed as a name, as the results and kubectl write an
 * object (`openshift-apiserver/apiserver`), by its namespace and name. No Kubernetes name holds a
 * "/", so such a name finds nothing, and the page offers this instead. Null when the name is not
 * two parts around one "/", or a namespace (or cluster scope) is asked already.
 */
export function namespacedNameSearch(query: SearchQuery): SearchQuery | null {
  const parts = query.name.trim().split("/");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") return null;
  if (query.namespace.trim() !== "" || query.scope.trim() !== "") return null;
  return { ...query, namespace: parts[0]!, name: parts[1]!, limit: "" };
}
