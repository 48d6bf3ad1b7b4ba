import { assembleTrace } from "../../server/query/trace/assemble";
import type { TraceNode } from "../../server/query/trace/assembled";
import type { Sql } from "../../server/store/database";
import { overRangeParts } from "../../server/query/overlappingEntries";
import { round } from "../ingest/stats";
import { traceQueryOf } from "./cases";
import type { World } from "./dataset/world";
import type { QueryReport } from "./report";

/** The objects the cases are about, as stored: their traces' sizes, and the ids the cases need. */
export interface Subjects {
  report: QueryReport["subjects"];
  podTraceObjectIds: number[];
  treeObjectIds: number[];
  /** Three disjoint lists of Pods spread over the last day, one per path (model, api, http), `perPath` each. */
  rotatingPodIds: Record<"model" | "api" | "http", number[]>;
}

export async function subjectsOf(sql: Sql, world: World, range: { startSeconds: number; endSeconds: number }, maxDepth: number, perPath: number): Promise<Subjects> {
  const objectOf = (index: number) => world.objects[index]!;
  const describe = (index: number) => {
    const o = objectOf(index);
    return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name} (id ${o.id})`;
  };
  const traceNodes = async (index: number) => {
    const assembled = await assembleTrace(sql, traceQueryOf(range, objectOf(index).id, "tracing"), { maxDepth });
    if (!assembled) throw new Error(`no trace for ${describe(index)}`);
    return assembled.nodes;
  };
  /** The JSON columns of a trace's entries (those that overlap the range, as assembleTrace takes them) as stored text. */
  const jsonOf = async (nodes: TraceNode[]) => {
    const entries = overRangeParts((inRange) => `SELECT h.details, h.diff, h.snapshot FROM history_entries h WHERE h.object_id = ANY($1::bigint[]) AND ${inRange}`, "h", "$2", "$3");
    const row = (
      await sql.query<{ details: number; diff: number; snapshot: number; snapshots: number }>(
        `SELECT sum(octet_length(details::text)) AS details, coalesce(sum(octet_length(diff::text)), 0) AS diff,
                coalesce(sum(octet_length(snapshot::text)), 0) AS snapshot, count(snapshot) AS snapshots
           FROM (${entries}) h`,
        [nodes.map((n) => n.object.id), new Date(range.startSeconds * 1000), new Date(range.endSeconds * 1000)],
      )
    ).rows[0]!;
    const kib = (bytes: number) => round(Number(bytes) / 1024, 0);
    return { detailsKiB: kib(row.details), diffKiB: kib(row.diff), snapshotKiB: kib(row.snapshot), snapshots: Number(row.snapshots) };
  };
  const summary = async (subject: string, index: number, nodes: TraceNode[], note = "") => ({
    subject,
    object: `${describe(index)}${note}`,
    traceObjects: nodes.length,
    traceEntries: nodes.reduce((sum, n) => sum + n.entries.length, 0),
    json: await jsonOf(nodes),
  });

  const pod = await traceNodes(world.cases.pod);
  const node = await traceNodes(world.cases.node);
  const tree = await traceNodes(world.cases.treeDeployment);
  const kinds: Record<string, number> = {};
  for (const n of tree) kinds[n.object.kind ?? "?"] = (kinds[n.object.kind ?? "?"] ?? 0) + 1;
  if (kinds.Pod !== 100 || kinds.Deployment !== 1) throw new Error(`the full tree holds ${JSON.stringify(kinds)}, expected 1 Deployment and 100 Pods`);

  const recent = world.cases.recentPods;
  if (recent.length < 3 * perPath) throw new Error(`only ${recent.length} Pods were created in the last day; ${3 * perPath} are needed`);
  const spread = Array.from({ length: 3 * perPath }, (_, i) => objectOf(recent[Math.floor((i * recent.length) / (3 * perPath))]!).id);

  return {
    report: [
      await summary("Pod", world.cases.pod, pod),
      await summary("Node", world.cases.node, node),
      await summary("full tree", world.cases.treeDeployment, tree, `: ${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ")}`),
    ],
    podTraceObjectIds: pod.map((n) => n.object.id),
    treeObjectIds: tree.map((n) => n.object.id),
    rotatingPodIds: { model: spread.filter((_, i) => i % 3 === 0), api: spread.filter((_, i) => i % 3 === 1), http: spread.filter((_, i) => i % 3 === 2) },
  };
}
