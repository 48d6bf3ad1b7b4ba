import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { loadFalcoTraceEvent, loadFalcoTraceEvents } from "../../testing/fixtures";
import { eventList, rolloutScenario } from "../../testing/scenarios/rollout";
import { CASCADE, cascadeEventList, openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import type { FoundObject, ObjectSearchResult } from "../../query/objectSearch";

/**
 * The search page's API over real HTTP (app/api/trpc/[trpc]/route.ts), on each store, with
 * data built from real objects and posted through the audit webhook:
 * - cluster "openshift": the rolling update of the real OpenShift Deployment
 *   openshift-apiserver/apiserver through its ReplicaSets and Pods (openshiftCascade, from
 *   shared/fixtures/real/openshift-must-gather-azure), with its quarantine and teardown;
 * - cluster "staging": the same Deployment's life alone (rolloutScenario);
 * - cluster "minikube": every real falco k8s-audit trace (shared/fixtures/real/falco-k8s-audit-traces);
 * - cluster "impersonated": the rollout's real scale-up, sent as mallory acting as bob.
 */

const at = (text: string) => Date.parse(text);
const timeOf = (event: Record<string, any>) => at(event.requestReceivedTimestamp);

describe.each(STORE_KINDS)("the search page's API on %s", (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(kind);
    const batches: Array<[cluster: string, body: unknown]> = [
      ["openshift", cascadeEventList(openshiftCascade())],
      ["staging", eventList(rolloutScenario().map((step) => step.event))],
      ["minikube", eventList(loadFalcoTraceEvents().map((event) => event.raw))],
    ];
    const scale = rolloutScenario().find((step) => step.label === "scale up")!.event;
    batches.push(["impersonated", eventList([{ ...scale, user: { username: "mallory", groups: ["system:authenticated"] }, impersonatedUser: { username: "bob", groups: ["system:authenticated"] } }])]);
    for (const [cluster, body] of batches) {
      const posted = await app.postAudit(body, { cluster });
      expect(posted.status, cluster).toBe(200);
    }
  });
  afterAll(() => app?.close());

  /** A GET of a procedure, as react-query's client sends one call (input as JSON in the query string). */
  async function call(procedure: string, input?: unknown): Promise<{ status: number; body: any }> {
    const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const response = await fetch(`${app.url}/api/trpc/${procedure}${query}`);
    return { status: response.status, body: await response.json() };
  }
  async function search(input?: Record<string, unknown>): Promise<ObjectSearchResult> {
    const { status, body } = await call("search.objects", input);
    expect(status, JSON.stringify(body)).toBe(200);
    return body.result.data;
  }
  const label = (object: FoundObject) => `${object.cluster} ${object.kind} ${object.namespace ? `${object.namespace}/` : ""}${object.name}`;
  const found = async (input?: Record<string, unknown>) => (await search(input)).objects.map(label);
  async function badRequest(input: unknown): Promise<string> {
    const { status, body } = await call("search.objects", input);
    expect(status, JSON.stringify(input)).toBe(400);
    expect(body.error.data.code).toBe("BAD_REQUEST");
    return body.error.message;
  }

  it("answers plain JSON: each object's identity, whether it is deleted, and its activity in the range in epoch milliseconds", async () => {
    const result = await search({ cluster: "staging" });
    const steps = rolloutScenario();
    const deleted = steps.find((step) => step.label === "delete")!.event;
    expect(result.more).toBe(false);
    expect(result.objects).toEqual([
      {
        id: expect.any(Number),
        cluster: "staging",
        kind: "Deployment",
        resource: "deployments",
        apiGroup: "apps",
        namespace: "openshift-apiserver",
        name: "apiserver",
        deleted: true,
        deletedAt: expect.any(Number),
        // Every step of the rollout, the refused update and the no-op one included.
        firstEntry: timeOf(steps[0]!.event),
        lastEntry: timeOf(deleted),
        entryCount: steps.length,
        entryCountFolded: true,
      },
    ]);
    expect(result.objects[0]!.deletedAt).toBeGreaterThanOrEqual(timeOf(deleted));
    expect(result.objects[0]!.deletedAt).toBeLessThanOrEqual(at(deleted.stageTimestamp));
  });

  it("searches any time when no range is given: from the store's first instant (0001-01-01) to a day past now", async () => {
    const before = Date.now();
    const result = await search({});
    expect(result.range.from).toBe(at("0001-01-01T00:00:00Z"));
    expect(result.range.to).toBeGreaterThanOrEqual(before + 24 * 3600_000);
    expect(result.range.to).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    // Most recently active first: the teardown of the cascade (15:20 on 2021-09-13) is the latest of all.
    const lastSteps = openshiftCascade().filter((step) => step.phase === "teardown");
    expect(result.objects[0]!.lastEntry).toBe(Math.max(...lastSteps.map((step) => timeOf(step.event))));
    const lastEntries = result.objects.map((object) => object.lastEntry);
    expect(lastEntries).toEqual([...lastEntries].sort((a, b) => b - a));
    // Every cluster's objects are there; the 2018 falco objects last.
    expect(new Set(result.objects.map((object) => object.cluster))).toEqual(new Set(["openshift", "staging", "minikube", "impersonated"]));
  });

  it("shows entries stamped ahead of the server's clock when no range is given", async () => {
    // The real falco create_configmap.json, as an apiserver whose clock runs an hour ahead would stamp it.
    const ahead = structuredClone(loadFalcoTraceEvent("create_configmap.json")) as Record<string, any>;
    const start = new Date(Date.now() + 3600_000);
    ahead.requestReceivedTimestamp = start.toISOString();
    ahead.stageTimestamp = new Date(start.getTime() + 5).toISOString();
    expect((await app.postAudit(eventList([ahead]), { cluster: "skewed" })).status).toBe(200);
    expect(await found({ cluster: "skewed" })).toEqual(["skewed ConfigMap default/my-config"]);
    // Up to now only, it is not there yet.
    expect(await found({ cluster: "skewed", to: new Date().toISOString() })).toEqual([]);
  });

  it("shows entries stamped before 1970 when no range is given", async () => {
    // The real falco create_configmap.json, as an apiserver whose clock was set a minute before the epoch stamps it.
    const early = structuredClone(loadFalcoTraceEvent("create_configmap.json")) as Record<string, any>;
    early.requestReceivedTimestamp = "1969-12-31T23:59:00.000000Z";
    early.stageTimestamp = "1969-12-31T23:59:00.005000Z";
    expect((await app.postAudit(eventList([early]), { cluster: "early" })).status).toBe(200);
    const [object] = (await search({ cluster: "early" })).objects;
    expect(object).toMatchObject({ kind: "ConfigMap", name: "my-config", firstEntry: -60_000, lastEntry: -60_000, entryCount: 1 });
    expect(await found({ cluster: "early", to: "1970-01-01T00:00:00Z" })).toEqual(["early ConfigMap default/my-config"]);
    expect(await found({ cluster: "early", from: "1970-01-01T00:00:00Z" })).toEqual([]);
  });

  it("matches a name exactly or with a * pattern", async () => {
    expect((await found({ name: "apiserver" })).sort()).toEqual(["impersonated Deployment openshift-apiserver/apiserver", "openshift Deployment openshift-apiserver/apiserver", "staging Deployment openshift-apiserver/apiserver"]);
    const rev3 = `${CASCADE.replicaSets.rev3.name}-*`;
    expect((await found({ name: rev3 })).sort()).toEqual(
      ["apiserver-5d887d5fcd-mrn5h", "apiserver-5d887d5fcd-qnvqh", CASCADE.quarantined.name, CASCADE.replacement.name].sort().map((name) => `openshift Pod openshift-apiserver/${name}`),
    );
    // A pattern is not a prefix match, and an exact name is not a pattern.
    expect(await found({ name: "apiserver-5d887d5fcd" })).toEqual(["openshift ReplicaSet openshift-apiserver/apiserver-5d887d5fcd"]);
    expect(await found({ name: "*-xdwdd" })).toEqual([`openshift Pod openshift-apiserver/${CASCADE.quarantined.name}`]);
  });

  it("narrows by namespace, kind and cluster", async () => {
    expect((await found({ namespace: "kube-public" })).sort()).toEqual(
      (await found({ cluster: "minikube", namespace: "kube-public" })).sort(),
    );
    const kubePublic = (await search({ namespace: "kube-public" })).objects;
    expect(new Set(kubePublic.map((object) => `${object.cluster} ${object.namespace} ${object.kind}`))).toEqual(new Set(["minikube kube-public Pod", "minikube kube-public ServiceAccount"]));
    expect((await found({ kind: "ReplicaSet" })).sort()).toEqual(Object.values(CASCADE.replicaSets).map((rs) => `openshift ReplicaSet openshift-apiserver/${rs.name}`).sort());
    expect(new Set(await found({ kind: "ClusterRole" }))).toEqual(new Set(["minikube ClusterRole some-reader", "minikube ClusterRole system:kube-aggregator", "minikube ClusterRole system:node-problem-detector"]));
    expect(await found({ cluster: "staging" })).toEqual(["staging Deployment openshift-apiserver/apiserver"]);
    expect(await found({ cluster: "openshift", kind: "Deployment" })).toEqual(["openshift Deployment openshift-apiserver/apiserver"]);
    // Criteria together: only what matches all of them.
    expect(await found({ cluster: "openshift", namespace: "openshift-apiserver", kind: "Pod", name: "*-k8w2n" })).toEqual([`openshift Pod openshift-apiserver/${CASCADE.replacement.name}`]);
    expect(await found({ cluster: "staging", kind: "Pod" })).toEqual([]);
  });

  it("matches a kind in any case, or by its plural resource, as a person types it", async () => {
    const replicaSets = Object.values(CASCADE.replicaSets).map((rs) => `openshift ReplicaSet openshift-apiserver/${rs.name}`).sort();
    for (const kind of ["replicaset", "REPLICASET", "replicasets"]) expect((await found({ kind })).sort(), kind).toEqual(replicaSets);
    expect((await found({ kind: "pod", cluster: "openshift", name: "*-k8w2n" }))).toEqual([`openshift Pod openshift-apiserver/${CASCADE.replacement.name}`]);
    expect(await found({ kind: "deployment", cluster: "staging" })).toEqual(["staging Deployment openshift-apiserver/apiserver"]);
    expect(new Set(await found({ kind: "clusterroles" }))).toEqual(new Set(await found({ kind: "ClusterRole" })));
  });

  it("finds cluster-scoped objects only, on asking", async () => {
    const minikube = await found({ cluster: "minikube", limit: 500 });
    const clusterScoped = await found({ cluster: "minikube", scope: "cluster", limit: 500 });
    expect(clusterScoped).toEqual(minikube.filter((object) => !object.includes("/")));
    expect(clusterScoped).toEqual(expect.arrayContaining(["minikube Namespace foo", "minikube ClusterRole some-reader"]));
    expect(new Set(await found({ scope: "cluster", kind: "clusterrole" }))).toEqual(new Set(await found({ kind: "ClusterRole" })));
    expect(await found({ scope: "cluster", cluster: "openshift" })).toEqual([]);
    expect(await badRequest({ scope: "cluster", namespace: "kube-system" })).toBe("namespace: must be empty with scope cluster: cluster-scoped objects have none (kube-system given)");
    expect(await badRequest({ scope: "namespaced" })).toBe('scope: must be "cluster" (cluster-scoped objects only) or absent');
  });

  it("finds what a user did, as themselves or impersonating someone, counting only their entries", async () => {
    const byAdmin = (await search({ cluster: "staging", user: "kube:admin" })).objects;
    // scale up, scale down, the refused update, the delete
    const adminSteps = rolloutScenario().filter((step) => step.event.user.username === "kube:admin");
    expect(byAdmin.map(label)).toEqual(["staging Deployment openshift-apiserver/apiserver"]);
    expect(byAdmin[0]).toMatchObject({ entryCount: adminSteps.length, firstEntry: timeOf(adminSteps[0]!.event), lastEntry: timeOf(adminSteps.at(-1)!.event) });
    expect(await found({ user: "system:anonymous" })).toEqual(["minikube Namespace foo"]);
    expect(await found({ user: "minikube-user", kind: "Secret" })).toEqual(["minikube Secret default/example-secret"]);
    for (const user of ["bob", "mallory"]) expect(await found({ user }), user).toEqual(["impersonated Deployment openshift-apiserver/apiserver"]);
  });

  it("leaves out objects with no activity in the range, and takes a request that ran into it", async () => {
    // Between the falco traces' delete of the Namespace foo (13:00:25) and of the Service nginx (13:11:02):
    // the Deployment nginx-deployment, created at 13:07:36 and deleted at 13:09:27.
    expect(await found({ cluster: "minikube", from: "2018-10-26T13:05:00Z", to: "2018-10-26T13:10:00Z" })).toEqual(["minikube Deployment default/nginx-deployment"]);
    expect(await found({ from: "2019-01-01T00:00:00Z", to: "2019-02-01T00:00:00Z" })).toEqual([]);
    // The staging Deployment's entries in the last four minutes of its life only.
    const [recent] = (await search({ cluster: "staging", from: "2021-09-13T14:59:00Z", to: "2021-09-13T15:03:00+00:00" })).objects;
    expect(recent).toMatchObject({ firstEntry: at("2021-09-13T14:59:16Z"), lastEntry: at("2021-09-13T15:02:16Z"), entryCount: 4 });
    // Only one end given: the other is open.
    expect(await found({ cluster: "minikube", from: "2020-04-21T17:58:00Z" })).toEqual(["minikube Secret default/example-secret"]);
    expect(await found({ cluster: "minikube", to: "2018-10-25T13:59:00Z" })).toEqual(expect.arrayContaining(["minikube Namespace foo"]));
    expect(await found({ cluster: "minikube", to: "2018-10-25T13:58:00Z" })).toEqual([]);
  });

  it("lists at most `limit` objects and says when there are more", async () => {
    const two = await search({ kind: "Pod", limit: 2 });
    expect(two.objects).toHaveLength(2);
    expect(two.more).toBe(true);
    const all = await search({ kind: "Pod", limit: 500 });
    expect(all.more).toBe(false);
    expect(two.objects).toEqual(all.objects.slice(0, 2));
    const exact = await search({ kind: "Pod", limit: all.objects.length });
    expect(exact.more).toBe(false);
  });

  it("trims criteria and takes an empty one for none", async () => {
    expect(await found({ cluster: "  staging ", name: " apiserver", namespace: "", kind: " ", from: "", to: " " })).toEqual(["staging Deployment openshift-apiserver/apiserver"]);
  });

  it("takes kubectl's short name for a built-in kind", async () => {
    expect(await found({ cluster: "staging", name: "apiserver", kind: "deploy" })).toEqual(["staging Deployment openshift-apiserver/apiserver"]);
  });

  it("finds nothing, without an error, for values nothing has", async () => {
    for (const criteria of [{ cluster: "nowhere" }, { namespace: "no-such-namespace" }, { kind: "NoSuchKind" }, { name: "no-such-*" }, { user: "nobody" }, { kind: "Po" }, { kind: "sts" }]) {
      expect(await search(criteria), JSON.stringify(criteria)).toMatchObject({ objects: [], more: false });
    }
  });

  it("refuses bad input with 400 and a message naming the field and the problem", async () => {
    expect(await badRequest({ from: "2021-09-13T16:00:00Z", to: "2021-09-13T14:00:00Z" })).toBe("from: must be before to (2021-09-13T16:00:00.000Z is not before 2021-09-13T14:00:00.000Z)");
    expect(await badRequest({ from: "2021-09-13T14:00:00Z", to: "2021-09-13T14:00:00Z" })).toMatch(/^from: must be before to/);
    expect(await badRequest({ from: "yesterday" })).toBe("from: must be an ISO-8601 instant with a time zone, e.g. 2021-09-13T14:00:00Z");
    // A date alone, a local time with no zone and a day February lacks are not instants.
    for (const to of ["2021-09-13", "2021-09-13T14:00:00", "2021-02-30T00:00:00Z"]) expect(await badRequest({ to }), to).toMatch(/^to: must be an ISO-8601 instant/);
    for (const limit of [0, -1, 501, 2.5, "10"]) expect(await badRequest({ limit }), String(limit)).toBe("limit: must be a whole number from 1 to 500");
    expect(await badRequest({ name: "a".repeat(254) })).toBe("name: at most 253 characters");
    expect(await badRequest({ namespace: "n".repeat(64) })).toBe("namespace: at most 63 characters");
    expect(await badRequest({ user: "u".repeat(513) })).toBe("user: at most 512 characters");
    expect(await badRequest({ cluster: 7 })).toMatch(/^cluster: /);
    expect(await badRequest({ namespace: "kube-*" })).toBe("namespace: matched exactly: only name takes * patterns");
    expect(await badRequest({ labels: "app=web" })).toMatch(/labels/);
    // Several problems at once: each named.
    expect(await badRequest({ limit: 0, kind: "k".repeat(64) })).toBe("kind: at most 63 characters; limit: must be a whole number from 1 to 500");
  });

  it("refuses what the store cannot compare with, rather than failing with 500: a NUL character, an instant outside the years 0001–9999", async () => {
    for (const field of ["cluster", "namespace", "kind", "name", "user"]) {
      expect(await badRequest({ [field]: "web\u0000" }), field).toBe(`${field}: must not contain a NUL character (\\u0000)`);
    }
    expect(await badRequest({ from: "0000-01-01T00:00:00Z" })).toBe("from: must be in the years 0001–9999 (UTC), the instants the store holds");
    expect(await badRequest({ to: "9999-12-31T23:00:00-02:00" })).toBe("to: must be in the years 0001–9999 (UTC), the instants the store holds");
    // The store's first and last years are searched like any other.
    expect(await found({ cluster: "staging", from: "0001-01-01T00:00:00Z", to: "9999-12-31T23:59:59Z" })).toEqual(["staging Deployment openshift-apiserver/apiserver"]);
    // Text no object has, however odd, finds nothing: a lone surrogate, emoji, a pattern of them, LIKE's own wildcards.
    for (const name of ["\ud800", "😀", "😀*", "%", "_piserver", "apiserver%"]) {
      expect(await search({ name }), JSON.stringify(name)).toMatchObject({ objects: [], more: false });
    }
  });

  it("answers the batched calls the dashboard's client sends, each with its own result or error", async () => {
    const input = { 0: { cluster: "staging" }, 1: { limit: 0 } };
    const response = await fetch(`${app.url}/api/trpc/search.objects,search.objects?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`);
    const [ok, bad] = (await response.json()) as any[];
    expect(ok.result.data.objects.map(label)).toEqual(["staging Deployment openshift-apiserver/apiserver"]);
    expect(bad.error.message).toBe("limit: must be a whole number from 1 to 500");
    expect(bad.error.data.httpStatus).toBe(400);
  });

  it("lists the kinds and namespaces in the store for the form's suggestions", async () => {
    const kinds = (await call("search.kinds")).body.result.data as string[];
    expect(kinds).toEqual(expect.arrayContaining(["ClusterRole", "ConfigMap", "Deployment", "Namespace", "Pod", "ReplicaSet", "Secret"]));
    expect(kinds).toEqual([...new Set(kinds)].sort((a, b) => a.localeCompare(b)));
    const namespaces = (await call("search.namespaces")).body.result.data as string[];
    const distinct = await app.context.db.query<{ namespace: string }>(`SELECT DISTINCT namespace FROM objects WHERE namespace <> '' ORDER BY namespace`);
    expect(namespaces).toEqual(distinct.rows.map((row) => row.namespace));
    expect(namespaces).toEqual(expect.arrayContaining(["default", "kube-public", "kube-system", "openshift-apiserver"]));
  });

  it("lists only the chosen cluster's namespaces for the form's suggestions, once the cluster is chosen", async () => {
    const namespacesOf = async (cluster: string) =>
      (await app.context.db.query<{ namespace: string }>(
        `SELECT DISTINCT o.namespace FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.namespace <> '' ORDER BY o.namespace`,
        [cluster],
      )).rows.map((row) => row.namespace);
    const minikube = (await call("search.namespaces", { cluster: "minikube" })).body.result.data as string[];
    expect(minikube).toEqual(await namespacesOf("minikube"));
    expect(minikube).toEqual(expect.arrayContaining(["default", "kube-system"]));
    // The OpenShift clusters' namespace is not minikube's.
    expect(minikube).not.toContain("openshift-apiserver");
    expect((await call("search.namespaces", { cluster: "staging" })).body.result.data).toEqual(["openshift-apiserver"]);
    // No cluster chosen ("" as the form sends it): every cluster's.
    expect((await call("search.namespaces", { cluster: "" })).body.result.data).toEqual((await call("search.namespaces")).body.result.data);
    // A cluster the store does not have has none; a name no cluster can have is refused.
    expect((await call("search.namespaces", { cluster: "nowhere" })).body.result.data).toEqual([]);
    const tooLong = await call("search.namespaces", { cluster: "c".repeat(254) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toBe("cluster: at most 253 characters");
  });

  it("refuses with 400 a kind typed in a case that two custom kinds share, and takes either spelled as it is", async () => {
    // The real falco create_configmap.json, as the create of a custom resource of each kind.
    const customResource = (kind: string, group: string, resource: string, auditID: string) => {
      const event = structuredClone(loadFalcoTraceEvent("create_configmap.json")) as Record<string, any>;
      const uid = auditID; // an object of its own
      Object.assign(event.objectRef, { apiGroup: group, apiVersion: "v1", resource, uid });
      event.responseObject.metadata.uid = uid;
      for (const body of [event.requestObject, event.responseObject]) Object.assign(body, { apiVersion: `${group}/v1`, kind });
      event.requestURI = `/apis/${group}/v1/namespaces/default/${resource}`;
      return { ...event, auditID };
    };
    const events = [customResource("Widget", "a.example.com", "widgets", "0a1c0de0-0000-4000-8000-000000000001"), customResource("WIDGET", "b.example.com", "bigwidgets", "0a1c0de0-0000-4000-8000-000000000002")];
    expect((await app.postAudit(eventList(events), { cluster: "crds" })).status).toBe(200);
    expect(await badRequest({ kind: "widget" })).toBe("kind: widget names several kinds (WIDGET, Widget): type one as it is spelled");
    expect(await found({ kind: "Widget" })).toEqual(["crds Widget default/my-config"]);
    expect(await found({ kind: "bigwidgets" })).toEqual(["crds WIDGET default/my-config"]);
  });
});
