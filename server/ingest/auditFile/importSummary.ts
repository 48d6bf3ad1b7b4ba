import type { IngestSummary } from "../audit/ingest";
import { formatCount, formatDuration } from "./progress";

/** Events rejected for one reason. */
export interface RejectionGroup {
  reason: string;
  count: number;
  /** The first few lines where it happened (each once: a line may hold many events, as a compact EventList does). */
  positions: number[];
  /** Whether it happened on more lines than those listed. */
  morePositions: boolean;
  /** The full message of the first one, when it says more than the reason (e.g. the JSON parser's words). */
  example: string | null;
}

/**
 * The running totals of an import. Every item read — a JSON value, or a piece of text that could
 * not be read as one — is counted in exactly one of accepted, duplicates, rejected.
 */
export interface ImportSummary {
  /** JSON values read and handed on to be stored: an Event each, or what should have been one. */
  valuesRead: number;
  /**
   * Pieces of text not readable as a JSON value (a line that is not JSON, a value cut short, one
   * too long): all rejected. A file that is not JSON at all (a CSV) is nothing else.
   */
  unreadable: number;
  /** New events stored: history entries, counted reads and skipped noise. */
  accepted: number;
  history: number;
  reads: number;
  skipped: number;
  /** Events stored before: importing a file twice changes nothing. */
  duplicates: number;
  rejected: number;
  rejections: Map<string, RejectionGroup>;
}

/** Positions listed per rejection reason. */
const LISTED_POSITIONS = 5;
/** Reasons listed in the printed summary; the rest are counted. */
const LISTED_REASONS = 10;

export function createImportSummary(): ImportSummary {
  return { valuesRead: 0, unreadable: 0, accepted: 0, history: 0, reads: 0, skipped: 0, duplicates: 0, rejected: 0, rejections: new Map() };
}

/** Rejections counted and grouped by reason: an import's summary holds them (this one's, and the Kubernetes Events import's). */
export interface RejectionTally {
  rejected: number;
  rejections: Map<string, RejectionGroup>;
}

/** Counts one rejection at `position` (a line); `example` is kept when it is the reason's first. */
export function addRejection(tally: RejectionTally, reason: string, position: number, example: string | null): void {
  tally.rejected++;
  let group = tally.rejections.get(reason);
  if (!group) {
    group = { reason, count: 0, positions: [], morePositions: false, example };
    tally.rejections.set(reason, group);
  }
  group.count++;
  if (group.positions.at(-1) === position) return;
  if (group.positions.length < LISTED_POSITIONS) group.positions.push(position);
  else group.morePositions = true;
}

/** Counts an item of the file that could not be read as JSON. */
export function addUnreadable(summary: ImportSummary, item: { line: number; error: string; reason: string }): void {
  summary.unreadable++;
  addRejection(summary, item.reason, item.line, item.error);
}

/** Counts what the ingestor did with a batch; `positions[i]` is where the batch's item `i` was in the file. */
export function addIngestResult(summary: ImportSummary, result: IngestSummary, positions: readonly number[]): void {
  summary.valuesRead += result.received;
  summary.accepted += result.accepted;
  summary.history += result.history;
  summary.reads += result.reads;
  summary.skipped += result.skipped;
  summary.duplicates += result.duplicates;
  for (const rejection of result.rejected) addRejection(summary, rejection.reason, positions[rejection.index] ?? -1, null);
}

export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

function formatPositions(group: RejectionGroup): string {
  const listed = group.positions.join(", ");
  return `${group.positions.length === 1 ? "line" : "lines"} ${listed}${group.morePositions ? ", …" : ""}`;
}

/**
 * Text from the file made safe for a terminal: the parser quotes the bad line, and a reason can
 * quote a value, so control characters (escape sequences among them) are written as `\u001b`.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function itemsRead(summary: ImportSummary): number {
  return summary.valuesRead + summary.unreadable;
}

/** Every item read was rejected: most likely the file is not an audit log at all. */
export function nothingStorable(summary: ImportSummary): boolean {
  return itemsRead(summary) > 0 && summary.rejected === itemsRead(summary);
}

/** What the items read were: JSON values, text not readable as JSON, or both (then with their counts). */
function describeItemsRead(summary: ImportSummary): string {
  const values = summary.valuesRead === 1 ? "JSON value" : "JSON values";
  const unreadable = `${summary.unreadable === 1 ? "piece" : "pieces"} of text not readable as JSON`;
  if (summary.unreadable === 0) return summary.valuesRead === 0 ? "" : values;
  if (summary.valuesRead === 0) return unreadable;
  return `${formatCount(summary.valuesRead)} ${values}, ${formatCount(summary.unreadable)} ${unreadable}`;
}

/** The rejections' lines of a summary: the most frequent reasons first, each with its lines and example. */
export function formatRejectionGroups(rejections: ReadonlyMap<string, RejectionGroup>): string[] {
  const out: string[] = [];
  const groups = [...rejections.values()].sort((a, b) => b.count - a.count);
  const countWidth = Math.max(0, ...groups.slice(0, LISTED_REASONS).map((g) => formatCount(g.count).length));
  for (const group of groups.slice(0, LISTED_REASONS)) {
    out.push(`    ${formatCount(group.count).padStart(countWidth)} × ${printable(group.reason)} (${formatPositions(group)})`);
    if (group.example) out.push(`    ${" ".repeat(countWidth)}   e.g. ${printable(group.example)}`);
  }
  if (groups.length > LISTED_REASONS) {
    const rest = groups.slice(LISTED_REASONS);
    out.push(`    … and ${plural(rest.reduce((n, g) => n + g.count, 0), "more rejection")} for ${plural(rest.length, "other reason")}`);
  }
  return out;
}

/** The summary printed at the end of an import. */
export function formatImportSummary(
  summary: ImportSummary,
  run: { source: string; cluster: string; elapsedMs: number; interrupted: boolean },
): string {
  // A file of which nothing could be stored was not imported: the first line must not say it was.
  const what = run.interrupted ? `Interrupted importing ${run.source}` : nothingStorable(summary) ? `Imported nothing from ${run.source}` : `Imported ${run.source}`;
  const out = [`${what} into cluster "${run.cluster}" in ${formatDuration(run.elapsedMs)}`];
  const rows: Array<[string, number, string]> = [
    // Not "events": what was read is an event only once it is accepted, and a file that is not
    // an audit log (a CSV) holds nothing but lines of text.
    ["read", itemsRead(summary), describeItemsRead(summary)],
    [
      "accepted",
      summary.accepted,
      summary.accepted > 0
        ? `new: ${formatCount(summary.history)} history ${summary.history === 1 ? "entry" : "entries"}, ${plural(summary.reads, "read")} counted, ${formatCount(summary.skipped)} skipped as noise`
        : "",
    ],
    ["duplicates", summary.duplicates, summary.duplicates > 0 ? "already stored, unchanged" : ""],
    ["rejected", summary.rejected, ""],
  ];
  const width = Math.max(...rows.map(([, n]) => formatCount(n).length));
  for (const [label, n, note] of rows) out.push(`  ${label.padEnd(12)}${formatCount(n).padStart(width)}${note ? `  ${note}` : ""}`.trimEnd());

  out.push(...formatRejectionGroups(summary.rejections));
  if (run.interrupted) {
    out.push(`The rest of ${run.source} was not read. Import it again to finish: events already stored count as duplicates.`);
  } else if (nothingStorable(summary)) {
    out.push(
      `Nothing in ${run.source} could be stored. Is it a kube-apiserver audit log? Kubetrail reads audit.k8s.io Events as JSON lines (--audit-log-format=json), EventList documents or a JSON array of Events, plain or gzip.`,
    );
  }
  return out.join("\n");
}
