import { isJsonObject, type JsonValue, type SessionState } from "../../ingest/audit/types";
import { clampToStorable } from "../../model/time/instant";
import { formatDiffEntry } from "../../model/diff/diff";
import { isFailedRequest } from "../../model/failedRequest";
import type { AssembledTrace, TraceEntry, TraceNode, TraceObject } from "../trace/assembled";
import { AUDIT_DETAIL_KEYS, serviceNameOf, shownRequestUri } from "../trace/display/common";
import { eventDetailsOf, eventSummaryOf, EVENT_DETAIL_KEYS } from "./eventEntry";
import { watchDetailsOf, watchSummaryOf, WATCH_ENTRY_DETAIL_KEYS } from "./watchEntry";
import type { MarkKind, Timeline, TimelineEntry, TimelineEntryDetails, TimelineFailure, TimelineLifetime, TimelineObject, TimelineRange, TimelineRow } from "./types";

export * from "./types";

/**
 * The dashboard's object page as plain JSON: an assembled trace (../trace/assemble.ts) turned
 * into rows in tree order, one per object, each with its lifetime and its history entries as
 * marks. Pure: what the store holds comes in as an AssembledTrace, already redacted at ingest;
 * nothing here reads anything else.
 *
 * Times are integer microseconds since the epoch (the trace model's unit), in fields named
 * `…Micros` so that no reader takes them for milliseconds. The shapes: ./types.ts.
 */

/** The rows a timeline lists at most: a Deployment of thousands of Pods stays a page, not a freeze. */
export const MAX_TIMELINE_ROWS = 2000;
/** Diff lines an entry carries in the list (a tooltip's worth); the side panel loads them all. */
export const LIST_DIFF_LINES = 20;
/** The margin around an object's lifetime when no range is asked: a twentieth of it each side… */
export const LIFETIME_MARGIN_FRACTION = 0.05;
/** …and at least a minute, so that a short-lived object's first and last writes are not on the edge. */
export const MIN_LIFETIME_MARGIN_MICROS = 60_000_000;

/**
 * The object's lifetime with a margin each side, within the instants the store holds: the range
 * of a page asked for none. It begins at the object's first recorded entry (`firstEntryMicros`)
 * when that came after the object began: a watch lists objects created long before Kubetrail
 * started, and their lifetime from creation would squeeze all their history into its last pixels.
 */
export function lifetimeRange(lifetime: TimelineLifetime, firstEntryMicros: number | null = null): { startMicros: number; endMicros: number } {
  const start = firstEntryMicros !== null && firstEntryMicros > lifetime.firstSeenMicros ? firstEntryMicros : lifetime.firstSeenMicros;
  const end = Math.max(start, lifetime.deletedAtMicros ?? lifetime.lastSeenMicros);
  const margin = Math.max(Math.round((end - start) * LIFETIME_MARGIN_FRACTION), MIN_LIFETIME_MARGIN_MICROS);
  return { startMicros: clampToStorable(start - margin), endMicros: clampToStorable(end + margin) };
}

/**
 * The subresources that open a session through their object rather than write to it: kubectl
 * exec, attach, port-forward and the apiserver's proxy (pods/, services/ and nodes/proxy). Their
 * verb is the HTTP method's (a POST is a `create`, a DELETE through a proxy a `delete`).
 */
export const CONNECT_SUBRESOURCES: ReadonlySet<string> = new Set(["exec", "attach", "portforward", "proxy"]);

/** Which mark an entry gets. Failures first (nothing happened), then no-ops and dry runs (nothing changed). */
export function markKindOf(entry: Pick<TraceEntry, "source" | "verb" | "subresource" | "statusCode" | "details" | "noop" | "diff">): MarkKind {
  if (isFailedRequest(entry.statusCode, entry.details)) return "failed";
  if (entry.noop || entry.details.dryRun === true) return "noop";
  if (entry.source === "event") return "event";
  // A watch listing an object that already existed: a change only when it differs from what the watch saw before.
  if (entry.source === "watch" && entry.verb === "observed") return entry.diff !== null && entry.diff.length > 0 ? "update" : "noop";
  if (CONNECT_SUBRESOURCES.has(entry.subresource)) return "connect";
  switch (entry.verb) {
    case "create":
      // A create on a subresource writes to an object that exists: a binding sets a Pod's Node,
      // an eviction deletes the Pod.
      if (entry.subresource === "eviction") return "delete";
      return entry.subresource === "" ? "create" : "update";
    case "patch":
      return "patch";
    case "delete":
    case "deletecollection":
      return "delete";
    default:
      return "update";
  }
}

const text = (value: JsonValue | undefined): string | null => (typeof value === "string" && value !== "" ? value : null);
const texts = (value: JsonValue | undefined): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []);

function failureOf(entry: TraceEntry): TimelineFailure | null {
  if (!isFailedRequest(entry.statusCode, entry.details)) return null;
  const f = isJsonObject(entry.details.failure) ? entry.details.failure : {};
  const causes = (Array.isArray(f.causes) ? f.causes : [])
    .filter(isJsonObject)
    .map((cause) => [cause.field, cause.reason, cause.message].filter((part) => typeof part === "string" && part !== "").join(": "));
  return { status: text(f.status), reason: text(f.reason), message: text(f.message), causes };
}

/**
 * The command of an exec from its request URI: the `command` parameters, decoded, in order
 * (`kubectl exec pod -- sh -c 'echo hi'` asks `?command=sh&command=-c&command=echo+hi`). Empty
 * when the URI has none.
 */
export function execCommandOf(requestUri: string | null): string[] {
  const query = requestUri?.indexOf("?") ?? -1;
  if (requestUri == null || query < 0) return [];
  return new URLSearchParams(requestUri.slice(query + 1)).getAll("command");
}

function impersonatorOf(entry: TraceEntry): string | null {
  const by = entry.details.impersonatedBy;
  return isJsonObject(by) ? text(by.username) : null;
}

function diffLines(entry: TraceEntry): string[] {
  return (entry.diff ?? []).map(formatDiffEntry);
}

/** An object as rows and related lists name it. */
export function timelineObjectOf(object: TraceObject): TimelineObject {
  return {
    id: object.id,
    cluster: object.cluster,
    apiGroup: object.apiGroup,
    apiVersion: object.apiVersion,
    resource: object.resource,
    kind: serviceNameOf(object),
    namespace: object.namespace,
    name: object.name,
    uid: object.uid,
  };
}

/** An entry's session state (AuditDetails.session), null when it is no session. */
function sessionOf(entry: TraceEntry): SessionState | null {
  const session = entry.source === "audit" ? entry.details.session : undefined;
  return session === "open" || session === "closed" ? session : null;
}

/**
 * An entry as a lane lists it: the snapshot only as `hasSnapshot`, the diff cut at
 * LIST_DIFF_LINES. An open session runs until `openUntilMicros` when given (its end is not known:
 * it is still running, or its end was never logged), else ends where its stored end does.
 */
export function timelineEntryOf(entry: TraceEntry, openUntilMicros: number | null = null): TimelineEntry {
  const diff = diffLines(entry);
  const session = sessionOf(entry);
  const end = Math.max(entry.end, entry.start);
  return {
    id: entry.id,
    startMicros: entry.start,
    endMicros: session === "open" && openUntilMicros !== null ? Math.max(end, openUntilMicros) : end,
    mark: markKindOf(entry),
    source: entry.source,
    verb: entry.verb,
    subresource: entry.subresource,
    title: entry.title,
    actor: entry.actor,
    impersonator: impersonatorOf(entry),
    userAgent: entry.userAgent,
    statusCode: entry.statusCode,
    failure: failureOf(entry),
    diff: diff.slice(0, LIST_DIFF_LINES),
    diffLineCount: diff.length,
    hasSnapshot: entry.snapshot !== null,
    event: entry.source === "event" ? eventSummaryOf(entry.details) : null,
    watch: entry.source === "watch" ? watchSummaryOf(entry.details, entry.subresource) : null,
    diffFrom: entry.details.diffFrom === "watch" ? "watch" : null,
    session,
  };
}

/** Details keys that entryDetailsOf reads into named fields (the spans' named attributes, and dryRun); the rest go to `other`. */
const NAMED_AUDIT_DETAILS = new Set([...AUDIT_DETAIL_KEYS, "dryRun"]);

/** The whole of one entry, for the side panel. */
export function entryDetailsOf(entry: TraceEntry, object: TraceObject): TimelineEntryDetails {
  const d = entry.details;
  const requestUri = shownRequestUri(d.requestURI);
  const annotations: Record<string, string> = {};
  if (isJsonObject(d.annotations)) {
    for (const [key, value] of Object.entries(d.annotations)) annotations[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const isEvent = entry.source === "event";
  const isWatch = entry.source === "watch";
  const named = isEvent ? EVENT_DETAIL_KEYS : isWatch ? WATCH_ENTRY_DETAIL_KEYS : NAMED_AUDIT_DETAILS;
  const other: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(d)) if (!named.has(key) && value !== undefined) other[key] = value;
  return {
    ...timelineEntryOf(entry),
    object: timelineObjectOf(object),
    diff: diffLines(entry),
    snapshot: entry.snapshot,
    patch: d.patch ?? null,
    annotations,
    request: {
      auditId: entry.auditId,
      stage: entry.stage,
      level: text(d.level),
      requestUri,
      command: entry.subresource === "exec" ? execCommandOf(requestUri) : [],
      sourceIps: texts(d.sourceIPs),
      groups: texts(d.groups),
      impersonatorGroups: isJsonObject(d.impersonatedBy) ? texts(d.impersonatedBy.groups) : [],
      resourceVersionBefore: text(d.resourceVersionBefore),
      resourceVersionAfter: text(d.resourceVersionAfter),
      arrivedAfterResourceVersion: text(d.arrivedAfterResourceVersion),
      diffFromEntryId: typeof d.diffFromEntryId === "number" && Number.isSafeInteger(d.diffFromEntryId) ? d.diffFromEntryId : null,
      dryRun: d.dryRun === true,
    },
    event: isEvent ? eventDetailsOf(d, entry.actor) : null,
    watch: isWatch ? watchDetailsOf(d, entry.subresource) : null,
    other,
  };
}

function rowOf(node: TraceNode, depth: number, queriedId: number, openUntilMicros: number): TimelineRow {
  const o = node.object;
  return {
    object: timelineObjectOf(o),
    depth,
    parentId: node.parentId,
    relation: node.relation,
    queried: o.id === queriedId,
    lifetime: { firstSeenMicros: o.firstSeen, lastSeenMicros: o.lastSeen, deletedAtMicros: o.deletedAt },
    entries: node.entries.map((entry) => timelineEntryOf(entry, openUntilMicros)),
    related: node.related.map((related) => ({ relation: related.kind, role: related.role, object: timelineObjectOf(related.object) })),
    relatedTruncated: node.relatedTruncated,
  };
}

/**
 * The trace's nodes with only the entries that overlap `range` (began before its end, ended at or
 * after its start: server/query/overlappingEntries.ts), and without the objects below the queried
 * one that then have none, nor anything below them that has: the trace is assembled over whole
 * seconds around the range, and leaves such objects out as this does (assemble.ts).
 */
function narrowedTo(nodes: TraceNode[], range: TimelineRange): TraceNode[] {
  const within = nodes.map((node) => ({ ...node, entries: node.entries.filter((e) => e.start < range.endMicros && Math.max(e.end, e.start) >= range.startMicros) }));
  // Pre-order: a node's children come after it, so from the end each is decided before its parent.
  const withActivityBelow = new Set<number>();
  const kept = new Set<number>();
  for (const node of [...within].reverse()) {
    if (node.level <= 0 || node.entries.length > 0 || withActivityBelow.has(node.object.id)) {
      kept.add(node.object.id);
      if (node.parentId !== null) withActivityBelow.add(node.parentId);
    }
  }
  return within.filter((node) => kept.has(node.object.id));
}

/**
 * The timeline of an assembled trace over `range` (the range asked, or the lifetime range: the
 * trace's own is widened to whole seconds). Rows keep the trace's tree order; each one's depth
 * is its parent's plus one. `requestedId` is the id the caller asked for. An open session runs to
 * the range's end, or to `nowMicros` when the range ends later: it is running as far as anyone knows.
 */
export function buildTimeline(trace: AssembledTrace, range: TimelineRange, requestedId: number, nowMicros: number = Date.now() * 1000): Timeline {
  const nodes = narrowedTo(trace.nodes, range);
  const openUntilMicros = Math.min(range.endMicros, nowMicros);
  const depths = new Map<number, number>();
  const rows: TimelineRow[] = [];
  for (const node of nodes.slice(0, MAX_TIMELINE_ROWS)) {
    const parentDepth = node.parentId === null ? undefined : depths.get(node.parentId);
    const depth = parentDepth === undefined ? 0 : parentDepth + 1;
    depths.set(node.object.id, depth);
    rows.push(rowOf(node, depth, trace.queriedObjectId, openUntilMicros));
  }
  return {
    objectId: trace.queriedObjectId,
    requestedId,
    relations: trace.query.relationMode,
    depth: trace.query.depth,
    range,
    rows,
    omittedRows: Math.max(0, nodes.length - MAX_TIMELINE_ROWS),
  };
}
