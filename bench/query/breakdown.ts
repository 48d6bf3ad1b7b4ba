import { assembleTrace, type AssembleOptions } from "../../server/query/trace/assemble";
import { DISPLAY } from "../../server/query/trace/display";
import { encodeTraceId } from "../../server/query/trace/traceId";
import type { TraceQuery } from "../../server/query/trace/types";
import { toOtlpResult } from "../../server/jaeger/v3/otlpJson";
import type { Sql } from "../../server/store/database";
import { percentile, round } from "../ingest/stats";
import { StatementLog } from "./statementLog";

/**
 * Where a trace's time goes, stage by stage (medians of `runs` runs of each stage, after the
 * timed rounds, so everything is warm): assembleTrace (its SQL statements, the rows sent and
 * parsed by node-postgres), the display mode's layout, and the v3 API's OTLP JSON text. And
 * how much of the assembly the server spends executing the statements: the sum of EXPLAIN
 * ANALYZE's planning and execution times. EXPLAIN ANALYZE neither detoasts nor sends the
 * columns it would return, so that sum leaves out reading the JSON columns out of TOAST and
 * sending them: the raw ENTRIES_SQL baseline includes both.
 */
export interface TraceBreakdown {
  subject: string;
  statements: number;
  assembleMs: number;
  layoutMs: number;
  otlpJsonMs: number;
  otlpJsonBytes: number;
  serverPlanAndExecuteMs: number;
}

const median = (values: number[]) => round(percentile(values, 50), 2);

async function timed<T>(work: () => Promise<T> | T): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

/** Sum of planning and execution times that EXPLAIN ANALYZE reports for `text`. */
export async function serverTimeOf(sql: Sql, text: string, params: unknown[]): Promise<number> {
  const plan = (await sql.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE) ${text}`, params)).rows.map((row) => row["QUERY PLAN"]).join("\n");
  const time = (label: string) => Number(new RegExp(`${label} Time: ([\\d.]+) ms`).exec(plan)?.[1] ?? 0);
  return time("Planning") + time("Execution");
}

export async function breakdownOf(sql: Sql, subject: string, query: TraceQuery, options: AssembleOptions, runs: number): Promise<TraceBreakdown> {
  const traceId = encodeTraceId(query);
  const assemble: number[] = [];
  const layout: number[] = [];
  const otlp: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const [assembled, assembleMs] = await timed(() => assembleTrace(sql, query, options));
    if (!assembled) throw new Error(`${subject}: no trace`);
    const [spans, layoutMs] = await timed(() => DISPLAY[query.displayMode](assembled, traceId));
    const [text, otlpMs] = await timed(() => JSON.stringify(toOtlpResult([{ traceId, query, spans }])));
    assemble.push(assembleMs);
    layout.push(layoutMs);
    otlp.push(otlpMs);
    bytes = text.length;
  }
  const log = new StatementLog(sql);
  await assembleTrace(log, query, options);
  let server = 0;
  for (const statement of log.statements) server += await serverTimeOf(sql, statement.text, statement.params);
  return {
    subject,
    statements: log.statements.length,
    assembleMs: median(assemble),
    layoutMs: median(layout),
    otlpJsonMs: median(otlp),
    otlpJsonBytes: bytes,
    serverPlanAndExecuteMs: round(server, 2),
  };
}
