import type { RelationClaim } from "../../model/links/types";

/**
 * The shapes that flow through audit ingestion:
 *   raw JSON  --(eventSchema.ts: parseAuditEvent)-->  AuditEvent
 *   AuditEvent --(convert.ts: convertAuditEvent)-->   ConvertedAuditEvent
 *   ConvertedAuditEvent + previous state --(change.ts: computeChange)--> ObjectChange
 *   everything --(server/store/auditWriter.ts)--> Postgres
 */

/** A plain JSON object (an API object body, a patch, a Status). */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** Identifies the object a request touched, as far as the audit event tells. */
export interface ObjectIdentity {
  /** "" for the core API group. */
  apiGroup: string;
  apiVersion: string;
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  /** e.g. "Deployment", when a body or the resource tells it; else null. */
  kind: string | null;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** From objectRef.uid or a body's metadata.uid; null when unknown (Metadata level). */
  uid: string | null;
}

/** Verbs that change objects and so become history. */
export const WRITE_VERBS = ["create", "update", "patch", "delete", "deletecollection"] as const;
export type WriteVerb = (typeof WRITE_VERBS)[number];

/**
 * The subresources that open a session in a Pod's containers. kubectl sends them as a POST (the
 * audit verb `create`) over SPDY, and since 1.30 as a GET (`get`) over WebSocket: either way a
 * session someone opened, which history keeps, though the second reads like a read.
 */
export const SESSION_SUBRESOURCES: ReadonlySet<string> = new Set(["exec", "attach", "portforward"]);

/** A session's entry while it runs, and once its end is recorded (AuditDetails.session). */
export type SessionState = "open" | "closed";

/** The verbs of history entries: the writes', and `get` for a session opened over WebSocket. */
export type HistoryVerb = WriteVerb | "get";

/**
 * A request that becomes history — a write (create/update/patch/delete/deletecollection), or a
 * session opened in a Pod (SESSION_SUBRESOURCES) — at stage ResponseComplete or Panic; a
 * session also at ResponseStarted, while it is open (details.session).
 */
export interface AuditWrite {
  kind: "write";
  auditId: string;
  stage: string;
  /**
   * requestReceivedTimestamp as the apiserver wrote it (microseconds): with auditId and stage, the
   * event's dedup key (AuditReceipt). The auditID alone names no request for sure: kube-apiserver
   * takes it from the request's Audit-ID header when the client sends one, so two requests may
   * share it, and a write reusing an earlier request's auditID must not pass for its retry.
   */
  requestReceived: string;
  level: "None" | "Metadata" | "Request" | "RequestResponse";
  object: ObjectIdentity;
  verb: HistoryVerb;
  /** "" when none, e.g. "status", "scale". */
  subresource: string;
  startTime: Date;
  endTime: Date;
  /** The impersonated user when there is one, else the authenticated user. */
  actor: string;
  /** `<actor> <verb>[ <subresource>][ (<status text>)]` */
  title: string;
  statusCode: number | null;
  /** True when the write did not happen: statusCode >= 300, or a failed Status answered under a success code (convert.ts). */
  failed: boolean;
  /**
   * True for a dry run (`?dryRun=All`: `kubectl apply --dry-run=server`, `kubectl diff`): the
   * apiserver answered as if it wrote, and stored nothing. Such a write has no body after it.
   */
  dryRun: boolean;
  userAgent: string | null;
  details: AuditDetails;
  /**
   * The object's full body after the request, redacted, when the event carries it:
   * the responseObject when it is the object itself (not a Status), else for
   * create/update the requestObject when it is the object. Null otherwise.
   */
  bodyAfter: JsonObject | null;
  /** For patch requests: the (redacted) patch document, when the event carries it. */
  patch: JsonValue | null;
  /**
   * What a successful write to a subresource whose body is another kind did to its object, as
   * that body tells: a Scale's replicas, a Binding's node. Absent for every other write. Such a
   * body never stands in for the object (bodyAfter is null), but with the object's previous state
   * it tells the state after the write, so that the change is this write's, not the next one's.
   */
  effect?: SubresourceEffect;
  /**
   * What the linkers state of bodyAfter, once run (transactionParts.ts counts the objects they
   * name to size a transaction); the store uses them rather than running the linkers again.
   */
  claims?: RelationClaim[];
}

/**
 * What a subresource write did to its object (AuditWrite.effect):
 * - `scale`: `deployments/scale` and the other built-in scale subresources (kubectl scale, an
 *   HPA): the object's spec.replicas became `replicas`; `resourceVersion` is the Scale
 *   response's, which is the object's own after the write (null at Request level). `madeOn` is
 *   the version the request's Scale names (an HPA's update sends the one it read), which the
 *   apiserver made it on: it refuses the write on any other.
 * - `binding`: `pods/binding` (the scheduler): the apiserver set the Pod's spec.nodeName to
 *   `nodeName`, its PodScheduled condition true as of `at` (whole seconds, as the apiserver
 *   stamps it; null when the request spanned two seconds, so that which one is unknowable),
 *   and copied the Binding's `annotations` onto the Pod's; its `labels` too, in the releases
 *   that do (./apiserverBehaviour.ts), which also clear its status.nominatedNodeName. Both
 *   redacted as the Pod's body would have them.
 * - `eviction`: `pods/eviction` allowed (kubectl drain, the descheduler, autoscalers): the
 *   apiserver made the Pod's DisruptionTarget condition true and deleted it with the Eviction's
 *   DeleteOptions, `gracePeriodSeconds` (null: none given) among them (./eviction.ts).
 */
export type SubresourceEffect =
  | { kind: "scale"; replicas: number; resourceVersion: string | null; madeOn?: string }
  | { kind: "binding"; nodeName: string; at: string | null; annotations?: JsonObject; labels?: JsonObject }
  | { kind: "eviction"; gracePeriodSeconds: number | null };

/** Everything an audit event says beyond the columns, kept as the entry's details. */
export interface AuditDetails {
  user: string;
  groups: string[];
  /** Present when the request was impersonated: the authenticated (original) user. */
  impersonatedBy?: { username: string; groups: string[] };
  sourceIPs: string[];
  requestURI: string;
  annotations: Record<string, string>;
  /** resourceVersion of the previous state we knew (filled by the store) and after the request. */
  resourceVersionBefore?: string;
  resourceVersionAfter?: string;
  /**
   * Set by the store, instead of resourceVersionBefore, when the write arrived after a newer
   * version of its object (batches sent concurrently, a log imported out of order) and the
   * version it was made on could not be rebuilt (lateWrites.ts): that newer version. Such a
   * write has no diff, and does not replace the newer state. A late write that was placed
   * carries no mark: its entry is as if it had arrived in order.
   */
  arrivedAfterResourceVersion?: string;
  /** A dry run (AuditWrite.dryRun): recorded as asked, with nothing changed. */
  dryRun?: true;
  /**
   * A session in a Pod (SESSION_SUBRESOURCES): "open" from its ResponseStarted, until its
   * ResponseComplete (or Panic) closes the same entry, "closed" (server/store/sessionEntries.ts).
   * Absent on every other entry, and on a session refused before it opened.
   */
  session?: SessionState;
  /** For failed requests: from the Status body / responseStatus. */
  failure?: { status?: string; reason?: string; message?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
  /** Patch type from the request, when known (e.g. from requestObject shape or URI). */
  patch?: JsonValue;
}

/** A read (get/list/watch) or other non-history request: only counted. */
export interface AuditRead {
  kind: "read";
  auditId: string;
  stage: string;
  /** requestReceivedTimestamp as written: part of the dedup key (AuditWrite.requestReceived). */
  requestReceived: string;
  /** Start of the minute of requestReceivedTimestamp. */
  minute: Date;
  verb: string;
  resource: string;
  username: string;
  code: number;
}

/** Accepted but not history: noise by configuration, or a stage we don't trace. */
export interface AuditSkipped {
  kind: "skipped";
  auditId: string;
  stage: string;
  /** requestReceivedTimestamp as written: part of the dedup key (AuditWrite.requestReceived). */
  requestReceived: string;
  reason: string;
}

export type ConvertedAuditEvent = AuditWrite | AuditRead | AuditSkipped;

/** One field-level change. `path` like `spec.replicas` or `spec.template.spec.containers[name=nginx].image`. */
export interface DiffEntry {
  path: string;
  /** Absent when the field was added. */
  old?: JsonValue;
  /** Absent when the field was removed. */
  new?: JsonValue;
  /** True when the field is sensitive: old/new are omitted and only the fact of a change is kept. */
  redacted?: true;
}

/** What a write did to an object, computed against the previous known state. */
export interface ObjectChange {
  /** Field-level changes; null when there is nothing to diff (Metadata level, failed request, create/delete). */
  diff: DiffEntry[] | null;
  /** The object's (redacted) body on create and delete. */
  snapshot: JsonObject | null;
  /** An update/patch whose resourceVersion did not change. */
  noop: boolean;
  /** The state to remember as the base of the next diff (null: keep what we had). */
  nextState: JsonObject | null;
  /** Whether the object is gone after this request. */
  deleted: boolean;
}

/**
 * Which fields are sensitive: for objects of `resource` in `apiGroup` ("" core), every value
 * at or below each path is never stored or shown. A path is a list of keys, so keys that
 * contain dots or slashes (annotations) need no escaping; a list met on the way is stepped
 * over, every item followed with the rest of the path.
 */
export interface SensitiveRule {
  apiGroup: string;
  resource: string;
  paths: string[][];
}

/**
 * Turns a sensitive value into a stable, non-reversible fingerprint (a keyed HMAC), so
 * that a later diff can tell that a redacted field changed without ever knowing its value.
 */
export type Fingerprint = (value: JsonValue) => string;

/** The text shown wherever a sensitive value would be. */
export const REDACTED = "<redacted>";

/** What convertAuditEvent needs besides the event. */
export interface ConvertOptions {
  /** Resources whose audit events are noise (default: leases, events). */
  skipResources: Array<{ apiGroup: string; resource: string }>;
  /** User agents containing any of these are noise (default: "/leader-election"). */
  skipUserAgentSubstrings: string[];
  sensitive: SensitiveRule[];
  fingerprint: Fingerprint;
}

/** A JSON object (not an array, not null). */
export function isJsonObject(value: JsonValue | null | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
