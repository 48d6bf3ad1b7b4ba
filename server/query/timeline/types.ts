import type { JsonObject, JsonValue, SessionState } from "../../ingest/audit/types";
import type { HistorySource } from "../trace/assembled";
import type { RelationMode } from "../trace/types";

/**
 * The object page's payload (objects.timeline, objects.entry), as its client reads it: plain
 * JSON, built by payload.ts. Free of server code, so that the dashboard's client components
 * import it. Times are integer microseconds since the epoch, in fields named `…Micros`.
 */

/**
 * How a history entry is drawn: what it did, or that it failed / changed nothing. `connect` is a
 * session opened through the object (exec, attach, port-forward, proxy), not a write to it.
 */
export const MARK_KINDS = ["create", "update", "patch", "delete", "connect", "failed", "noop", "event"] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

/** An object as a row names it. `kind` is the display kind: "Pod", "Rollout.argoproj.io". */
export interface TimelineObject {
  id: number;
  cluster: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string | null;
}

/** When the object existed, as far as Kubetrail saw it. */
export interface TimelineLifetime {
  firstSeenMicros: number;
  lastSeenMicros: number;
  /** Null while the object exists. */
  deletedAtMicros: number | null;
}

/** A failed request's Status: why the write did not happen. */
export interface TimelineFailure {
  status: string | null;
  reason: string | null;
  message: string | null;
  /** `<field>: <reason>: <message>`, one per cause. */
  causes: string[];
}

/** The type of a Kubernetes Event that reports a problem (core/v1 EventTypeWarning); the other is "Normal". */
export const WARNING_EVENT_TYPE = "Warning";

/** What a lane needs of a Kubernetes Event to draw and name its mark. */
export interface TimelineEventSummary {
  /** Why it happened, in one word: `FailedScheduling`, `Killing`; null when the reporter gave none. */
  reason: string | null;
  /** `Normal` or `Warning` (or what else a reporter wrote); null when none. */
  type: string | null;
  /** How many times it happened (at least 1), as kubectl counts: the series', else the Event's count. */
  count: number;
}

/** The object an Event names besides the one it is about (`related`, e.g. a Pod's Node); any part may be missing. */
export interface TimelineEventRelated {
  kind: string | null;
  /** `apps/v1`: which group, when a kind is served by more than one. */
  apiVersion: string | null;
  namespace: string | null;
  name: string | null;
  uid: string | null;
}

/** Everything a Kubernetes Event said, for the side panel (server/ingest/events/observeEvent.ts stores it). */
export interface TimelineEventDetails extends TimelineEventSummary {
  /** The Event's message (core/v1 `message`, events.k8s.io `note`) with its line breaks, cut at 8 KiB. */
  message: string | null;
  /** The message's size in bytes when it was longer than what is kept; null when whole. */
  messageCutFromBytes: number | null;
  /** What was done or failed (events.k8s.io `action`: `Scheduling`, `Binding`). */
  action: string | null;
  /** The component that reported it: the entry's actor (`default-scheduler`, `kubelet`). */
  reportedBy: string;
  /** Which instance of it (`reportingInstance`: the scheduler's leader, a kubelet's Node). */
  reportingInstance: string | null;
  /** The older recorder's `source.host`: the Node the kubelet runs on. */
  host: string | null;
  /** The part of the object it is about: `spec.containers{apiserver}`. */
  fieldPath: string | null;
  /** When it first happened (firstTimestamp, else eventTime, the newer recorder's first occurrence); null when not told. */
  firstMicros: number | null;
  /** The newer recorder's repeats: how many, and when the last one was. Null for a singleton or the older recorder. */
  series: { count: number | null; lastObservedMicros: number | null } | null;
  related: TimelineEventRelated | null;
  /** The Event object itself, which lives in its own namespace and expires (an hour by default). */
  eventObject: { namespace: string | null; name: string | null; uid: string | null };
}

/**
 * What a watch reported (server/plugins/types.ts ObservedHistoryEntry, source "watch"): the
 * object LISTED (already there), ADDED, MODIFIED, DELETED, or GONE (deleted while not watched).
 */
export const WATCH_EVENTS = ["LISTED", "ADDED", "MODIFIED", "DELETED", "GONE"] as const;
export type WatchEventType = (typeof WATCH_EVENTS)[number];

/** What a lane needs of a watch entry to draw and name its mark. */
export interface TimelineWatchSummary {
  /** Null when the entry names none of WATCH_EVENTS. */
  event: WatchEventType | null;
  /** The field managers of the version (those of its managedFields with the latest time): who wrote it. */
  managers: string[];
  /** The subresource their managedFields entry names (`status`); null for the object itself. */
  subresource: string | null;
}

/** Everything a watch entry said, for the side panel. */
export interface TimelineWatchDetails extends TimelineWatchSummary {
  /** When the managers wrote it (their managedFields time, whole seconds); null when not told. */
  managedAtMicros: number | null;
  /** The version the watch saw before this one; null on first sight. */
  resourceVersionBefore: string | null;
  resourceVersionAfter: string | null;
}

/** One history entry on a lane: enough for its mark, its tooltip and a list of what it changed. */
export interface TimelineEntry {
  /** history_entries.id: what `objects.entry` takes. */
  id: number;
  startMicros: number;
  endMicros: number;
  mark: MarkKind;
  source: HistorySource;
  verb: string;
  /** "" when none. */
  subresource: string;
  title: string;
  /** The impersonated user when the request was impersonated, else the authenticated one. */
  actor: string;
  /** The authenticated user who impersonated `actor`; null when not impersonated. */
  impersonator: string | null;
  userAgent: string | null;
  statusCode: number | null;
  failure: TimelineFailure | null;
  /** `path old -> new`, at most LIST_DIFF_LINES (see diffLineCount). */
  diff: string[];
  /** How many diff lines the entry has in all. */
  diffLineCount: number;
  /** Whether the entry holds the object's body (creates and deletes); `objects.entry` returns it. */
  hasSnapshot: boolean;
  /** A Kubernetes Event's reason, type and count (mark "event"); null for any other entry. */
  event: TimelineEventSummary | null;
  /** What a watch reported (source "watch"); null for any other entry. */
  watch: TimelineWatchSummary | null;
  /**
   * "watch" when the diff is not the entry's own but the one a watch recorded for the same write
   * (an audit entry that had none: server/query/trace/watchTwins.ts); null when it is its own.
   */
  diffFrom: "watch" | null;
  /**
   * A session in a Pod (exec, attach, port-forward): "open" while no end of it is recorded (its
   * ResponseStarted only), when the lane draws it to the range's end or now, whichever is first;
   * "closed" once its end is. Null for any other entry.
   */
  session: SessionState | null;
}

/** Another object a row's object is related to besides its place in the tree (a Pod's Node). */
export interface TimelineRelated {
  /** The relation kind, e.g. "node", "endpoint-target". */
  relation: string;
  /** "parent": the other object is the relation's parent side (a Pod's Node is its parent). */
  role: "parent" | "child";
  object: TimelineObject;
}

/** One object of the hierarchy, in tree order. */
export interface TimelineRow {
  object: TimelineObject;
  /** 0 for the topmost row, its children 1, …: the indentation. */
  depth: number;
  /** objects.id of the row above it in the tree; null for the topmost. */
  parentId: number | null;
  /** The relation to that parent, e.g. "controller-owner"; null for the topmost. */
  relation: string | null;
  /** The object the page is about. */
  queried: boolean;
  lifetime: TimelineLifetime;
  /** Oldest first. */
  entries: TimelineEntry[];
  related: TimelineRelated[];
  /** More related objects exist than are listed (a Node's Pods). */
  relatedTruncated: boolean;
}

export interface TimelineRange {
  startMicros: number;
  endMicros: number;
  /** True when no range was asked: the object's lifetime with a margin (lifetimeRange). */
  fromLifetime: boolean;
}

export interface Timeline {
  /** objects.id of the object the page is about: the one asked, or the row an alias names. */
  objectId: number;
  /** The id asked for; differs from objectId when that object was merged into another. */
  requestedId: number;
  relations: RelationMode;
  /** Relation hops followed (limited to the configured maximum). */
  depth: number;
  range: TimelineRange;
  rows: TimelineRow[];
  /** Rows left out past MAX_TIMELINE_ROWS (the end of the tree order). */
  omittedRows: number;
}

/** What `objects.entry` returns for the side panel: the whole entry, snapshot included. */
export interface TimelineEntryDetails extends TimelineEntry {
  object: TimelineObject;
  /** Every diff line. */
  diff: string[];
  /** The object's body on create and delete, as stored (secret values `<redacted>`). */
  snapshot: JsonObject | null;
  /** The patch document of a patch request, as stored (redacted). */
  patch: JsonValue | null;
  /** The audit event's annotations, e.g. authorization.k8s.io/decision. */
  annotations: Record<string, string>;
  request: {
    auditId: string | null;
    stage: string | null;
    level: string | null;
    /** With its secrets cut out (model/redact/requestUri.ts), also for rows stored before ingest did that. */
    requestUri: string | null;
    /** The command of an exec, one argument each, from the (redacted) request URI's `command` parameters in order; empty for other entries. */
    command: string[];
    sourceIps: string[];
    groups: string[];
    impersonatorGroups: string[];
    resourceVersionBefore: string | null;
    resourceVersionAfter: string | null;
    /** Set when the write came after a newer version of its object and has no diff. */
    arrivedAfterResourceVersion: string | null;
    /** The watch entry (history_entries.id) whose diff the entry shows (diffFrom "watch"); null otherwise. */
    diffFromEntryId: number | null;
    dryRun: boolean;
  };
  /** A Kubernetes Event's own fields; null for any other entry. */
  event: TimelineEventDetails | null;
  /** A watch entry's own fields; null for any other entry. */
  watch: TimelineWatchDetails | null;
  /** What else the source recorded, beyond the fields named above. */
  other: Record<string, JsonValue>;
}
