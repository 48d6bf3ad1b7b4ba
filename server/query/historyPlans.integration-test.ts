import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import type { Sql } from "../store/database";
import { REDIRECT_CANDIDATES_SQL } from "../jaeger/redirect";
import { KINDS_SQL } from "./kinds";
import { CLUSTER_NAMESPACES_SQL, MAX_CLUSTER_NAMESPACE_PAIRS, MAX_NAMESPACES, NAMESPACES_SQL } from "./namespaces";
import { RECENT_ENTRIES_SCAN, recentEntriesQuery, traceRootsQuery, type TraceRootCriteria } from "./trace/search";
import { ENTRIES_SQL } from "./trace/assemble";
import { HISTORY_OF_OBJECT_SQL, likePattern, OBJECTS_IN_NAMESPACE_SQL, OBJECTS_NAMED_LIKE_SQL, OBJECTS_TOUCHED_BY_SQL } from "./history";

/**
 * The time-range questions on tables that grew far past their statistics: analysed when they
 * held a few hundred rows, then grown a hundredfold with autovacuum off (as on our benchmark
 * machines), and asked with no planner setting. history.integration-test.ts shows that an index
 * can serve each question; this, that the planner picks it. (On a small table, the trigram index's
 * fixed cost makes a scan of a few thousand names the cheaper plan, and the planner rightly takes it.)
 *
 * A range takes the entries that overlap it, in four parts (overlappingEntries.ts): the entries
 * that began in it, read as before; those that began at most a second before it, a short range
 * of the same indexes; the slow ones that began at most a minute before it, through
 * history_slow_start_time_idx; and the long ones, through history_long_end_time_idx.
 */
const SMALL = 300;
const ROWS = 30_000;

/** The Jaeger search's criteria that go through the objects' indexes, and those that read recent entries (see findTraceRoots). */
const SEARCHES: Array<Partial<TraceRootCriteria>> = [{ namespace: "ns-7" }, { name: "pod-1234*" }, { name: "pod-12345" }, { cluster: "prod", uid: "uid-12345" }, { user: "user-7" }, {}];

async function planOf(sql: Sql, text: string, params: unknown[]): Promise<string> {
  return (await sql.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** Objects 1..`to` a minute apart from 2026-01-01, in 50 namespaces, with an hour of history each (one entry a minute, 100 actors). */
async function grow(sql: Sql, from: number, to: number): Promise<void> {
  await sql.query(`INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid, first_seen, last_seen)
    SELECT g, 1, '', 'v1', 'pods', 'Pod', 'ns-' || (g % 50), 'pod-' || g, 'uid-' || g,
           timestamptz '2026-01-01' + g * interval '1 minute', timestamptz '2026-01-01' + g * interval '1 minute' + interval '1 hour'
      FROM generate_series(${from}, ${to}) g`);
  await sql.query(`INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, details)
    SELECT g, 1, 'audit', timestamptz '2026-01-01' + g * interval '1 minute', timestamptz '2026-01-01' + g * interval '1 minute',
           'user-' || (g % 100), 'update', 'user-' || (g % 100) || ' update', '{}'
      FROM generate_series(${from}, ${to}) g`);
}

describe.each(STORE_KINDS)("the history questions' plans on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("use their own index on tables grown past their statistics", async () => {
    test = await openTestDatabase(kind);
    for (const table of ["objects", "history_entries"]) await test.db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod')`);
    await grow(test.db, 1, SMALL);
    await test.db.query(`ANALYZE objects`);
    await test.db.query(`ANALYZE history_entries`);
    await grow(test.db, SMALL + 1, ROWS);

    // A day in the middle of the data.
    const range = [new Date("2026-01-10"), new Date("2026-01-11")];
    const plans: Record<string, string | { text: string; params: unknown[] }> = {
      history: await planOf(test.db, HISTORY_OF_OBJECT_SQL, [12_345, ...range]),
      // A trace's entries: its objects' (assemble.ts).
      entries: await planOf(test.db, ENTRIES_SQL, [[12_345, 12_346, 12_400], ...range]),
      namespace: await planOf(test.db, OBJECTS_IN_NAMESPACE_SQL, ["ns-7", ...range, 100]),
      namedLike: await planOf(test.db, OBJECTS_NAMED_LIKE_SQL, [likePattern("pod-1234*"), ...range, 100]),
      touchedBy: await planOf(test.db, OBJECTS_TOUCHED_BY_SQL, ["user-7", ...range, 100]),
      redirect: await planOf(test.db, REDIRECT_CANDIDATES_SQL, ["pod-12345", "pods", null, null, null, ...range]),
      // Jaeger's services (every search by service, and the UI's list): one probe per kind.
      kinds: await planOf(test.db, KINDS_SQL, []),
      // The dashboard search's namespace choices: one probe per namespace.
      namespaces: await planOf(test.db, NAMESPACES_SQL, [MAX_NAMESPACES]),
      // The same, of the cluster chosen: one probe per (resource, namespace) of the cluster.
      clusterNamespaces: await planOf(test.db, CLUSTER_NAMESPACES_SQL, ["prod", MAX_CLUSTER_NAMESPACE_PAIRS, MAX_NAMESPACES]),
      ...Object.fromEntries(
        SEARCHES.map((criteria) => {
          const query = "user" in criteria || Object.keys(criteria).length === 0 ? recentEntriesQuery({ ...criteria, start: range[0]!, end: range[1]!, limit: 20 }) : traceRootsQuery({ ...criteria, start: range[0]!, end: range[1]!, limit: 20 });
          return [`search ${JSON.stringify(criteria)}`, query];
        }),
      ),
      // A user's objects found by aggregate, when reading the recent entries did not find enough (search.ts).
      "search aggregate {user}": traceRootsQuery({ user: "user-7", start: range[0]!, end: range[1]!, limit: 20 }),
      // The dashboard's search by a kind, asked as its resource (kindCriteriaOf in objectSearch.ts), found by aggregate: a rare kind.
      "search aggregate {resource}": traceRootsQuery({ resource: "configmaps", apiGroup: "", start: range[0]!, end: range[1]!, limit: 20 }),
      // Cluster-scoped objects only: read from the recent entries, as a kind is (search.ts).
      "search {namespace: ''}": recentEntriesQuery({ namespace: "", start: range[0]!, end: range[1]!, limit: 20 }),
    };
    for (const [question, query] of Object.entries(plans)) if (typeof query !== "string") plans[question] = await planOf(test.db, query.text, query.params);
    for (const [question, plan] of Object.entries(plans)) expect(plan as string, question).not.toMatch(/Seq Scan on (objects|history_entries)/);
    expect(plans.history).toMatch(/Index Scan using history_object_time_idx/);
    expect(plans.namespace).toMatch(/objects_namespace_first_seen_idx/);
    expect(plans.namedLike).toMatch(/objects_name_trgm_idx/);
    expect(plans.touchedBy).toMatch(/history_actor_time_idx/);
    expect(plans.touchedBy).toMatch(/history_impersonator_time_idx/);
    expect(plans.kinds).toMatch(/objects_kinds_idx/);
    expect(plans.namespaces).toMatch(/objects_namespace_first_seen_idx/);
    expect(plans.clusterNamespaces).toMatch(/objects_identity_idx/);
    // Each probe starts at the pair after the last: the index's bound, not a filter.
    expect(plans.clusterNamespaces).toMatch(/Index Cond: \(\(cluster_id = .*\) AND \(ROW\(resource, namespace\) > ROW\(p\.resource, p\.namespace\)\)\)/);
    const search = (criteria: Partial<TraceRootCriteria>) => plans[`search ${JSON.stringify(criteria)}`];
    expect(search({ namespace: "ns-7" })).toMatch(/objects_namespace_first_seen_idx/);
    expect(search({ name: "pod-1234*" })).toMatch(/objects_name_trgm_idx/);
    expect(search({ cluster: "prod", uid: "uid-12345" })).toMatch(/objects_uid_idx/);
    expect(search({ user: "user-7" })).toMatch(/history_actor_time_idx/);
    expect(search({ user: "user-7" })).toMatch(/history_impersonator_time_idx/);
    expect(search({})).toMatch(/history_start_time_idx/);
    expect(plans["search {namespace: ''}"]).toMatch(/history_start_time_idx/);
    expect(plans["search aggregate {user}"]).toMatch(/history_actor_time_idx/);
    // The group and resource lead an index of objects (a kind alone is the third column of objects_kinds_idx).
    expect(plans["search aggregate {resource}"]).toMatch(/Index Cond: \(.*resource = 'configmaps'::text/);
    // Every question about entries reads the long ones through their index (the entries of an
    // impersonator may be read through history_impersonator_time_idx, which holds as few).
    for (const question of ["history", "entries", "touchedBy", "search aggregate {user}", ...SEARCHES.map((criteria) => `search ${JSON.stringify(criteria)}`)]) {
      expect(plans[question], question).toMatch(/history_long_end_time_idx/);
    }
  });
});

/**
 * A week shaped like the query benchmark's (bench/query/dataset/world.ts), at a quarter of its
 * size, analysed when full, as the benchmark's loader does: 300,000 entries two seconds apart on
 * 30,000 objects in 50 namespaces, ten entries each; a controller writes 19 in a hundred of them,
 * alice one, and one in 4,000 is an exec session of alice's lasting six minutes to three hours.
 */
const WEEK = new Date("2026-03-01");
async function busyWeek(sql: Sql): Promise<void> {
  await sql.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod')`);
  await sql.query(`INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, subresource, title, details)
    SELECT 1 + (g::bigint * 7919) % 30000, 1, 'audit', $1::timestamptz + g * interval '2016 milliseconds',
           $1::timestamptz + g * interval '2016 milliseconds' + CASE WHEN g % 4000 = 0 THEN (6 + g / 4000 % 175) * interval '1 minute' ELSE (5 + g % 46) * interval '1 millisecond' END,
           CASE WHEN g % 4000 = 0 OR g % 100 = 99 THEN 'alice' WHEN g % 100 < 19 THEN 'controller' ELSE 'user-' || g % 97 END,
           CASE WHEN g % 4000 = 0 THEN 'create' ELSE 'update' END, CASE WHEN g % 4000 = 0 THEN 'exec' ELSE '' END, 'x', '{}'
      FROM generate_series(1, 300000) g`, [WEEK]);
  await sql.query(`INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid, first_seen, last_seen)
    SELECT object_id, 1, '', 'v1', 'pods', 'Pod', 'ns-' || object_id % 50, 'pod-' || object_id, 'uid-' || object_id, min(start_time), max(end_time)
      FROM history_entries GROUP BY object_id`);
  await sql.query(`VACUUM (ANALYZE) objects, history_entries, clusters`);
}

/** A plan as EXPLAIN ANALYZE gives it, without its timings. */
async function runOf(sql: Sql, query: { text: string; params: unknown[] }): Promise<string> {
  return planOf(sql, query.text.replace(/^/, "(ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "), query.params);
}

/**
 * How many rows the scans of history_entries in `plan` (a runOf) read: those they returned and
 * those their filter removed; only the scans whose conditions satisfy `which` (their Index Cond
 * and Filter lines), when given.
 */
function entriesRead(plan: string, which?: (conditions: string) => boolean): number {
  const lines = plan.split("\n");
  let read = 0;
  lines.forEach((line, i) => {
    // PGlite's EXPLAIN gives rows as averages per loop with decimals; both give removed rows per loop.
    const scan = / on history_entries .*\(actual rows=([\d.]+) loops=(\d+)\)/.exec(line);
    if (!scan) return;
    const details = lines.slice(i + 1).filter((next, j, rest) => rest.slice(0, j + 1).every((l) => !l.includes("->")));
    if (which && !which(details.join("\n"))) return;
    const removed = details.map((next) => /Rows Removed by Filter: ([\d.]+)/.exec(next)).find(Boolean);
    read += (Number(scan[1]) + Number(removed?.[1] ?? 0)) * Number(scan[2]);
  });
  return read;
}

describe.each(STORE_KINDS)("the recent entries' plans on a busy week analysed when full, on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("read each part of the range newest first and stop, whatever the long entries", async () => {
    test = await openTestDatabase(kind);
    await busyWeek(test.db);
    const day = (n: number) => new Date(WEEK.getTime() + n * 86_400_000);
    const entriesOfADay = 300_000 / 7;
    // The week's last day, as a search opened now asks, and a day in its middle, that long entries begun before it overlap.
    for (const [start, end] of [[day(6), day(7)], [day(3), day(4)]] as const) {
      for (const criteria of [{ user: "controller" }, { user: "alice" }, {}]) {
        const plan = await runOf(test.db, recentEntriesQuery({ ...criteria, start, end, limit: 20 }));
        const label = `${JSON.stringify(criteria)} from ${start.toISOString()}\n${plan}`;
        // The entries that began in the range are read as before ranges had parts; the others are few.
        expect(entriesRead(plan), label).toBeLessThan(entriesOfADay / 2);
        expect(plan, label).toMatch(/history_long_end_time_idx/);
        // More than the limit of them: read newest first, stopping at the limit, not all hashed
        // and sorted (the reverted attempt's plan for the controller, which read the whole day).
        // Alice's few the planner may read either way, as it did before.
        if (!("user" in criteria) || criteria.user === "controller") {
          expect(plan, label).not.toMatch(/Hash|Seq Scan on (history_entries|objects)/);
          expect(plan, label).toMatch(/^Limit \(actual rows=2000[.0]* loops=1\)/);
          expect(plan, label).toMatch(/Merge Append/);
          expect(plan, label).toMatch(/Index Scan Backward using history_(actor|start)_time_idx on history_entries h \(actual rows=2001[.0]* loops=1\)/);
        }
      }
      // The aggregate over a namespace's objects probes each object's index once, for the entries
      // that began in the range (from the index alone), and reads the others once for all of them;
      // the watch entries folded into their audit twins, only for the twenty objects it returns:
      // counted from their own index, then paired.
      const aggregate = await runOf(test.db, traceRootsQuery({ namespace: "ns-7", start, end, limit: 20 }));
      const perObject = aggregate.split("\n").filter((line) => / on history_entries .*loops=(?!1\))\d+\)/.test(line));
      expect(perObject.filter((line) => !/loops=20\)/.test(line)), aggregate).toEqual([expect.stringMatching(/Index Only Scan using history_object_time_idx on history_entries h \(actual rows=[\d.]+ loops=600\)/)]);
      expect(perObject.filter((line) => /loops=20\)/.test(line)).map((line) => /using (\w+)/.exec(line)?.[1]), aggregate).toEqual(["history_watch_object_time_idx", "history_watch_object_time_idx"]);
      expect(aggregate).toMatch(/Index Scan using history_object_time_idx on history_entries twin/);
      expect(aggregate).toMatch(/history_long_end_time_idx on history_entries \w+ \(actual rows=[\d.]+ loops=1\)/);
    }
  });
});

/**
 * Three minutes of a busy cluster: 150 writes a second (the ingest benchmark's workload, seed 42,
 * "Probe, 2026-12-06 21:05" in docs/benchmarks.md), 27,000 entries of 5–50 ms on 3,000 Pods, of
 * which one in 500 waited 2 to 49 seconds (a slow webhook, a delete held by a finalizer), analysed
 * when full. A range that begins at the third minute must not read the whole minute before it to
 * find the few entries still running at its start.
 */
const BUSY_MINUTES = new Date("2026-04-01T09:00:00Z");
async function busyMinutes(sql: Sql): Promise<void> {
  await sql.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod')`);
  await sql.query(`INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, details)
    SELECT 1 + g % 3000, 1, 'audit', $1::timestamptz + g * interval '6666 microseconds',
           $1::timestamptz + g * interval '6666 microseconds' + CASE WHEN g % 500 = 0 THEN (2 + g / 500 % 48) * interval '1 second' ELSE (5 + g % 46) * interval '1 millisecond' END,
           CASE WHEN g % 100 < 19 THEN 'controller' ELSE 'user-' || g % 97 END, 'update', 'x', '{}'
      FROM generate_series(1, 27000) g`, [BUSY_MINUTES]);
  await sql.query(`INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid, first_seen, last_seen)
    SELECT object_id, 1, '', 'v1', 'pods', 'Pod', 'ns-' || object_id % 50, 'pod-' || object_id, 'uid-' || object_id, min(start_time), max(end_time)
      FROM history_entries GROUP BY object_id`);
  await sql.query(`VACUUM (ANALYZE) objects, history_entries, clusters`);
}

describe.each(STORE_KINDS)("the recent entries' plans on a busy cluster's minutes, on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("read a second of every entry before the range, and the rest of its minute from the slow entries", async () => {
    test = await openTestDatabase(kind);
    await busyMinutes(test.db);
    const start = new Date(BUSY_MINUTES.getTime() + 120_000);
    const end = new Date(BUSY_MINUTES.getTime() + 180_000);
    const running = await test.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM history_entries WHERE start_time < $1 AND end_time >= $1`,
      [start],
    );
    // Some slow entries began more than a second before the range and run into it.
    expect(running.rows[0]!.n).toBeGreaterThan(5);
    for (const criteria of [{}, { kind: "Pod" }, { user: "controller" }]) {
      const plan = await runOf(test.db, recentEntriesQuery({ ...criteria, start, end, limit: 20 }));
      const label = `${JSON.stringify(criteria)}\n${plan}`;
      // The parts of the entries still running at the range's start (each asks `end_time >=` it)
      // read the second before it (150 entries) and the minute's slow ones; reading that minute
      // whole would be 9,000.
      const running = entriesRead(plan, (conditions) => /end_time >= /.test(conditions));
      expect(running, label).toBeGreaterThan(0);
      expect(running, label).toBeLessThan(1_000);
      expect(plan, label).toMatch(/history_slow_start_time_idx/);
    }
  });
});
