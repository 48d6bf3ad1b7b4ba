import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import type { EditableObject } from "../testing/fixtures";
import { eventList } from "../testing/scenarios/rollout";
import { KUBE_DNS_UID, kubeDnsMergeWrites } from "../testing/scenarios/mergedKubeDns";
import { encodeTraceId } from "../query/trace/traceId";
import { ROOT_SQL } from "../query/trace/assemble";
import { MERGE_PLACEHOLDERS_SQL, MOVE_HISTORY_SQL } from "../store/auditWriter";
import { pruneOlderThan } from "../store/retention/prune";
import type { Sql } from "../store/database";

/**
 * A trace ID encodes its root object's id (traceId.ts). Ingest merges some rows into others and
 * deletes them (docs/storage.md, "Rows that hold no uid"); a trace ID handed out before the merge
 * then still answers, with the trace of the row the object lives on now.
 *
 * The writes: server/testing/scenarios/mergedKubeDns.ts (the real kube-dns Deployment of
 * Kubernetes 1.8, written through apps, then extensions at Metadata level).
 */
const WRITES = kubeDnsMergeWrites();

/** A trace of `rootObjectId` alone, over the writes' hour. */
const traceIdOf = (rootObjectId: number) =>
  encodeTraceId({ rootObjectId, displayMode: "tree", relationMode: "self", depth: 1, startSeconds: Date.parse("2017-12-14T10:00:00Z") / 1000, endSeconds: Date.parse("2017-12-14T11:00:00Z") / 1000 });

describe.each(STORE_KINDS)("the trace ID of a row merged into another, on %s", (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
  });
  afterAll(() => app?.close());

  const post = async (cluster: string, events: EditableObject[]) => expect((await app.postAudit(eventList(events), { cluster })).status).toBe(200);
  const getTrace = (traceId: string) => fetch(`${app.url}/jaeger/api/traces/${traceId}`);

  async function kubeDnsRows(cluster: string) {
    const rows = await app.context.db.query<{ id: number; api_group: string; uid: string | null }>(
      `SELECT o.id, o.api_group, o.uid FROM objects o JOIN clusters c ON c.id = o.cluster_id
        WHERE c.name = $1 AND o.resource = 'deployments' AND o.name = 'kube-dns' ORDER BY o.id`,
      [cluster],
    );
    return rows.rows.map((row) => ({ id: Number(row.id), apiGroup: row.api_group, uid: row.uid }));
  }

  it("answers with the trace of the row it went to, under the ID asked, over the Jaeger API", async () => {
    const cluster = "merged-away";
    await post(cluster, [WRITES.apps]);
    await post(cluster, [WRITES.patch]);
    const [apps, extensions] = await kubeDnsRows(cluster);
    expect([apps, extensions]).toEqual([
      { id: expect.any(Number), apiGroup: "apps", uid: KUBE_DNS_UID },
      { id: expect.any(Number), apiGroup: "extensions", uid: null },
    ]);
    const handedOut = traceIdOf(extensions!.id);
    const before = await getTrace(handedOut);
    expect(before.status).toBe(200);
    expect(JSON.stringify(await before.json())).toContain(WRITES.patch.auditID);

    await post(cluster, [WRITES.update]);
    expect(await kubeDnsRows(cluster)).toEqual([apps]);
    const after = await getTrace(handedOut);
    expect(after.status).toBe(200);
    const body = (await after.json()) as { data: Array<{ traceID: string; spans: unknown[] }> };
    expect(body.data.map((trace) => trace.traceID)).toEqual([handedOut]);
    // The object's whole history: the apps row's, and what the merged row held.
    const text = JSON.stringify(body);
    for (const write of Object.values(WRITES)) expect(text).toContain(write.auditID);
    // The same trace as the surviving row's own ID gives, but for the IDs derived from the trace ID.
    const own = (await (await getTrace(traceIdOf(apps!.id))).json()) as { data: Array<{ spans: Array<{ operationName: string; startTime: number; duration: number }> }> };
    const shape = (spans: Array<{ operationName: string; startTime: number; duration: number }>) => spans.map((s) => [s.operationName, s.startTime, s.duration]);
    expect(shape(body.data[0]!.spans as Array<{ operationName: string; startTime: number; duration: number }>)).toEqual(shape(own.data[0]!.spans));
  });

  it("answers not found once retention has pruned the row it went to, and keeps no alias of it", async () => {
    const cluster = "merged-then-pruned";
    await post(cluster, [WRITES.apps]);
    await post(cluster, [WRITES.patch]);
    const [, extensions] = await kubeDnsRows(cluster);
    await post(cluster, [WRITES.update]);
    const handedOut = traceIdOf(extensions!.id);
    expect((await getTrace(handedOut)).status).toBe(200);
    const pruned = await pruneOlderThan(app.context.db, new Date(Date.now() + 60_000));
    expect(pruned.objectAliases).toBeGreaterThan(0);
    expect((await getTrace(handedOut)).status).toBe(404);
    const aliases = await app.context.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM object_aliases`);
    expect(aliases.rows[0]!.n).toBe(0);
  });

  /** Inserts bare object rows of `cluster` (ids from the sequence), as a merge finds them. */
  async function bareRows(sql: Sql, cluster: string, names: string[]): Promise<number[]> {
    await sql.query(`INSERT INTO clusters (name) VALUES ($1) ON CONFLICT DO NOTHING`, [cluster]);
    const rows = await sql.query<{ id: number }>(
      `INSERT INTO objects (cluster_id, api_group, api_version, resource, namespace, name, first_seen, last_seen)
       SELECT c.id, 'apps', 'v1', 'deployments', 'kube-system', n, '2017-12-14T10:00:00Z', '2017-12-14T10:00:00Z'
         FROM clusters c, unnest($2::text[]) WITH ORDINALITY AS t(n, i) WHERE c.name = $1 ORDER BY t.i RETURNING id`,
      [cluster, names],
    );
    return rows.rows.map((row) => Number(row.id));
  }

  const rootOf = async (sql: Sql, id: number) => (await sql.query<{ id: number }>(ROOT_SQL, [id])).rows.map((row) => Number(row.id));

  it("resolves a chain of merges to the last row: a into b, then b into c", async () => {
    // The two merge statements as storeWrites sends them, each in a batch of its own.
    const sql = app.context.db;
    const [a, b, c] = await bareRows(sql, "chained", ["a", "b", "c"]);
    await sql.query(MOVE_HISTORY_SQL, [[a], [b], [null], [null], [b], [null], [null]]);
    expect(await rootOf(sql, a!)).toEqual([b]);
    await sql.query(MERGE_PLACEHOLDERS_SQL, [[b], [c], [c]]);
    expect(await rootOf(sql, a!)).toEqual([c]);
    expect(await rootOf(sql, b!)).toEqual([c]);
    expect(await rootOf(sql, c!)).toEqual([c]);
    // A row whose history moved only in part stays, and names itself.
    const [d, e] = await bareRows(sql, "chained", ["d", "e"]);
    await sql.query(MOVE_HISTORY_SQL, [[d], [e], [new Date("2017-12-14T10:00:00Z")], [null], [null], [null], [null]]);
    expect(await rootOf(sql, d!)).toEqual([d]);
  });
});
