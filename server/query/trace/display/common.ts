import { isJsonObject, type DiffEntry, type JsonValue } from "../../../ingest/audit/types";
import { isFailedRequest } from "../../../model/failedRequest";
import { BUILTIN_RESOURCES, kindForResource } from "../../../k8s/resources";
import { formatDiffEntry } from "../../../model/diff/diff";
import { redactRequestUri } from "../../../model/redact/requestUri";
import type { AssembledTrace, RelatedObject, TraceEntry, TraceNode, TraceObject } from "../assembled";
import { ATTR } from "../attributes";
import { spanIdFor } from "../traceId";
import type { AttributeValue, EpochMicros, SpanLog, TraceSpan } from "../types";

/** What every display mode shares: names, attributes and extents of object and entry spans. */

const BUILTIN_GROUPS = new Set(BUILTIN_RESOURCES.map((r) => r.apiGroup));

/** Whether `apiGroup` is one of Kubernetes' own ("" core, apps, batch, *.k8s.io…) rather than a CRD's. */
export function isBuiltinApiGroup(apiGroup: string): boolean {
  return BUILTIN_GROUPS.has(apiGroup) || apiGroup === "k8s.io" || apiGroup.endsWith(".k8s.io");
}

/**
 * The service name of an object's spans: its kind ("Deployment", "Pod"), qualified by the
 * group for kinds outside Kubernetes' own groups ("Rollout.argoproj.io",
 * "Route.route.openshift.io"). An object whose kind no source told goes by its resource.
 */
export function serviceNameOf(object: Pick<TraceObject, "kind" | "apiGroup" | "resource">): string {
  const kind = object.kind ?? kindForResource(object.apiGroup, object.resource) ?? object.resource;
  return isBuiltinApiGroup(object.apiGroup) ? kind : `${kind}.${object.apiGroup}`;
}

/** The operation name of an object's span: `<namespace>/<name>`, or `<name>` when cluster-scoped. */
export function operationNameOf(object: Pick<TraceObject, "namespace" | "name">): string {
  return object.namespace === "" ? object.name : `${object.namespace}/${object.name}`;
}

/** `<Kind> <namespace>/<name>`, how a related object is named in a tag; with its cluster when not the same. */
function describeRelated(related: TraceObject, cluster: string): string {
  const where = related.cluster === cluster ? "" : `${related.cluster}:`;
  return `${serviceNameOf(related)} ${where}${operationNameOf(related)}`;
}

const iso = (time: EpochMicros) => new Date(Math.floor(time / 1000)).toISOString();

/** Whether the entry is a failed request (the write did not happen). */
export function isFailed(entry: TraceEntry): boolean {
  return isFailedRequest(entry.statusCode, entry.details);
}

/** Attributes of an object span (see attributes.ts). */
export function objectAttributes(node: TraceNode, trace: AssembledTrace): Record<string, AttributeValue> {
  const o = node.object;
  const attributes: Record<string, AttributeValue> = { [ATTR.cluster]: o.cluster };
  if (o.apiGroup !== "") attributes[ATTR.apiGroup] = o.apiGroup;
  attributes[ATTR.apiVersion] = o.apiVersion;
  attributes[ATTR.resource] = o.resource;
  if (o.kind !== null) attributes[ATTR.kind] = o.kind;
  if (o.namespace !== "") attributes[ATTR.namespace] = o.namespace;
  attributes[ATTR.name] = o.name;
  if (o.uid !== null) attributes[ATTR.uid] = o.uid;
  attributes[ATTR.objectId] = o.id;
  attributes[ATTR.firstSeen] = iso(o.firstSeen);
  if (o.deletedAt !== null) attributes[ATTR.deletedAt] = iso(o.deletedAt);
  if (o.id === trace.queriedObjectId) attributes[ATTR.queried] = true;
  if (node.relation !== null) attributes[ATTR.relation] = node.relation;
  const byKind = new Map<string, string[]>();
  for (const related of node.related) {
    const list = byKind.get(related.kind) ?? [];
    list.push(describeRelated(related.object, o.cluster));
    byKind.set(related.kind, list);
  }
  for (const [kind, names] of byKind) attributes[`${ATTR.relatedPrefix}${kind}`] = names.join(", ");
  if (node.relatedTruncated) attributes[ATTR.relatedTruncated] = true;
  return attributes;
}

const json = (value: JsonValue) => JSON.stringify(value);

function scalarOrJson(value: JsonValue): AttributeValue | null {
  if (value === null) return null;
  return typeof value === "object" ? json(value) : value;
}

const text = (value: JsonValue | undefined): string | null => (typeof value === "string" && value !== "" ? value : null);

function stringList(value: JsonValue | undefined): string | null {
  return Array.isArray(value) && value.length > 0 ? value.map((item) => (typeof item === "string" ? item : json(item))).join(", ") : null;
}

/** Details keys read into named attributes (the rest become `detail.<key>`). */
export const AUDIT_DETAIL_KEYS: ReadonlySet<string> = new Set([
  "user",
  "groups",
  "impersonatedBy",
  "sourceIPs",
  "requestURI",
  "annotations",
  "resourceVersionBefore",
  "resourceVersionAfter",
  "arrivedAfterResourceVersion",
  "failure",
  "patch",
  "level",
  "stage",
  "diffFrom",
  "diffFromEntryId",
  "session",
]);
const EVENT_DETAIL_KEYS = new Set(["reason", "message", "count", "type"]);
/**
 * A watch entry's details read into named attributes (server/plugins/types.ts ObservedHistoryEntry,
 * source "watch"), or kept for the store's sake: `uid`, the object the entry observed, by which the
 * store parts the entries of two objects of one name (server/store/watchedUid.ts).
 */
export const WATCH_DETAIL_KEYS: ReadonlySet<string> = new Set(["watchEvent", "managers", "managedAt", "subresource", "uid"]);

/**
 * A stored request URI as it may be shown, null when there is none: redacted again, as ingest
 * does (model/redact/requestUri.ts), because rows stored before ingest did are still read.
 */
export function shownRequestUri(value: JsonValue | undefined): string | null {
  return typeof value === "string" && value !== "" ? redactRequestUri(value) : null;
}

/** The diff as the `diff` attribute: one `path old -> new` line per change. */
export function diffText(diff: DiffEntry[] | null): string | null {
  return diff && diff.length > 0 ? diff.map(formatDiffEntry).join("\n") : null;
}

/**
 * Attributes of a history entry (see attributes.ts): everything the entry has — its columns,
 * its details, diff, snapshot. `error` is not among them: a log gets it from entryLog, a
 * span carries TraceSpan.error.
 */
export function entryAttributes(entry: TraceEntry): Record<string, AttributeValue> {
  const a: Record<string, AttributeValue> = {};
  const set = (name: string, value: AttributeValue | null | undefined) => {
    if (value !== null && value !== undefined && value !== "") a[name] = value;
  };
  const d = entry.details;
  set(ATTR.event, entry.title);
  set(ATTR.entryId, entry.id);
  set(ATTR.source, entry.source);
  set(ATTR.user, entry.actor);
  set(ATTR.groups, stringList(d.groups));
  if (isJsonObject(d.impersonatedBy)) {
    set(ATTR.impersonatedBy, typeof d.impersonatedBy.username === "string" ? d.impersonatedBy.username : null);
    set(ATTR.impersonatedByGroups, stringList(d.impersonatedBy.groups));
  }
  set(ATTR.verb, entry.verb);
  // A watch entry may name its subresource (its manager's managedFields entry's) only in its details.
  set(ATTR.subresource, entry.subresource !== "" ? entry.subresource : entry.source === "watch" ? text(d.subresource) : null);
  set(ATTR.statusCode, entry.statusCode);
  set(ATTR.auditId, entry.auditId);
  set(ATTR.stage, entry.stage);
  set(ATTR.session, entry.source === "audit" ? text(d.session) : null);
  set(ATTR.level, typeof d.level === "string" ? d.level : null);
  set(ATTR.userAgent, entry.userAgent);
  set(ATTR.sourceIPs, stringList(d.sourceIPs));
  set(ATTR.requestUri, shownRequestUri(d.requestURI));
  set(ATTR.resourceVersionBefore, typeof d.resourceVersionBefore === "string" ? d.resourceVersionBefore : null);
  set(ATTR.resourceVersionAfter, typeof d.resourceVersionAfter === "string" ? d.resourceVersionAfter : null);
  set(ATTR.arrivedAfterResourceVersion, typeof d.arrivedAfterResourceVersion === "string" ? d.arrivedAfterResourceVersion : null);
  set(ATTR.diff, diffText(entry.diff));
  set(ATTR.diffFrom, text(d.diffFrom));
  set(ATTR.diffFromEntryId, typeof d.diffFromEntryId === "number" ? d.diffFromEntryId : null);
  set(ATTR.snapshot, entry.snapshot ? json(entry.snapshot) : null);
  set(ATTR.patch, d.patch !== undefined ? scalarOrJson(d.patch) : null);
  a[ATTR.noop] = entry.noop;

  if (isJsonObject(d.failure)) {
    const f = d.failure;
    set(ATTR.status, typeof f.status === "string" ? f.status : null);
    set(ATTR.reason, typeof f.reason === "string" ? f.reason : null);
    set(ATTR.message, typeof f.message === "string" ? f.message : null);
    if (Array.isArray(f.causes) && f.causes.length > 0) {
      const lines = f.causes.filter(isJsonObject).map((c) => [c.field, c.reason, c.message].filter((part) => typeof part === "string" && part !== "").join(": "));
      set(ATTR.causes, lines.join("\n"));
    }
  }
  if (isJsonObject(d.annotations)) {
    for (const [key, value] of Object.entries(d.annotations)) set(`${ATTR.annotationPrefix}${key}`, scalarOrJson(value));
  }

  if (entry.source === "event") {
    set(ATTR.reason, typeof d.reason === "string" ? d.reason : null);
    set(ATTR.message, typeof d.message === "string" ? d.message : null);
    set(ATTR.count, typeof d.count === "number" ? d.count : null);
    set(ATTR.eventType, typeof d.type === "string" ? d.type : null);
  }
  if (entry.source === "watch") {
    set(ATTR.watchEvent, text(d.watchEvent));
    set(ATTR.managers, stringList(d.managers));
    set(ATTR.managedAt, text(d.managedAt));
  }
  for (const [key, value] of Object.entries(d)) {
    if (AUDIT_DETAIL_KEYS.has(key) || (entry.source === "event" && EVENT_DETAIL_KEYS.has(key)) || (entry.source === "watch" && WATCH_DETAIL_KEYS.has(key))) continue;
    set(`${ATTR.detailPrefix}${key}`, scalarOrJson(value as JsonValue));
  }
  return a;
}

/** An entry as a span log (tracing and grouped modes), marked `error` when the request failed. */
export function entryLog(entry: TraceEntry): SpanLog {
  const attributes = entryAttributes(entry);
  if (isFailed(entry)) attributes[ATTR.error] = true;
  return { time: entry.start, attributes };
}

/** Where a span sits in time. */
export interface Extent {
  start: EpochMicros;
  end: EpochMicros;
}

/** From the earliest entry's start to the latest entry's end; null without entries. */
export function extentOfEntries(entries: TraceEntry[]): Extent | null {
  if (entries.length === 0) return null;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const e of entries) {
    start = Math.min(start, e.start);
    end = Math.max(end, e.end, e.start);
  }
  return { start: start as EpochMicros, end: end as EpochMicros };
}

function union(a: Extent | null, b: Extent | null): Extent | null {
  if (!a) return b;
  if (!b) return a;
  return { start: Math.min(a.start, b.start) as EpochMicros, end: Math.max(a.end, b.end) as EpochMicros };
}

/** A moment for an object with nothing to show in the range: when it was first seen, kept inside the range. */
function fallbackExtent(node: TraceNode, trace: AssembledTrace): Extent {
  const at = Math.min(Math.max(node.object.firstSeen, trace.start), trace.end - 1) as EpochMicros;
  return { start: at, end: at };
}

/**
 * Each object span's extent: its own entries (shrunk to first..last), or — for an object
 * without entries in the range — everything that happened below it.
 */
export function objectExtents(trace: AssembledTrace): Map<number, Extent> {
  const extents = new Map<number, Extent>();
  /** Per object: the extent of every entry of its descendants. */
  const below = new Map<number, Extent | null>();
  // Pre-order reversed: every child before its parent.
  for (const node of [...trace.nodes].reverse()) {
    const own = extentOfEntries(node.entries);
    const descendants = below.get(node.object.id) ?? null;
    extents.set(node.object.id, own ?? descendants ?? fallbackExtent(node, trace));
    if (node.parentId !== null) below.set(node.parentId, union(below.get(node.parentId) ?? null, union(own, descendants)));
  }
  return extents;
}

/**
 * The name of a trace's root span, the topmost object's: Jaeger UI titles a trace by it
 * (`<service>: <name>`, in the search results and above the trace), and a search lists one trace
 * per object found, many of them rooted at the same Deployment. So it names the object the trace
 * is about when that is not the topmost one, and the cluster:
 * `ns/web → Pod ns/web-5d887-mrn5h (cluster prod)`, `ns/web (cluster prod)`; both clusters,
 * top's first, on the rare trace that crosses clusters (a parent-link).
 */
export function rootSpanNameOf(top: TraceObject, trace: AssembledTrace): string {
  const queried = trace.nodes.find((node) => node.object.id === trace.queriedObjectId)?.object ?? top;
  const about = queried.id === top.id ? "" : ` → ${serviceNameOf(queried)} ${operationNameOf(queried)}`;
  const cluster = queried.cluster === top.cluster ? `cluster ${top.cluster}` : `clusters ${top.cluster} → ${queried.cluster}`;
  return `${operationNameOf(top)}${about} (${cluster})`;
}

/** The span of an object, without logs; the top one (the root span) named by rootSpanNameOf. */
export function objectSpan(node: TraceNode, trace: AssembledTrace, traceId: string, extent: Extent, isTop: boolean): TraceSpan {
  return {
    spanId: spanIdFor(traceId, node.object.id, "object"),
    parentSpanId: isTop || node.parentId === null ? null : spanIdFor(traceId, node.parentId, "object"),
    name: isTop ? rootSpanNameOf(node.object, trace) : operationNameOf(node.object),
    serviceName: serviceNameOf(node.object),
    start: extent.start,
    duration: extent.end - extent.start,
    attributes: objectAttributes(node, trace),
    logs: [],
    error: false,
    links: [],
  };
}

/** Links from an object span to the spans of its related objects that are in the trace. */
export function relatedLinks(node: TraceNode, inTrace: Set<number>, traceId: string): TraceSpan["links"] {
  return node.related
    .filter((related: RelatedObject) => inTrace.has(related.object.id))
    .map((related) => ({ spanId: spanIdFor(traceId, related.object.id, "object"), kind: related.kind }));
}

/** A span of its own for one entry (tree and timeline modes), with all its attributes. */
export function entrySpan(entry: TraceEntry, traceId: string, parentSpanId: string, serviceName: string, name: string, extra: Record<string, AttributeValue> = {}): TraceSpan {
  return {
    spanId: spanIdFor(traceId, entry.objectId, `entry:${entry.id}`),
    parentSpanId,
    name,
    serviceName,
    start: entry.start,
    duration: Math.max(0, entry.end - entry.start),
    attributes: { ...extra, ...entryAttributes(entry) },
    logs: [],
    error: isFailed(entry),
    links: [],
  };
}

/** The ids of the objects in the trace. */
export function objectIdsOf(trace: AssembledTrace): Set<number> {
  return new Set(trace.nodes.map((node) => node.object.id));
}
