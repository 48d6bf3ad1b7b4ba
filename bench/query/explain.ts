import type { Sql } from "../../server/store/database";
import { round } from "../ingest/stats";
import type { QueryCase } from "./cases";
import type { LoggedStatement } from "./statementLog";

const STATEMENTS_EXPLAINED = 3;

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the case closest to (or furthest over) its goal (its p95 over
 * its goal is the highest): every distinct statement of its profiled run is run again with
 * the parameters it had, and the plans of the slowest ones on the server are kept.
 */
export async function explainSlowest(sql: Sql, candidates: Array<{ case: QueryCase; p95: number; log: LoggedStatement[] }>): Promise<Array<{ case: string; statementMs: number; serverMs: number; text: string; plan: string }>> {
  const worst = candidates.reduce<(typeof candidates)[number] | null>((a, b) => (a === null || b.p95 / b.case.goalMs! > a.p95 / a.case.goalMs! ? b : a), null);
  if (!worst) return [];
  const slowestByText = new Map<string, LoggedStatement>();
  for (const statement of worst.log) {
    const known = slowestByText.get(statement.text);
    if (!known || statement.ms > known.ms) slowestByText.set(statement.text, statement);
  }
  const explained = [];
  for (const statement of slowestByText.values()) {
    const plan = (await sql.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.params)).rows.map((row) => row["QUERY PLAN"]).join("\n");
    const time = (label: string) => Number(new RegExp(`${label} Time: ([\\d.]+) ms`).exec(plan)?.[1] ?? 0);
    explained.push({
      case: `${worst.case.subject} (${worst.case.path}, p95 ${worst.p95} ms)`,
      statementMs: round(statement.ms, 2),
      serverMs: round(time("Planning") + time("Execution"), 2),
      text: statement.text,
      plan,
    });
  }
  return explained.sort((a, b) => b.serverMs - a.serverMs).slice(0, STATEMENTS_EXPLAINED);
}
