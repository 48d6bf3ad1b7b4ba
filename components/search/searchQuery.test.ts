import { describe, expect, it } from "vitest";
import { apiInputOf, describeSearch, EMPTY_SEARCH, hasCriteria, nameContainingSearch, namespacedNameSearch, queryStringOf, searchHrefOf, searchQueryOf } from "./searchQuery";

describe("the search in the URL", () => {
  it("reads every field from the query string, the first of a repeated one, \"\" for a missing one", () => {
    const query = searchQueryOf(new URLSearchParams("name=apiserver-*&namespace=openshift-apiserver&kind=Pod&cluster=prod&user=kube%3Aadmin&from=2021-09-13T14%3A00%3A00Z&limit=20&other=x"));
    expect(query).toEqual({ cluster: "prod", namespace: "openshift-apiserver", scope: "", kind: "Pod", name: "apiserver-*", user: "kube:admin", from: "2021-09-13T14:00:00Z", to: "", limit: "20" });
    expect(searchQueryOf(new URLSearchParams("scope=cluster&kind=ClusterRole"))).toEqual({ ...EMPTY_SEARCH, scope: "cluster", kind: "ClusterRole" });
    // As Next hands a page its searchParams.
    expect(searchQueryOf({ name: ["a", "b"], kind: undefined })).toEqual({ ...EMPTY_SEARCH, name: "a" });
  });

  it("writes only the fields given, trimmed, in a fixed order, and reads back the same search", () => {
    const query = { ...EMPTY_SEARCH, user: "system:serviceaccount:kube-system:deployment-controller", name: " web-* ", to: "2021-09-13T15:00:00+02:00" };
    expect(queryStringOf(query)).toBe("name=web-*&user=system%3Aserviceaccount%3Akube-system%3Adeployment-controller&to=2021-09-13T15%3A00%3A00%2B02%3A00");
    expect(searchQueryOf(new URLSearchParams(queryStringOf(query)))).toEqual({ ...query, name: "web-*" });
    expect(searchHrefOf(EMPTY_SEARCH)).toBe("/search");
    expect(searchHrefOf({ ...EMPTY_SEARCH, name: "apiserver" })).toBe("/search?name=apiserver");
    expect(searchHrefOf({ ...EMPTY_SEARCH, kind: "Node", scope: "cluster", cluster: "prod" })).toBe("/search?cluster=prod&scope=cluster&kind=Node");
  });

  it("asks the API for the criteria given, the limit as a number, and a limit that is no number as one it refuses", () => {
    expect(apiInputOf(EMPTY_SEARCH)).toEqual({});
    expect(apiInputOf({ ...EMPTY_SEARCH, scope: "cluster" })).toEqual({ scope: "cluster" });
    expect(apiInputOf({ ...EMPTY_SEARCH, kind: " Pod ", from: "2021-09-13T14:00:00Z", limit: "20" })).toEqual({ kind: "Pod", from: "2021-09-13T14:00:00Z", limit: 20 });
    expect(apiInputOf({ ...EMPTY_SEARCH, limit: "0" }).limit).toBe(0);
    expect(apiInputOf({ ...EMPTY_SEARCH, limit: "lots" }).limit).toBeNaN();
    // NaN goes as null: the API answers that limit must be a number.
    expect(JSON.stringify(apiInputOf({ ...EMPTY_SEARCH, limit: "lots" }))).toBe('{"limit":null}');
  });

  it("says in words what found nothing", () => {
    expect(describeSearch({ ...EMPTY_SEARCH, kind: "Pod", name: "web-*", cluster: "prod" })).toBe("kind Pod, name web-*, cluster prod, at any time");
    expect(describeSearch({ ...EMPTY_SEARCH, user: "alice", from: "2021-09-13T14:00:00Z", to: "2021-09-13T15:00:00Z" })).toBe("user alice, between 2021-09-13T14:00:00Z and 2021-09-13T15:00:00Z");
    expect(describeSearch({ ...EMPTY_SEARCH, from: "2021-09-13T14:00:00Z" })).toBe("since 2021-09-13T14:00:00Z");
    expect(describeSearch({ ...EMPTY_SEARCH, to: "2021-09-13T14:00:00Z" })).toBe("before 2021-09-13T14:00:00Z");
    expect(hasCriteria({ ...EMPTY_SEARCH, from: "2021-09-13T14:00:00Z", limit: "5" })).toBe(false);
    expect(hasCriteria({ ...EMPTY_SEARCH, namespace: "default" })).toBe(true);
    expect(hasCriteria({ ...EMPTY_SEARCH, scope: "cluster" })).toBe(true);
    expect(describeSearch({ ...EMPTY_SEARCH, scope: "cluster", kind: "node" })).toBe("kind node, cluster-scoped, at any time");
  });
});

describe("the search for names containing the one typed, offered when an exact name finds nothing", () => {
  it("puts the name between stars and keeps the other criteria, the limit back to its default", () => {
    const query = { ...EMPTY_SEARCH, name: " postgres ", cluster: "hkerma", limit: "500" };
    expect(nameContainingSearch(query)).toEqual({ ...EMPTY_SEARCH, name: "*postgres*", cluster: "hkerma" });
  });

  it("is none for a pattern already, or for no name", () => {
    expect(nameContainingSearch({ ...EMPTY_SEARCH, name: "apiserver-*" })).toBeNull();
    expect(nameContainingSearch({ ...EMPTY_SEARCH, name: "  ", kind: "Pod" })).toBeNull();
  });
});

describe("a name typed as namespace/name", () => {
  it("is offered as the same search by that namespace and name", () => {
    const query = { ...EMPTY_SEARCH, name: " openshift-apiserver/apiserver ", cluster: "sample-cascade", limit: "20" };
    expect(namespacedNameSearch(query)).toEqual({ ...EMPTY_SEARCH, namespace: "openshift-apiserver", name: "apiserver", cluster: "sample-cascade" });
    // Not as names containing it: no name holds a "/".
    expect(nameContainingSearch(query)).toBeNull();
  });

  it("is none for a plain name, more or fewer parts, or when a namespace or cluster scope is asked", () => {
    for (const name of ["apiserver", "a/b/c", "/apiserver", "openshift-apiserver/", ""]) expect(namespacedNameSearch({ ...EMPTY_SEARCH, name }), name).toBeNull();
    expect(namespacedNameSearch({ ...EMPTY_SEARCH, name: "a/b", namespace: "c" })).toBeNull();
    expect(namespacedNameSearch({ ...EMPTY_SEARCH, name: "a/b", scope: "cluster" })).toBeNull();
  });
});
