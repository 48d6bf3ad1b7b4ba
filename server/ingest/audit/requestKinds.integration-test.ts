import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { rolloutScenario, ROLLOUT_DEPLOYMENT_UID } from "../../testing/scenarios/rollout";
import { openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { createAuditIngestor, type AuditIngestor } from "./ingest";
import type { DiffEntry } from "./types";
import { TEST_CONVERT_OPTIONS } from "../../testing/convertOptions";

/*
 * Requests whose verb does not tell what they did to their object: dry runs, which change
 * nothing though the apiserver answers as if they had, and server-side apply, whose patch may
 * create the object. The events are the rollout scenario's (a real OpenShift Deployment),
 * changed as `kubectl apply --dry-run=server`, `kubectl delete --dry-run=server` and
 * `kubectl apply --server-side` send them.
 */

const options = TEST_CONVERT_OPTIONS;

type Event = Record<string, any>;

const step = (label: string): Event => structuredClone(rolloutScenario().find((s) => s.label === label)!.event);

function asDryRun(event: Event, auditId: string): Event {
  return { ...event, auditID: auditId, requestURI: `${event.requestURI}?dryRun=All&fieldManager=kubectl-client-side-apply` };
}

interface Entry {
  audit_id: string;
  title: string;
  diff: DiffEntry[] | null;
  snapshot: unknown;
  details: Record<string, unknown>;
}

describe.each(STORE_KINDS)("dry runs and server-side apply, on %s", (kind) => {
  let test: TestDatabase;
  let ingestor: AuditIngestor;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
    ingestor = createAuditIngestor(test.db, options);
  });
  afterAll(() => test.dispose());

  const historyOf = async (cluster: string) =>
    (
      await test.db.query<Entry>(
        `SELECT h.audit_id, h.title, h.diff, h.snapshot, h.details FROM history_entries h JOIN clusters c ON c.id = h.cluster_id
          WHERE c.name = $1 ORDER BY h.start_time, h.id`,
        [cluster],
      )
    ).rows;
  const objectsOf = async (cluster: string) =>
    (
      await test.db.query<{ uid: string | null; deleted_at: Date | null; first_seen: Date }>(
        `SELECT o.uid, o.deleted_at, o.first_seen FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.resource = 'deployments' ORDER BY o.first_seen`,
        [cluster],
      )
    ).rows;

  it("records dry runs without letting them change the object: the real write after one is diffed against the real state", async () => {
    const dryScale = asDryRun(step("scale up"), "dry-scale");
    const dryDelete = asDryRun(step("delete"), "dry-delete");
    // A dry-run delete answers with the object as it would be, being deleted.
    dryDelete.responseObject = { ...structuredClone(step("scale up").responseObject), metadata: { ...step("scale up").responseObject.metadata, deletionTimestamp: "2021-09-13T15:00:00Z", deletionGracePeriodSeconds: 0 } };
    dryDelete.responseObject.metadata.resourceVersion = step("create").responseObject.metadata.resourceVersion;
    const dryStart = (event: Event, minute: number) => ({ ...event, requestReceivedTimestamp: `2021-09-13T14:5${minute}:30.000000Z`, stageTimestamp: `2021-09-13T14:5${minute}:30.007000Z` });
    for (const batch of [[step("create")], [dryStart(dryScale, 4), dryStart(dryDelete, 4)], [step("scale up")]]) {
      expect(await ingestor.ingest("dry", batch)).toMatchObject({ accepted: batch.length, rejected: [] });
    }

    const history = await historyOf("dry");
    const byId = new Map(history.map((entry) => [entry.audit_id, entry]));
    expect(byId.get("dry-scale")).toMatchObject({ title: expect.stringMatching(/ patch \(dry run\)$/), diff: null, snapshot: null, details: { dryRun: true } });
    expect(byId.get("dry-delete")).toMatchObject({ title: expect.stringMatching(/ delete \(dry run\)$/), diff: null, snapshot: null, details: { dryRun: true } });
    // The real scale-up is diffed against the created object, as it is with no dry run in between,
    // not against the dry run's answer (which would leave it no diff at all).
    for (const batch of [[step("create")], [step("scale up")]]) await ingestor.ingest("no-dry", batch);
    const withoutDryRuns = (await historyOf("no-dry")).find((entry) => entry.audit_id === step("scale up").auditID)!.diff;
    expect(withoutDryRuns).toContainEqual({ path: "spec.replicas", old: 3, new: 5 });
    expect(byId.get(step("scale up").auditID)!.diff).toEqual(withoutDryRuns);
    expect(await objectsOf("dry")).toEqual([expect.objectContaining({ uid: ROLLOUT_DEPLOYMENT_UID, deleted_at: null })]);
  });

  it("takes a server-side apply answered 201 for the object's create: a snapshot, and a new incarnation after one never seen deleted", async () => {
    const applied = (auditId: string, uid: string, minute: number) => {
      const event = step("create");
      event.auditID = auditId;
      event.verb = "patch";
      event.requestURI = `${event.requestURI}/apiserver?fieldManager=kubectl&fieldValidation=Strict&force=false`;
      event.requestReceivedTimestamp = `2021-09-13T15:0${minute}:00.000000Z`;
      event.stageTimestamp = `2021-09-13T15:0${minute}:00.009000Z`;
      event.responseObject.metadata.uid = uid;
      return event;
    };
    const first = applied("ssa-1", "11111111-0000-4000-8000-000000000001", 1);
    const second = applied("ssa-2", "11111111-0000-4000-8000-000000000002", 2);
    second.responseObject.metadata.resourceVersion = "23001";
    for (const batch of [[first], [second]]) expect(await ingestor.ingest("ssa", batch)).toMatchObject({ accepted: 1, rejected: [] });

    const history = await historyOf("ssa");
    expect(history.map((entry) => [entry.audit_id, entry.diff, (entry.snapshot as Event | null)?.metadata?.uid])).toEqual([
      ["ssa-1", null, "11111111-0000-4000-8000-000000000001"],
      ["ssa-2", null, "11111111-0000-4000-8000-000000000002"],
    ]);
    // The second apply could only create it if the first incarnation was gone.
    const objects = await objectsOf("ssa");
    expect(objects.map((o) => [o.uid, o.deleted_at?.toISOString() ?? null])).toEqual([
      ["11111111-0000-4000-8000-000000000001", "2021-09-13T15:02:00.000Z"],
      ["11111111-0000-4000-8000-000000000002", null],
    ]);
  });
});

/*
 * Requests through a Pod's proxy subresource (`kubectl proxy`, or the apiserver's
 * /api/v1/namespaces/…/pods/…/proxy/… URLs) reach the Pod's own HTTP server: their verb is the
 * HTTP method's, so a DELETE there is an audit `delete` of the Pod's subresource, which removes
 * nothing. The Pod's life is the cascade's (real OpenShift objects); the proxy request is built
 * on its create's envelope.
 */
describe.each(STORE_KINDS)("a DELETE through a Pod's proxy, on %s", (kind) => {
  let test: TestDatabase;
  let ingestor: AuditIngestor;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
    ingestor = createAuditIngestor(test.db, options);
  });
  afterAll(() => test.dispose());

  const POD = "apiserver-85b76d5494-tscjb";
  const life = () => openshiftCascade().filter((s) => s.label.endsWith(POD) || s.label.includes(`pod ${POD} `));
  const podRow = async () =>
    (await test.db.query<{ deleted_at: Date | null; entries: number }>(
      `SELECT o.deleted_at, (SELECT count(*) FROM history_entries h WHERE h.object_id = o.id)::int AS entries
         FROM objects o WHERE o.resource = 'pods' AND o.name = $1`,
      [POD],
    )).rows;

  it("keeps the Pod alive and records the request, and an exec over WebSocket; the Pod's own delete later still removes it", async () => {
    const [create, ...rest] = life();
    expect(create!.label).toBe(`create pod ${POD}`);
    const created = create!.event as Event;
    const at = new Date(create!.at.getTime() + 1000);
    const proxyDelete: Event = {
      ...structuredClone(created),
      auditID: "8b0f3c5e-1d2a-4c6b-9e7f-0a1b2c3d4e5f",
      verb: "delete",
      requestURI: `/api/v1/namespaces/${created.objectRef.namespace}/pods/${POD}/proxy/cache/entries`,
      objectRef: { ...created.objectRef, name: POD, subresource: "proxy" },
      responseStatus: { metadata: {}, code: 200 },
      requestReceivedTimestamp: new Date(at.getTime() - 5).toISOString().replace("Z", "000Z"),
      stageTimestamp: at.toISOString().replace("Z", "000Z"),
    };
    delete proxyDelete.requestObject;
    // What the Pod's server answered, shaped like a Status naming another uid: never the Pod's.
    proxyDelete.responseObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: POD, kind: "pods", uid: "0d9c3b7a-5e41-4f8e-9a2b-6c1d7e3f4a50" } };

    // And `kubectl exec` as kubectl 1.30 and later sends it: a GET over WebSocket, audit verb get.
    const execOverWebSocket: Event = {
      ...structuredClone(proxyDelete),
      auditID: "3e7a9c21-6b4d-4f0e-8c5a-2d1f9e8b7a60",
      verb: "get",
      requestURI: `/api/v1/namespaces/${created.objectRef.namespace}/pods/${POD}/exec?command=sh&container=openshift-apiserver&stdin=true&stdout=true&tty=true`,
      objectRef: { ...created.objectRef, name: POD, subresource: "exec" },
      responseStatus: { metadata: {}, code: 101 },
    };
    delete execOverWebSocket.responseObject;

    await ingestor.ingest("proxy", [create!.event, proxyDelete, execOverWebSocket]);
    expect(await podRow()).toEqual([{ deleted_at: null, entries: 3 }]);
    const titles = (await test.db.query<{ title: string }>(`SELECT title FROM history_entries WHERE subresource <> '' ORDER BY id`)).rows.map((r) => r.title);
    expect(titles).toEqual([expect.stringMatching(/ delete proxy$/), expect.stringMatching(/ get exec$/)]);

    await ingestor.ingest("proxy", rest.map((s) => s.event));
    const [row] = await podRow();
    expect(row!.deleted_at).not.toBeNull();
  });
});
