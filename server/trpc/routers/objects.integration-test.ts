import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { CASCADE, CASCADE_PODS, cascadeEventList, openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { eventList, rolloutScenario } from "../../testing/scenarios/rollout";
import { b64, SECRET_NEW_PASSWORD, SECRET_PASSWORD, SECRET_USERNAME_BASE64, secretScenario } from "../../testing/scenarios/secret";
import { kubeDnsMergeWrites } from "../../testing/scenarios/mergedKubeDns";
import { objectIdOf } from "../../query/trace/rolloutTree.fixture";
import { decodeTraceId } from "../../query/trace/traceId";
import { lifetimeRange, type TimelineEntryDetails, type TimelineRow } from "../../query/timeline/payload";
import { ENTRY_SQL, LIFETIME_SQL, type TimelineResult } from "../../query/timeline/load";

/**
 * The object page's API (objects.timeline, objects.entry) over real HTTP, through the route
 * file Next serves it from, on each store, with real-derived scenarios posted to the webhook:
 * the OpenShift rollout cascade (Deployment → ReplicaSets → Pods, server/testing/scenarios/
 * openshiftCascade.ts), the rollout of the same Deployment with a scale, a no-op and a conflict
 * (rollout.ts), a Secret whose password changes (secret.ts) and the kube-dns Deployment that
 * ingest merges from two rows into one (mergedKubeDns.ts).
 */

const at = (clock: string) => `2021-09-13T${clock}Z`;
const micros = (iso: string) => Date.parse(iso) * 1000;
const { rev1, rev2, rev3 } = CASCADE.replicaSets;
const POD = CASCADE_PODS;

/** Each row as `<indent><Kind> <name> (<relation>)`, two spaces per depth: the tree at a glance. */
const outline = (rows: TimelineRow[]) => rows.map((row) => `${"  ".repeat(row.depth)}${row.object.kind} ${row.object.name}${row.relation ? ` (${row.relation})` : ""}`);

interface Answer<T> {
  status: number;
  data: T;
  error: { message: string; data: { code: string; httpStatus: number } };
}

describe.each(STORE_KINDS)("the object page's API on %s", (kind) => {
  let app: TestApp;
  const id = (cluster: string, resource: string, name: string) => objectIdOf(app.context.db, cluster, resource, name);

  /** A GET of a query procedure, as the dashboard's client sends it (input as JSON in the URL). */
  async function call<T>(procedure: string, input: unknown): Promise<Answer<T>> {
    const response = await fetch(`${app.url}/api/trpc/objects.${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`);
    const body = (await response.json()) as { result?: { data: T }; error?: Answer<T>["error"] };
    return { status: response.status, data: body.result?.data as T, error: body.error as Answer<T>["error"] };
  }
  const timeline = async (input: Record<string, unknown>) => {
    const answer = await call<TimelineResult>("timeline", input);
    expect(answer.status, answer.error?.message).toBe(200);
    return answer.data;
  };
  const entryDetails = async (entryId: number) => {
    const answer = await call<TimelineEntryDetails>("entry", { id: entryId });
    expect(answer.status, answer.error?.message).toBe(200);
    return answer.data;
  };
  const rowOf = (rows: TimelineRow[], name: string) => rows.find((row) => row.object.name === name)!;

  beforeAll(async () => {
    app = await startTestApp(kind);
    const post = async (body: unknown, cluster: string) => expect((await app.postAudit(body, { cluster })).status).toBe(200);
    await post(cascadeEventList(openshiftCascade()), "openshift");
    await post(eventList(rolloutScenario().map((step) => step.event)), "rollout");
    const secret = secretScenario();
    await post(eventList([secret.create, secret.passwordChange, secret.labelChange]), "secrets");
  });
  afterAll(() => app?.close());

  it("shows a Deployment's whole hierarchy over its lifetime: its ReplicaSets, each with its own Pods, in tree order", async () => {
    const deployment = await id("openshift", "deployments", "apiserver");
    const page = await timeline({ id: deployment });
    expect(outline(page.rows)).toEqual([
      "Deployment apiserver",
      `  ReplicaSet ${rev1.name} (controller-owner)`,
      `    Pod ${POD.tscjb} (controller-owner)`,
      `    Pod ${POD.c6q5q} (controller-owner)`,
      `    Pod ${POD.hc72z} (controller-owner)`,
      `  ReplicaSet ${rev2.name} (controller-owner)`,
      `    Pod ${POD.jl22t} (controller-owner)`,
      `  ReplicaSet ${rev3.name} (controller-owner)`,
      `    Pod ${POD.qnvqh} (controller-owner)`,
      `    Pod ${POD.mrn5h} (controller-owner)`,
      `    Pod ${POD.xdwdd} (controller-owner)`,
      `    Pod ${POD.k8w2n} (controller-owner)`,
    ]);
    expect(page).toMatchObject({ objectId: deployment, requestedId: deployment, relations: "full" });
    expect(page.rows.map((row) => row.queried)).toEqual(page.rows.map((_, i) => i === 0));
    const [top] = page.rows;
    expect(top!.object).toMatchObject({ cluster: "openshift", kind: "Deployment", namespace: CASCADE.namespace, uid: CASCADE.deployment.uid });
    expect(top!.lifetime.deletedAtMicros).toBe(micros(at("15:20:00.000")));
    // Every Pod is deleted, and says when.
    for (const row of page.rows.slice(1)) expect(row.lifetime.deletedAtMicros).not.toBeNull();
    // A Pod's Node is related, not in the tree.
    expect(rowOf(page.rows, POD.qnvqh).related).toContainEqual({ relation: "node", role: "parent", object: expect.objectContaining({ kind: "Node", name: CASCADE.nodes.master1.name }) });
  });

  it("takes the object's own lifetime, widened by a margin, when no range is given", async () => {
    const page = await timeline({ id: await id("openshift", "deployments", "apiserver") });
    const lifetime = page.rows[0]!.lifetime;
    expect(page.range).toEqual({ ...lifetimeRange(lifetime), fromLifetime: true });
    // 14:53:16 to 15:20:00, a twentieth (80 s) each side.
    expect(page.range.startMicros).toBeLessThan(micros(at("14:52:00")));
    expect(page.range.endMicros).toBeGreaterThan(micros(at("15:21:00")));
    // Its first write and its delete are inside.
    const entries = page.rows[0]!.entries;
    expect(entries[0]).toMatchObject({ verb: "create", mark: "create" });
    expect(entries.at(-1)).toMatchObject({ verb: "delete", mark: "delete", actor: "kube:admin" });

    // A Pod's page: its own lifetime, not its Deployment's.
    const pod = await timeline({ id: await id("openshift", "pods", POD.jl22t), relations: "self" });
    expect(pod.range.startMicros).toBe(micros(at("14:57:14.100")) - 4000 - 60_000_000);
    // Never scheduled: created, then deleted at once.
    expect(pod.rows[0]!.entries.map((e) => e.mark)).toEqual(["create", "delete"]);
  });

  it("gives every entry its mark, actor, user agent, status and diff lines", async () => {
    const page = await timeline({ id: await id("openshift", "deployments", "apiserver"), relations: "self" });
    const entries = page.rows[0]!.entries;
    const status = entries.find((e) => e.subresource === "status" && e.diff.includes("status.observedGeneration 1 -> 2"))!;
    expect(status).toMatchObject({
      mark: "update",
      actor: "system:serviceaccount:kube-system:deployment-controller",
      userAgent: "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9/system:serviceaccount:kube-system:deployment-controller",
      statusCode: 200,
      impersonator: null,
      failure: null,
      hasSnapshot: false,
    });
    expect(entries.every((e) => e.endMicros >= e.startMicros && Number.isInteger(e.startMicros))).toBe(true);
    // The delete holds the snapshot: the list says so, the entry procedure gives it.
    const deleted = entries.at(-1)!;
    expect(deleted).toMatchObject({ hasSnapshot: true });
    expect(deleted).not.toHaveProperty("snapshot");
    const details = await entryDetails(deleted.id);
    expect(details).toMatchObject({
      id: deleted.id,
      title: deleted.title,
      object: { kind: "Deployment", name: "apiserver", cluster: "openshift" },
      snapshot: { kind: "Deployment", metadata: { name: "apiserver", uid: CASCADE.deployment.uid } },
      annotations: { "authorization.k8s.io/decision": "allow" },
      request: { requestUri: "/apis/apps/v1/namespaces/openshift-apiserver/deployments/apiserver", sourceIps: ["10.0.0.5"], level: "RequestResponse" },
    });
    // No diff mentions managedFields.
    for (const entry of entries) for (const line of entry.diff) expect(line).not.toMatch(/managedFields/);
  });

  it("shows the scale, the no-op and the refused update of a rollout as such", async () => {
    const entries = (await timeline({ id: await id("rollout", "deployments", "apiserver"), relations: "self" })).rows[0]!.entries;
    expect(entries.map((e) => e.mark)).toEqual(["create", "update", "patch", "update", "patch", "update", "noop", "failed", "delete"]);
    const scale = entries[2]!;
    expect(scale).toMatchObject({ actor: "kube:admin", userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9" });
    expect(scale.diff).toContain("spec.replicas 3 -> 5");
    expect(entries[5]!.diff).toContain("spec.replicas 5 -> 3");
    expect(entries[7]).toMatchObject({
      statusCode: 409,
      title: "kube:admin update (Conflict)",
      failure: { status: "Failure", reason: "Conflict", message: expect.stringContaining("the object has been modified") },
      diff: [],
    });
    const conflict = await entryDetails(entries[7]!.id);
    expect(conflict.annotations).toEqual({ "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": 'RBAC: allowed by ClusterRoleBinding "cluster-admins"' });
  });

  it("narrows the rows to the relation mode asked", async () => {
    const rs1 = await id("openshift", "replicasets", rev1.name);
    const rs3 = await id("openshift", "replicasets", rev3.name);
    expect(outline((await timeline({ id: rs1, relations: "self" })).rows)).toEqual([`ReplicaSet ${rev1.name}`]);
    expect(outline((await timeline({ id: rs1, relations: "descendants" })).rows)).toEqual([
      `ReplicaSet ${rev1.name}`,
      `  Pod ${POD.tscjb} (controller-owner)`,
      `  Pod ${POD.c6q5q} (controller-owner)`,
      `  Pod ${POD.hc72z} (controller-owner)`,
    ]);
    const ancestors = await timeline({ id: rs3, relations: "ancestors" });
    expect(outline(ancestors.rows)).toEqual(["Deployment apiserver", `  ReplicaSet ${rev3.name} (controller-owner)`]);
    expect(ancestors.rows.map((row) => row.queried)).toEqual([false, true]);
    expect(outline((await timeline({ id: rs3, relations: "full", depth: 1 })).rows)).toEqual([
      "Deployment apiserver",
      `  ReplicaSet ${rev3.name} (controller-owner)`,
      `    Pod ${POD.qnvqh} (controller-owner)`,
      `    Pod ${POD.mrn5h} (controller-owner)`,
      `    Pod ${POD.xdwdd} (controller-owner)`,
      `    Pod ${POD.k8w2n} (controller-owner)`,
    ]);
  });

  it("shows only what overlaps a range given, and the objects active in it", async () => {
    const from = at("15:10:30");
    const to = at("15:11:00");
    const page = await timeline({ id: await id("openshift", "deployments", "apiserver"), from, to });
    expect(page.range).toEqual({ startMicros: micros(from), endMicros: micros(to), fromLifetime: false });
    expect(outline(page.rows)).toEqual(["Deployment apiserver", `  ReplicaSet ${rev3.name} (controller-owner)`, `    Pod ${POD.k8w2n} (controller-owner)`]);
    expect(page.rows[0]!.entries).toEqual([]);
    expect(page.rows[2]!.entries.map((e) => [e.title, e.mark])).toEqual([
      ["system:kube-scheduler create binding", "update"],
      [`system:node:${CASCADE.nodes.master2.name} patch status`, "patch"],
    ]);
    for (const row of page.rows) for (const e of row.entries) expect(e.startMicros).toBeLessThan(micros(to));
  });

  it("links the same trace in the Jaeger API", async () => {
    const deployment = await id("openshift", "deployments", "apiserver");
    const page = await timeline({ id: deployment, relations: "descendants", from: at("14:50:00"), to: at("15:30:00") });
    expect(page.jaegerLink).toMatch(/^\/jaeger\/api\/traces\/[0-9a-f]{32}$/);
    // No Jaeger UI is served here: the link says it gives the API's JSON (the object page's "Trace JSON").
    expect(page.jaegerLinkOpensUi).toBe(false);
    const traceId = page.jaegerLink!.split("/").pop()!;
    expect(decodeTraceId(traceId)).toMatchObject({ rootObjectId: deployment, relationMode: "descendants", startSeconds: Date.parse(at("14:50:00")) / 1000, endSeconds: Date.parse(at("15:30:00")) / 1000 });
    const trace = await fetch(`${app.url}${page.jaegerLink}`);
    expect(trace.status).toBe(200);
  });

  it("shows an object an apiserver stamped before 1970 or after 2106, over any range of the years 0001–9999, without a trace link", async () => {
    // The Deployment's create as apiservers whose clocks were decades off stamped it.
    const stamped = (cluster: string, iso: string) => {
      const event = structuredClone(openshiftCascade()[0]!.event);
      event.requestReceivedTimestamp = event.stageTimestamp = iso;
      return app.postAudit(eventList([event]), { cluster });
    };
    expect((await stamped("clock-1969", "1969-07-20T20:17:40.123Z")).status).toBe(200);
    expect((await stamped("clock-2200", "2200-01-01T00:00:00Z")).status).toBe(200);
    for (const [cluster, iso] of [["clock-1969", "1969-07-20T20:17:40.123Z"], ["clock-2200", "2200-01-01T00:00:00Z"]] as const) {
      const deployment = await id(cluster, "deployments", "apiserver");
      const lifetime = await timeline({ id: deployment });
      expect(lifetime.rows[0]!.entries.map((e) => [e.mark, e.startMicros])).toEqual([["create", micros(iso)]]);
      expect(lifetime.range).toMatchObject({ startMicros: lifetime.rows[0]!.entries[0]!.startMicros - 60_000_000, fromLifetime: true });
      // A trace ID holds the seconds of 1970..2106 only.
      expect(lifetime.jaegerLink).toBeNull();
      const everything = await timeline({ id: deployment, from: "0001-01-01T00:00:00Z", to: "9999-12-31T23:59:59.999999Z" });
      expect(everything.rows[0]!.entries).toHaveLength(1);
    }
  });

  it("takes a range to the microsecond, and leaves out what lies outside it", async () => {
    // The scheduler's binding of apiserver-5d887d5fcd-qnvqh, from 14:58:37.001 to .005 (the store keeps milliseconds), and nothing else that second.
    const pod = await id("openshift", "pods", POD.qnvqh);
    const entriesIn = async (from: string, to: string) => (await timeline({ id: pod, relations: "self", from: at(from), to: at(to) })).rows[0]!.entries;
    const narrow = await timeline({ id: pod, relations: "self", from: at("14:58:37.004950"), to: at("14:58:37.005050") });
    expect(narrow.range).toEqual({ startMicros: micros(at("14:58:37")) + 4950, endMicros: micros(at("14:58:37")) + 5050, fromLifetime: false });
    expect(narrow.rows[0]!.entries.map((e) => [e.title, e.startMicros, e.endMicros])).toEqual([["system:kube-scheduler create binding", micros(at("14:58:37.001")), micros(at("14:58:37.005"))]]);
    // The whole seconds around either range hold the binding; the ranges don't.
    expect(await entriesIn("14:58:37.000000", "14:58:37.000999")).toEqual([]);
    expect(await entriesIn("14:58:37.005001", "14:58:37.006000")).toEqual([]);
  });

  it("shows a Secret's changes as redacted, and never its data", async () => {
    const secret = await id("secrets", "secrets", "example-secret");
    const page = await timeline({ id: secret });
    const entries = page.rows[0]!.entries;
    expect(entries.map((e) => e.mark)).toEqual(["create", "patch", "patch"]);
    expect(entries[1]!.diff).toContain("data.password (redacted) changed");
    expect(entries[2]!.diff).toEqual(['metadata.labels (added) {"tier":"backend"}']);
    const created = await entryDetails(entries[0]!.id);
    expect(created.snapshot).toMatchObject({ data: { password: "<redacted>", username: "<redacted>" } });
    const patched = await entryDetails(entries[1]!.id);
    expect(patched.patch).toEqual({ data: { password: "<redacted>" } });
    const everything = JSON.stringify([page, created, patched, await entryDetails(entries[2]!.id)]);
    for (const secretValue of [SECRET_PASSWORD, SECRET_NEW_PASSWORD, b64(SECRET_PASSWORD), b64(SECRET_NEW_PASSWORD), SECRET_USERNAME_BASE64]) {
      expect(everything).not.toContain(secretValue);
    }
    // Nor the fingerprints the store keeps in diffs to tell a changed value from an unchanged one: `<redacted>` only.
    expect(everything).not.toMatch(/<redacted:/);
  });

  it("answers for an object merged into another with the object it went to", async () => {
    const writes = kubeDnsMergeWrites();
    for (const write of [writes.apps, writes.patch]) expect((await app.postAudit(eventList([write]), { cluster: "merged" })).status).toBe(200);
    const mergedAway = (
      await app.context.db.query<{ id: string }>(`SELECT o.id FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'merged' AND o.api_group = 'extensions'`)
    ).rows.map((row) => Number(row.id))[0]!;
    expect((await app.postAudit(eventList([writes.update]), { cluster: "merged" })).status).toBe(200);
    const apps = await id("merged", "deployments", "kube-dns");
    expect(apps).not.toBe(mergedAway);
    const page = await timeline({ id: mergedAway, relations: "self" });
    expect(page).toMatchObject({ objectId: apps, requestedId: mergedAway });
    expect(page.rows[0]!.entries).toHaveLength(3);
  });

  it("reads the object's lifetime and an entry by primary key (the trace's own statements: assemble.integration-test.ts)", async () => {
    const deployment = await id("openshift", "deployments", "apiserver");
    await app.context.db.transaction(async (tx) => {
      await tx.query("SET LOCAL enable_seqscan = off");
      const plan = async (sql: string, params: unknown[]) => (await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      // The object by id, else the row a merged id went to.
      expect(await plan(LIFETIME_SQL, [deployment])).toMatch(/objects_pkey[\s\S]*object_aliases_pkey/);
      expect(await plan(ENTRY_SQL, [1])).toMatch(/history_entries_pkey/);
    });
  });

  it("answers 404 naming an id that is no object or no entry", async () => {
    const missing = await call("timeline", { id: 987654321 });
    expect(missing.status).toBe(404);
    expect(missing.error.message).toBe("no object 987654321");
    // Past what a trace ID holds, an id is still one the store may have.
    for (const id of [2 ** 48, Number.MAX_SAFE_INTEGER]) {
      const beyond = await call("timeline", { id });
      expect(beyond.status).toBe(404);
      expect(beyond.error.message).toBe(`no object ${id}`);
      expect((await call("entry", { id })).status).toBe(404);
    }
    const noEntry = await call("entry", { id: 987654321 });
    expect(noEntry.status).toBe(404);
    expect(noEntry.error.message).toBe("no history entry 987654321");
  });

  it("answers 400 naming what is wrong with the input", async () => {
    const deployment = await id("openshift", "deployments", "apiserver");
    const cases: Array<[unknown, string]> = [
      [{ id: deployment, from: at("15:00:00"), to: at("14:00:00") }, "from: must be before to (2021-09-13T15:00:00.000Z is not before 2021-09-13T14:00:00.000Z)"],
      [{ id: deployment, from: at("15:00:00") }, "to: give both from and to, or neither (the object's lifetime)"],
      [{ id: deployment, from: "yesterday", to: at("14:00:00") }, 'from: must be an ISO-8601 instant with a time zone, e.g. 2021-09-13T14:00:00Z'],
      [{ id: deployment, from: "2021-02-29T00:00:00Z", to: at("14:00:00") }, 'from: must be an ISO-8601 instant with a time zone, e.g. 2021-09-13T14:00:00Z'],
      // Postgres has no year 0, and reads no year of five digits: both were 500s of the store.
      [{ id: deployment, from: "0000-12-31T00:00:00Z", to: at("14:00:00") }, 'from: must be in the years 0001–9999 (UTC), the instants the store holds'],
      [{ id: deployment, from: at("14:00:00"), to: "9999-12-31T23:00:00-05:00" }, 'to: must be in the years 0001–9999 (UTC), the instants the store holds'],
      [{ id: deployment, from: at("14:00:00\u0000"), to: at("15:00:00") }, 'from: must be an ISO-8601 instant with a time zone, e.g. 2021-09-13T14:00:00Z'],
      [{ id: deployment, relations: "siblings" }, 'relations: must be one of self, ancestors, descendants, full, got "siblings"'],
      [{ id: "apiserver" }, 'id: must be an object id (a positive integer), got "apiserver"'],
      [{ id: 0 }, "id: must be an object id (a positive integer), got 0"],
      [{ id: 12.5 }, "id: must be an object id (a positive integer), got 12.5"],
      // Beyond what JSON carries exactly, and beyond a bigint.
      [{ id: 2 ** 53 }, "id: must be an object id (a positive integer), got 9007199254740992"],
      [{ id: 1e20 }, "id: must be an object id (a positive integer), got 100000000000000000000"],
      [{ id: deployment, depth: 16 }, "depth: must be 1..15, got 16"],
      // A message names what was sent; it doesn't echo it back whole.
      [{ id: deployment, relations: "self".repeat(1000) }, `relations: must be one of self, ancestors, descendants, full, got "${"self".repeat(15)}sel… (4002 characters)`],
    ];
    for (const [input, message] of cases) {
      const answer = await call("timeline", input);
      expect(answer.status, JSON.stringify(input)).toBe(400);
      expect(answer.error.message).toBe(message);
    }
    const entry = await call("entry", { id: -1 });
    expect(entry.status).toBe(400);
    expect(entry.error.message).toBe("id: must be a history entry id (a positive integer), got -1");
  });
});
