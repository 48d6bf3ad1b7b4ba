/**
 * The group condition of a lookup of objects by name, as a filter no index takes:
 * `(x.api_group = k.g) IS TRUE` tests the same (no group is NULL). The lookups probe
 * objects_identity_idx (cluster, resource, namespace, name) and filter the group. Written as a
 * plain `x.api_group = k.g`, a planner without statistics (a new database before its first
 * autoanalyze, or autovacuum off) guesses objects_kinds_idx (group, resource, kind) as selective
 * as the identity index, picks it for being smaller, and reads every object of the resource for
 * each name: bench:ingest's overload phase fell from about 5,700 to 1,000 events/s at 23,000
 * objects, Postgres busy on both CPUs (docs/benchmarks.md, "Runs, 2026-12-07 15:30–16:30").
 * The lookups' rows are `x`, their keys `k` with the group as `k.g`.
 */
export const GROUP_FILTER = "(x.api_group = k.g) IS TRUE";
