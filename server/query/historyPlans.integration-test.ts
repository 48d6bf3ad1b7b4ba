import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import type { Sql } from "../store/database";
import { REDIRECT_CANDIDATES_SQL } from "../jaeger/redirect";
import { KINDS_SQL } from "../jaeger/services";
import { recentEntriesQuery, traceRootsQuery, type TraceRootCriteria } from "./trace/search";
import { ENTRIES_SQL } from "./trace/assemble";
import { LONGEST_ENTRY_SETTING } from "../store/longestEntry";
import { HISTORY_OF_OBJECT_SQL, likePattern, OBJECTS_IN_NAMESPACE_SQL, OBJECTS_NAMED_LIKE_SQL, OBJECTS_TOUCHED_BY_SQL } from "./history";

/**
 * The time-range questions on tables that grew far past their statistics: analysed when they
 * held a few hundred rows, then grown a hundredfold with autovacuum off (as on our benchmark
 * machines), and asked with no planner setting. history.integration-test.ts shows that an index
 * can serve each question; this, that the planner picks it. (On a small table, the trigram index's
 * fixed cost makes a scan of a few thousand names the cheaper plan, and the planner rightly takes it.)
 *
 * A range takes the entries that overlap it, read from its start minus the longest entry
 * (server/store/longestEntry.ts). The questions about entries must probe their index with both
 * ends of that range, not read everything before the range's end and filter.
 */
const SMALL = 300;
const ROWS = 30_000;

/** The Jaeger search's criteria that go through the objects' indexes, and those that read recent entries (see findTraceRoots). */
const SEARCHES: Array<Partial<TraceRootCriteria>> = [{ namespace: "ns-7" }, { name: "pod-1234*" }, { name: "pod-12345" }, { cluster: "prod", uid: "uid-12345" }, { user: "user-7" }, {}];

async function planOf(sql: Sql, text: string, params: unknown[]): Promise<string> {
  return (await sql.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** The longest entry of the grown tables, in microseconds: what the statements read back by. */
const LONGEST = 3 * 3600 * 1e6;

/**
 * Objects 1..`to` a minute apart from 2026-01-01, in 50 namespaces, with an hour of history each
 * (one entry a minute, 100 actors); one entry in a hundred lasts three hours, and the store's
 * longest entry says so, as ingest would have.
 */
async function grow(sql: Sql, from: number, to: number): Promise<void> {
  await sql.query(`INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid, first_seen, last_seen)
    SELECT g, 1, '', 'v1', 'pods', 'Pod', 'ns-' || (g % 50), 'pod-' || g, 'uid-' || g,
           timestamptz '2026-01-01' + g * interval '1 minute', timestamptz '2026-01-01' + g * interval '1 minute' + interval '1 hour'
      FROM generate_series(${from}, ${to}) g`);
  await sql.query(`INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, details)
    SELECT g, 1, 'audit', timestamptz '2026-01-01' + g * interval '1 minute',
           timestamptz '2026-01-01' + g * interval '1 minute' + CASE WHEN g % 100 = 0 THEN interval '3 hours' ELSE interval '0' END,
           'user-' || (g % 100), 'update', 'user-' || (g % 100) || ' update', '{}'
      FROM generate_series(${from}, ${to}) g`);
  await sql.query(`UPDATE settings SET value = $1 WHERE key = $2`, [String(LONGEST), LONGEST_ENTRY_SETTING]);
}

/** Whether some scan of `index` in `plan` probes it with both ends of a range of start_time (an Index Cond, not a Filter). */
function probesRange(plan: string, index: string): boolean {
  const lines = plan.split("\n");
  return lines.some((line, i) => {
    if (!line.includes(` ${index} `) && !line.endsWith(` ${index}`)) return false;
    const condition = lines[i + 1] ?? "";
    return /Index Cond: .*start_time >= .*start_time < /.test(condition);
  });
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
      history: await planOf(test.db, HISTORY_OF_OBJECT_SQL, [12_345, ...range, LONGEST]),
      // A trace's entries: its objects' (assemble.ts).
      entries: await planOf(test.db, ENTRIES_SQL, [[12_345, 12_346, 12_400], ...range, LONGEST]),
      namespace: await planOf(test.db, OBJECTS_IN_NAMESPACE_SQL, ["ns-7", ...range, 100]),
      namedLike: await planOf(test.db, OBJECTS_NAMED_LIKE_SQL, [likePattern("pod-1234*"), ...range, 100]),
      touchedBy: await planOf(test.db, OBJECTS_TOUCHED_BY_SQL, ["user-7", ...range, 100, LONGEST]),
      redirect: await planOf(test.db, REDIRECT_CANDIDATES_SQL, ["pod-12345", "pods", null, null, null, ...range]),
      // Jaeger's services (every search by service, and the UI's list): one probe per kind.
      kinds: await planOf(test.db, KINDS_SQL, []),
      ...Object.fromEntries(
        SEARCHES.map((criteria) => {
          const search = { ...criteria, start: range[0]!, end: range[1]!, limit: 20 };
          const query = "user" in criteria || Object.keys(criteria).length === 0 ? recentEntriesQuery(search, undefined, LONGEST) : traceRootsQuery(search, undefined, LONGEST);
          return [`search ${JSON.stringify(criteria)}`, query];
        }),
      ),
      // A user's objects found by aggregate, when reading the recent entries did not find enough (search.ts).
      "search aggregate {user}": traceRootsQuery({ user: "user-7", start: range[0]!, end: range[1]!, limit: 20 }, undefined, LONGEST),
    };
    for (const [question, query] of Object.entries(plans)) if (typeof query !== "string") plans[question] = await planOf(test.db, query.text, query.params);
    for (const [question, plan] of Object.entries(plans)) expect(plan as string, question).not.toMatch(/Seq Scan on (objects|history_entries)/);
    expect(plans.history).toMatch(/Index Scan using history_object_time_idx/);
    expect(probesRange(plans.history as string, "history_object_time_idx")).toBe(true);
    // A trace's entries, over a day these statistics have never seen: the planner takes it for an
    // empty one and reads it whole, as it did when ranges began at their start;
    // assemble.integration-test.ts shows the objects' index used over a range it knows is full.
    expect(["history_object_time_idx", "history_start_time_idx"].some((index) => probesRange(plans.entries as string, index))).toBe(true);
    expect(plans.namespace).toMatch(/objects_namespace_first_seen_idx/);
    expect(plans.namedLike).toMatch(/objects_name_trgm_idx/);
    expect(plans.touchedBy).toMatch(/history_actor_time_idx/);
    expect(plans.touchedBy).toMatch(/history_impersonator_time_idx/);
    expect(probesRange(plans.touchedBy as string, "history_actor_time_idx")).toBe(true);
    expect(probesRange(plans.touchedBy as string, "history_impersonator_time_idx")).toBe(true);
    expect(plans.kinds).toMatch(/objects_kinds_idx/);
    const search = (criteria: Partial<TraceRootCriteria>) => plans[`search ${JSON.stringify(criteria)}`];
    expect(search({ namespace: "ns-7" })).toMatch(/objects_namespace_first_seen_idx/);
    expect(search({ name: "pod-1234*" })).toMatch(/objects_name_trgm_idx/);
    expect(search({ cluster: "prod", uid: "uid-12345" })).toMatch(/objects_uid_idx/);
    expect(search({ user: "user-7" })).toMatch(/history_actor_time_idx/);
    expect(search({ user: "user-7" })).toMatch(/history_impersonator_time_idx/);
    expect(search({})).toMatch(/history_start_time_idx/);
    expect(probesRange(search({}) as string, "history_start_time_idx")).toBe(true);
    expect(probesRange(search({ user: "user-7" }) as string, "history_actor_time_idx")).toBe(true);
    expect(probesRange(search({ user: "user-7" }) as string, "history_impersonator_time_idx")).toBe(true);
    // Per object found by its namespace: its entries in the range.
    expect(probesRange(search({ namespace: "ns-7" }) as string, "history_object_time_idx")).toBe(true);
    expect(probesRange(plans["search aggregate {user}"] as string, "history_actor_time_idx")).toBe(true);
    expect(probesRange(plans["search aggregate {user}"] as string, "history_impersonator_time_idx")).toBe(true);
  });
});
