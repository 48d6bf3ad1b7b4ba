import { round } from "../ingest/stats";
import type { QueryReport } from "./report";
import { GOALS, MINIMUM_DATA } from "./settings";

type ReportCase = QueryReport["cases"][number];

/** Each trace against the raw SELECT of its entries, and the other comparisons within the run (p50 over p50). */
export function ratiosOf(cases: ReportCase[]): QueryReport["ratios"] {
  const p50Of = (subject: string, path: string) => cases.find((c) => c.subject === subject && c.path === path)?.p50;
  const baselineP50 = (prefix: string) => cases.find((c) => c.group === "baseline" && c.subject.startsWith(prefix))?.p50;
  const ratios: QueryReport["ratios"] = [];
  for (const c of cases) {
    const raw = c.baseline ? p50Of(c.baseline, "sql") : undefined;
    if (raw) ratios.push({ what: `${c.subject} (${c.path}) / its entries' raw SELECT`, ratio: round(c.p50 / raw, 1) });
  }
  const historyOfPod = baselineP50("Pod: historyOfObject");
  const podTracing = cases.find((c) => c.group === "single object" && c.subject.startsWith("Pod (") && c.subject.endsWith("tracing") && c.path === "api");
  if (historyOfPod && podTracing) ratios.push({ what: "Pod trace, tracing (api) / historyOfObject of the Pod", ratio: round(podTracing.p50 / historyOfPod, 1) });
  const selectOne = baselineP50("SELECT 1");
  const podEntries = baselineP50("Pod trace's entries");
  if (selectOne && podEntries) ratios.push({ what: "raw SELECT of the Pod trace's entries / SELECT 1", ratio: round(podEntries / selectOne, 1) });
  const treeEntries = baselineP50("Full tree's entries:");
  const treeWithoutSnapshots = baselineP50("Full tree's entries without");
  if (treeEntries && treeWithoutSnapshots) ratios.push({ what: "raw SELECT of the full tree's entries, with / without snapshots", ratio: round(treeEntries / treeWithoutSnapshots, 1) });
  for (const c of cases.filter((x) => x.path === "http" && x.group !== "baseline")) {
    const api = p50Of(c.subject, "api");
    if (api) ratios.push({ what: `${c.subject}: http - api (what HTTP and Next add), ms`, ratio: round(c.p50 - api, 1) });
  }
  return ratios;
}

/** The data size and latency goals; a latency goal is judged on the worst case of each path. */
export function goalsOf(cases: ReportCase[], data: { entries: number; objects: number }): QueryReport["goals"] {
  const goals: QueryReport["goals"] = [
    { goal: `at least ${MINIMUM_DATA.entries} entries over ${MINIMUM_DATA.objects} objects`, value: `${data.entries} over ${data.objects}`, met: data.entries >= MINIMUM_DATA.entries && data.objects >= MINIMUM_DATA.objects },
  ];
  for (const [group, goalMs] of [["single object", GOALS.singleObjectP95Ms], ["full tree", GOALS.fullTreeP95Ms]] as const) {
    for (const path of ["model", "api", "http"] as const) {
      const judged = cases.filter((c) => c.group === group && c.path === path);
      if (judged.length === 0) continue;
      const worst = judged.reduce((a, b) => (b.p95 > a.p95 ? b : a));
      goals.push({ goal: `${group}: p95 < ${goalMs} ms (${path}, worst of ${judged.length})`, value: `${worst.p95} ms (${worst.subject})`, met: worst.p95 < goalMs });
    }
  }
  return goals;
}
