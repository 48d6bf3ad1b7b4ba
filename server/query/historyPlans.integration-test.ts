import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import type { Sql } from "../store/database";
import { REDIRECT_CANDIDATES_SQL } from "../jaeger/redirect";
import { KINDS_SQL } from "../jaeger/services";
import { recentEntriesQuery, traceRootsQuery, type TraceRootCriteria } from "./trace/search";
import { HISTORY_OF_OBJECT_SQL, likePattern, OBJECTS_IN_NAMESPACE_SQL, OBJECTS_NAMED_LIKE_SQL, OBJECTS_TOUCHED_BY_SQL } from "./history";

/**
 * The time-range questions on tables that grew far past their statistics: analysed when they
 * held a few hundred rows, then grown a hundredfold with autovacuum off (as on our benchmark
 * machines), and asked with no planner setting. history.integration-test.ts shows that an index
 * can serve each question; this, that the planner picks it. (On a small table, the trigram index's
 * fixed cost makes a scan of a few thousand names the cheaper plan, and the planner rightly takes it.)
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
      namespace: await planOf(test.db, OBJECTS_IN_NAMESPACE_SQL, ["ns-7", ...range, 100]),
      namedLike: await planOf(test.db, OBJECTS_NAMED_LIKE_SQL, [likePattern("pod-1234*"), ...range, 100]),
      touchedBy: await planOf(test.db, OBJECTS_TOUCHED_BY_SQL, ["user-7", ...range, 100]),
      redirect: await planOf(test.db, REDIRECT_CANDIDATES_SQL, ["pod-12345", "pods", null, null, null, ...range]),
      // Jaeger's services (every search by service, and the UI's list): one probe per kind.
      kinds: await planOf(test.db, KINDS_SQL, []),
      ...Object.fromEntries(
        SEARCHES.map((criteria) => {
          const query = "user" in criteria || Object.keys(criteria).length === 0 ? recentEntriesQuery({ ...criteria, start: range[0]!, end: range[1]!, limit: 20 }) : traceRootsQuery({ ...criteria, start: range[0]!, end: range[1]!, limit: 20 });
          return [`search ${JSON.stringify(criteria)}`, query];
        }),
      ),
    };
    for (const [question, query] of Object.entries(plans)) if (typeof query !== "string") plans[question] = await planOf(test.db, query.text, query.params);
    for (const [question, plan] of Object.entries(plans)) expect(plan as string, question).not.toMatch(/Seq Scan on (objects|history_entries)/);
    expect(plans.history).toMatch(/Index Scan using history_object_time_idx/);
    expect(plans.namespace).toMatch(/objects_namespace_first_seen_idx/);
    expect(plans.namedLike).toMatch(/objects_name_trgm_idx/);
    expect(plans.touchedBy).toMatch(/history_actor_time_idx/);
    expect(plans.touchedBy).toMatch(/history_impersonator_time_idx/);
    expect(plans.kinds).toMatch(/objects_kinds_idx/);
    const search = (criteria: Partial<TraceRootCriteria>) => plans[`search ${JSON.stringify(criteria)}`];
    expect(search({ namespace: "ns-7" })).toMatch(/objects_namespace_first_seen_idx/);
    expect(search({ name: "pod-1234*" })).toMatch(/objects_name_trgm_idx/);
    expect(search({ cluster: "prod", uid: "uid-12345" })).toMatch(/objects_uid_idx/);
    expect(search({ user: "user-7" })).toMatch(/history_actor_time_idx/);
    expect(search({ user: "user-7" })).toMatch(/history_impersonator_time_idx/);
    expect(search({})).toMatch(/history_start_time_idx/);
  });
});
