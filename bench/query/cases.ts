import { historyOfObject } from "../../server/query/history";
import { ENTRIES_SQL } from "../../server/query/trace/assemble";
import { buildTrace } from "../../server/query/trace/buildTrace";
import { findTraceRoots } from "../../server/query/trace/search";
import { DEFAULT_TRACE_DEPTH, encodeTraceId } from "../../server/query/trace/traceId";
import { DISPLAY_MODES, type DisplayMode, type TraceQuery } from "../../server/query/trace/types";
import { DEFAULT_SEARCH_LIMIT, searchTraces, type JaegerDeps } from "../../server/jaeger/search";
import { DEFAULT_VIEW } from "../../server/jaeger/operations";
import { handleV3GetTrace, handleV3TraceSummaries } from "../../server/jaeger/v3/handlers";
import type { Sql } from "../../server/store/database";
import { GOALS } from "./settings";

/**
 * What the benchmark times. Each subject is measured along one or more paths:
 * - `sql`: one raw statement (the baselines);
 * - `roots`: findTraceRoots alone (the first half of a search);
 * - `model`: buildTrace / searchTraces, the trace model the API converts from;
 * - `api`: the Jaeger v3 route handler called in-process with a Request (what the route runs:
 *   parameters, the model, OTLP JSON or summaries, JSON text), no socket;
 * - `http`: the same URL through the production server (`npm start`'s) over loopback.
 */
export type CasePath = "sql" | "roots" | "model" | "api" | "http";
export type CaseGroup = "baseline" | "single object" | "full tree" | "search";

/** What one run produced: checked to be non-empty, and shown in the report. */
export interface Produced {
  spans?: number;
  rows?: number;
  traces?: number;
  bytes?: number;
}

export interface QueryCase {
  group: CaseGroup;
  subject: string;
  path: CasePath;
  /** The p95 goal (ms) this case is judged against, if any. */
  goalMs?: number;
  /** The subject of the raw baseline this case is compared with. */
  baseline?: string;
  /** A trace case's query. */
  query?: TraceQuery;
  /** One run, with statements going through `sql` (ignored by the http path). */
  run(sql: Sql): Promise<Produced>;
}

export interface CaseContext {
  deps: Omit<JaegerDeps, "db">;
  /** Trace range, whole seconds [start, end). */
  startSeconds: number;
  endSeconds: number;
  /** objects.id of the subjects. */
  podId: number;
  nodeId: number;
  treeDeploymentId: number;
  /** objects.id of other Pods created in the last day: one list per path, one Pod per run. */
  rotatingPodIds: Record<"model" | "api" | "http", number[]>;
  /** objects.id of every object of the Pod's and the Deployment's full-tree traces (for the raw baselines). */
  podTraceObjectIds: number[];
  treeObjectIds: number[];
  namespace: string;
  humanUser: string;
  controllerUser: string;
  /** The production server's address, when the http path is measured. */
  baseUrl: string | null;
}

const BASE = "http://bench.invalid";

/** A trace over the range as a link from a search gives it: full tree, default depth. */
export function traceQueryOf(range: { startSeconds: number; endSeconds: number }, rootObjectId: number, displayMode: DisplayMode): TraceQuery {
  return { rootObjectId, relationMode: DEFAULT_VIEW.relationMode, displayMode, depth: DEFAULT_TRACE_DEPTH, startSeconds: range.startSeconds, endSeconds: range.endSeconds };
}

async function responseOf(response: Response, what: string): Promise<{ text: string }> {
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return { text };
}

/** The helpers every group of cases shares. */
interface Shared {
  range: { from: Date; to: Date };
  deps: (sql: Sql) => JaegerDeps;
  assembleOptions: { maxDepth: number };
}

/** The subjects of the raw baselines that traces are compared with. */
function rawSubjects(ctx: CaseContext) {
  return {
    podTrace: `Pod trace's entries: ENTRIES_SQL of its ${ctx.podTraceObjectIds.length} objects, 24 h (every column)`,
    node: "Node's entries: ENTRIES_SQL, 24 h (every column)",
    tree: `Full tree's entries: ENTRIES_SQL of its ${ctx.treeObjectIds.length} objects, 24 h (every column)`,
  };
}

/** What the same data costs without the trace around it. */
function baselineCases(ctx: CaseContext, { range }: Shared): QueryCase[] {
  const raw = rawSubjects(ctx);
  const sqlCase = (subject: string, run: (sql: Sql) => Promise<number>): QueryCase => ({ group: "baseline", subject, path: "sql", run: async (sql) => ({ rows: await run(sql) }) });
  const entries = (text: string, ids: number[]) => async (sql: Sql) => (await sql.query(text, [ids, range.from, range.to])).rowCount;
  // What the snapshots (create and delete bodies) cost in the same statement.
  // (In each part of the range: overlappingEntries.ts.)
  const withoutSnapshots = ENTRIES_SQL.replaceAll("h.diff, h.snapshot, h.noop", "h.diff, h.noop");
  if (withoutSnapshots === ENTRIES_SQL) throw new Error("ENTRIES_SQL changed: update the snapshot-less baseline");
  const cases = [
    sqlCase("SELECT 1 (pool round trip)", async (sql) => (await sql.query("SELECT 1")).rowCount),
    sqlCase("Pod: historyOfObject, 24 h (indexed SELECT, no JSON columns)", async (sql) => (await historyOfObject(sql, ctx.podId, range)).length),
    sqlCase(raw.podTrace, entries(ENTRIES_SQL, ctx.podTraceObjectIds)),
    sqlCase("Node: historyOfObject, 24 h (indexed SELECT, no JSON columns)", async (sql) => (await historyOfObject(sql, ctx.nodeId, range)).length),
    sqlCase(raw.node, entries(ENTRIES_SQL, [ctx.nodeId])),
    sqlCase(raw.tree, entries(ENTRIES_SQL, ctx.treeObjectIds)),
    sqlCase("Full tree's entries without the snapshot column, 24 h", entries(withoutSnapshots, ctx.treeObjectIds)),
  ];
  if (ctx.baseUrl) {
    const url = `${ctx.baseUrl}/jaeger/api/v3/operations`;
    cases.push({ group: "baseline", subject: "HTTP round trip: GET /jaeger/api/v3/operations (no database)", path: "http", run: async () => ({ bytes: (await responseOf(await fetch(url), url)).text.length }) });
  }
  return cases;
}

type TracePath = "model" | "api" | "http";

/**
 * The model, api and http cases of one trace subject in one display mode. `rootOf(path)` gives
 * each run's root object: always the same one, or a different one per run.
 */
function traceCases(
  ctx: CaseContext,
  { deps, assembleOptions }: Shared,
  subject: { group: CaseGroup; name: string; goalMs: number; baseline?: string; mode: DisplayMode; rootOf: (path: TracePath) => () => number; fixedRoot?: number },
): QueryCase[] {
  const common = { group: subject.group, subject: subject.name, goalMs: subject.goalMs, baseline: subject.baseline };
  const queryOf = (next: () => number) => () => traceQueryOf(ctx, next(), subject.mode);
  const modelQuery = queryOf(subject.rootOf("model"));
  const apiQuery = queryOf(subject.rootOf("api"));
  const cases: QueryCase[] = [
    {
      ...common,
      path: "model",
      ...(subject.fixedRoot !== undefined ? { query: traceQueryOf(ctx, subject.fixedRoot, subject.mode) } : {}),
      run: async (sql) => ({ spans: (await buildTrace(sql, modelQuery(), assembleOptions))?.spans.length ?? 0 }),
    },
    {
      ...common,
      path: "api",
      run: async (sql) => {
        const traceId = encodeTraceId(apiQuery());
        return { bytes: (await responseOf(await handleV3GetTrace(new Request(`${BASE}/jaeger/api/v3/traces/${traceId}`), traceId, deps(sql)), subject.name)).text.length };
      },
    },
  ];
  if (ctx.baseUrl) {
    const httpQuery = queryOf(subject.rootOf("http"));
    cases.push({
      ...common,
      path: "http",
      run: async () => {
        const url = `${ctx.baseUrl}/jaeger/api/v3/traces/${encodeTraceId(httpQuery())}`;
        return { bytes: (await responseOf(await fetch(url), url)).text.length };
      },
    });
  }
  return cases;
}

/** One object over 24 h and the full tree, in each display mode; and a different Pod on every run. */
function allTraceCases(ctx: CaseContext, shared: Shared): QueryCase[] {
  const raw = rawSubjects(ctx);
  const subjects = [
    { group: "single object" as const, label: "Pod (its line: Deployment → ReplicaSet → Pod)", id: ctx.podId, goalMs: GOALS.singleObjectP95Ms, baseline: raw.podTrace },
    { group: "single object" as const, label: "Node (heartbeat every 5 min)", id: ctx.nodeId, goalMs: GOALS.singleObjectP95Ms, baseline: raw.node },
    { group: "full tree" as const, label: "Deployment full tree (2 ReplicaSets, 100 Pods)", id: ctx.treeDeploymentId, goalMs: GOALS.fullTreeP95Ms, baseline: raw.tree },
  ];
  const cases: QueryCase[] = [];
  for (const subject of subjects) {
    for (const mode of DISPLAY_MODES) {
      cases.push(...traceCases(ctx, shared, { group: subject.group, name: `${subject.label}, 24 h, ${mode}`, goalMs: subject.goalMs, baseline: subject.baseline, mode, rootOf: () => () => subject.id, fixedRoot: subject.id }));
    }
  }
  // A different Pod on every run and every path: its pages are not in shared_buffers from the
  // run before, as when people open different objects one after the other.
  const nextOf = (ids: number[]) => {
    let run = 0;
    return () => ids[run++ % ids.length]!;
  };
  const name = `Pod, a different one each run (${ctx.rotatingPodIds.model.length} per path, created in the last day), 24 h, tracing`;
  cases.push(...traceCases(ctx, shared, { group: "single object", name, goalMs: GOALS.singleObjectP95Ms, mode: "tracing", rootOf: (path) => nextOf(ctx.rotatingPodIds[path]) }));
  return cases;
}

/** Searches as the Jaeger UI sends them: any service, one tag, the last day, 20 results. */
function searchCases(ctx: CaseContext, { range, deps, assembleOptions }: Shared): QueryCase[] {
  const { from: start, to: end } = range;
  const searches = [
    { label: `v3 search namespace=${ctx.namespace}`, tags: { namespace: ctx.namespace }, criteria: { namespace: ctx.namespace } },
    { label: `v3 search user=${ctx.humanUser}`, tags: { user: ctx.humanUser }, criteria: { user: ctx.humanUser } },
    { label: `v3 search user=${ctx.controllerUser.replace("system:serviceaccount:kube-system:", "…:")}`, tags: { user: ctx.controllerUser }, criteria: { user: ctx.controllerUser } },
  ];
  const summariesOf = (text: string) => ({ traces: (JSON.parse(text) as { summaries: unknown[] }).summaries.length, bytes: text.length });
  const cases: QueryCase[] = [];
  for (const search of searches) {
    const name = `${search.label}, 24 h, ${DEFAULT_SEARCH_LIMIT} results`;
    const params = new URLSearchParams({
      "query.serviceName": "*",
      "query.attributes": JSON.stringify(search.tags),
      "query.startTimeMin": start.toISOString(),
      "query.startTimeMax": end.toISOString(),
      "query.searchDepth": String(DEFAULT_SEARCH_LIMIT),
    });
    const path = `/jaeger/api/v3/trace-summaries?${params}`;
    cases.push({ group: "search", subject: name, path: "roots", run: async (sql) => ({ traces: (await findTraceRoots(sql, { ...search.criteria, start, end, limit: DEFAULT_SEARCH_LIMIT })).length }) });
    cases.push({
      group: "search",
      subject: name,
      path: "model",
      run: async (sql) => {
        const traces = await searchTraces(sql, { criteria: [search.criteria], view: DEFAULT_VIEW, start: start.getTime() * 1000, end: end.getTime() * 1000, limit: DEFAULT_SEARCH_LIMIT }, assembleOptions);
        return { traces: traces.length, spans: traces.reduce((sum, t) => sum + t.spans.length, 0) };
      },
    });
    cases.push({ group: "search", subject: name, path: "api", run: async (sql) => summariesOf((await responseOf(await handleV3TraceSummaries(new Request(`${BASE}${path}`), deps(sql)), name)).text) });
    if (ctx.baseUrl) {
      const url = `${ctx.baseUrl}${path}`;
      cases.push({ group: "search", subject: name, path: "http", run: async () => summariesOf((await responseOf(await fetch(url), url)).text) });
    }
  }
  return cases;
}

export function buildCases(ctx: CaseContext): QueryCase[] {
  const shared: Shared = {
    range: { from: new Date(ctx.startSeconds * 1000), to: new Date(ctx.endSeconds * 1000) },
    deps: (sql) => ({ ...ctx.deps, db: sql }),
    assembleOptions: { maxDepth: ctx.deps.config.traceMaxDepth },
  };
  return [...baselineCases(ctx, shared), ...allTraceCases(ctx, shared), ...searchCases(ctx, shared)];
}
