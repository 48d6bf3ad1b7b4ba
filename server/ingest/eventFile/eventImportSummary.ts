import type { ObservedHistorySummary } from "../../store/observedHistoryWriter";
import { addRejection, formatRejectionGroups, plural, printable, type RejectionTally } from "../auditFile/importSummary";
import { formatCount, formatDuration } from "../auditFile/progress";

/**
 * The running totals of a Kubernetes Events import. Every value read — an Event, or what should
 * have been one, a watch bookmark, a piece of text that could not be read — is counted in exactly
 * one of stored, duplicates, rejected, skipped: `read` is their sum.
 */
export interface EventImportSummary extends RejectionTally {
  read: number;
  /** New history entries. */
  stored: number;
  /** Events stored before (by an import or the cluster's Events source): nothing changed. */
  duplicates: number;
  /** Watch bookmarks: no Event in them. */
  skipped: number;
  /** Objects first seen through these Events: made as placeholders, until their own history (audit events) arrives. */
  placeholders: number;
  /** What the values that are no Events (or not readable ones) were, counted: named when nothing could be stored. */
  found: Map<string, number>;
}

/** Kinds of values told apart in `found`; the rest are counted under the last one. */
const MAX_FOUND_KINDS = 20;
const OTHER_FOUND = "other values";
/** Kinds of values named in the message about a file of which nothing could be stored. */
const NAMED_FOUND_KINDS = 3;

export function createEventImportSummary(): EventImportSummary {
  return { read: 0, stored: 0, duplicates: 0, skipped: 0, placeholders: 0, rejected: 0, rejections: new Map(), found: new Map() };
}

/** Counts a value read that is rejected: `found` says what it was (e.g. "Deployment (apps/v1)", "invalid YAML"). */
export function addRejectedValue(summary: EventImportSummary, rejection: { reason: string; line: number; example: string | null; found: string }): void {
  summary.read++;
  addRejection(summary, rejection.reason, rejection.line, rejection.example);
  countFound(summary, rejection.found);
}

/** Counts a value read that holds no Event (a watch bookmark). */
export function addSkippedValue(summary: EventImportSummary): void {
  summary.read++;
  summary.skipped++;
}

/** Counts what the store did with a batch of Events; `lines[i]` is where the batch's entry `i` was in the file. */
export function addStoreResult(summary: EventImportSummary, result: ObservedHistorySummary, lines: readonly number[]): void {
  summary.read += result.received;
  summary.stored += result.stored;
  summary.duplicates += result.duplicates;
  summary.placeholders += result.placeholders;
  for (const rejection of result.rejected) {
    addRejection(summary, rejection.reason, lines[rejection.index] ?? -1, rejection.key === null ? null : `the entry keyed ${rejection.key}`);
    countFound(summary, "Event the store cannot hold");
  }
}

function countFound(summary: EventImportSummary, found: string): void {
  const kind = summary.found.has(found) || summary.found.size < MAX_FOUND_KINDS - 1 ? found : OTHER_FOUND;
  summary.found.set(kind, (summary.found.get(kind) ?? 0) + 1);
}

/** Something was read, and none of it could be stored: most likely the file holds no Kubernetes Events. */
export function nothingStorable(summary: EventImportSummary): boolean {
  return summary.rejected > 0 && summary.stored + summary.duplicates === 0;
}

const FORMATS =
  "Kubetrail reads Kubernetes Events (core/v1 and events.k8s.io): kubectl get events -o json or -o yaml, a must-gather's events.yaml, " +
  "JSON or YAML streams of Events or watch events (--watch-only), JSON arrays of Events; plain or gzip.";

/** The summary printed at the end of an import. */
export function formatEventImportSummary(
  summary: EventImportSummary,
  run: { source: string; cluster: string; elapsedMs: number; interrupted: boolean },
): string {
  const nothing = nothingStorable(summary);
  const what = run.interrupted ? `Interrupted importing ${run.source}` : nothing ? `Imported nothing from ${run.source}` : `Imported ${run.source}`;
  const out = [`${what} into cluster "${run.cluster}" in ${formatDuration(run.elapsedMs)}`];
  const rows: Array<[string, number, string] | null> = [
    ["read", summary.read, summary.read > 0 ? "values (Events, and whatever else the file held)" : ""],
    ["stored", summary.stored, summary.stored > 0 ? `new history ${summary.stored === 1 ? "entry" : "entries"}` : ""],
    ["duplicates", summary.duplicates, summary.duplicates > 0 ? "already stored, unchanged" : ""],
    ["rejected", summary.rejected, ""],
    summary.skipped > 0 ? ["skipped", summary.skipped, "watch bookmarks, which hold no Event"] : null,
    ["new objects", summary.placeholders, summary.placeholders > 0 ? "first seen through these Events (known by their reference until their own history arrives)" : ""],
  ];
  const shown = rows.filter((row) => row !== null);
  const width = Math.max(...shown.map(([, n]) => formatCount(n).length));
  for (const [label, n, note] of shown) {
    out.push(`  ${label.padEnd(12)}${formatCount(n).padStart(width)}${note ? `  ${note}` : ""}`.trimEnd());
    if (label === "rejected") out.push(...formatRejectionGroups(summary.rejections));
  }
  if (run.interrupted) {
    out.push(`The rest of ${run.source} was not read. Import it again to finish: Events already stored count as duplicates.`);
  } else if (nothing) {
    out.push(`Nothing in ${run.source} could be stored. It holds ${describeFound(summary.found)}.`);
    const kinds = [...summary.found.keys()];
    if (kinds.some((kind) => kind.startsWith("Event (audit.k8s.io/"))) out.push("That is a kube-apiserver audit log: import it with npm run import.");
    else if (!kinds.some((kind) => kind.startsWith("Event"))) out.push(FORMATS);
  }
  return out.join("\n");
}

/** `3 × Deployment (apps/v1), 1 × invalid YAML and 2 other kinds`. */
function describeFound(found: ReadonlyMap<string, number>): string {
  const kinds = [...found.entries()].sort((a, b) => b[1] - a[1]);
  const named = kinds.slice(0, NAMED_FOUND_KINDS).map(([kind, n]) => `${formatCount(n)} × ${printable(kind)}`);
  const rest = kinds.length - NAMED_FOUND_KINDS;
  return rest > 0 ? `${named.join(", ")} and ${plural(rest, "other kind")}` : named.join(", ");
}
