/**
 * The names of the attributes Kubetrail puts on spans and span logs: Jaeger shows them as tags
 * and log fields, OTLP as span and event attributes. One name per fact, the same in every
 * display mode and output. Search tags (`cluster`, `kind`, `namespace`, `name`, `uid`, `user`,
 * `userAgent`, `auditID`) use the same names.
 *
 * Object attributes are on the span of an object (or, in the timeline mode, on each entry
 * span, whose object has no span). Entry attributes are on a history entry: a span log in the
 * tracing and grouped modes, a span of its own in the tree and timeline modes. An attribute
 * without a value is left out, never sent empty.
 */
export const ATTR = {
  // --- the object ---
  /** Object: the cluster the object lives in (the `{cluster}` of the audit webhook's URL). */
  cluster: "cluster",
  /** Object: API group, "" for the core group (Pods, Services…). */
  apiGroup: "apiGroup",
  /** Object: API version the object was last seen in, e.g. "v1". */
  apiVersion: "apiVersion",
  /** Object: plural resource, e.g. "deployments". */
  resource: "resource",
  /** Object: kind, e.g. "Deployment" (absent when no source told it). */
  kind: "kind",
  /** Object: namespace (absent for cluster-scoped objects). */
  namespace: "namespace",
  /** Object: name. */
  name: "name",
  /** Object: metadata.uid (absent when no body told it, e.g. Metadata-level audit only). */
  uid: "uid",
  /** Object: Kubetrail's id of the object (objects.id), what trace IDs and links refer to. */
  objectId: "objectID",
  /** Object: when Kubetrail first saw the object, RFC 3339. */
  firstSeen: "firstSeen",
  /** Object: when the object was deleted, RFC 3339 (absent while it exists). */
  deletedAt: "deletedAt",
  /** Object: true on the object the trace was asked for (the others are its relatives). */
  queried: "queried",
  /** Object: the relation to the object of the parent span, e.g. "controller-owner", "endpoint-target". */
  relation: "relation",
  /**
   * Object: prefix of the other relations, one attribute per relation kind: `related.node`
   * on a Pod is its Node, `related.endpoint-target` the EndpointSlices routing to it when the
   * trace places it under its ReplicaSet. Values are `<Kind> <namespace>/<name>`, comma-separated.
   */
  relatedPrefix: "related.",
  /** Object: true when the object has more related objects than a trace lists (e.g. a Node's Pods). */
  relatedTruncated: "relatedTruncated",

  // --- a history entry ---
  /** Entry: its title, e.g. `kube:admin update (Conflict)`; the log's name in Jaeger (OpenTracing's `event` field) and OTLP. */
  event: "event",
  /** Entry: Kubetrail's id of the entry (history_entries.id). */
  entryId: "entryID",
  /** Entry: where it came from: "audit", "event" (a Kubernetes Event), "watch". */
  source: "source",
  /** Entry: who did it — the impersonated user when the request was impersonated, else the authenticated user. */
  user: "user",
  /** Entry: the user's groups, comma-separated. */
  groups: "groups",
  /** Entry: the authenticated user who impersonated `user` (absent when not impersonated). */
  impersonatedBy: "impersonatedBy",
  /** Entry: the groups of the impersonating user, comma-separated (absent when not impersonated). */
  impersonatedByGroups: "impersonatedByGroups",
  /** Entry: request verb: create, update, patch, delete, deletecollection; get for a session opened in a Pod over WebSocket (exec, attach, port-forward). */
  verb: "verb",
  /** Entry: subresource, e.g. "status", "scale" (absent for the object itself). */
  subresource: "subresource",
  /** Entry: HTTP status code of the response, e.g. 200, 409. */
  statusCode: "statusCode",
  /** Entry: the audit event's auditID. */
  auditId: "auditID",
  /** Entry: audit stage the entry was recorded at (ResponseComplete, Panic; ResponseStarted for a session still open). */
  stage: "stage",
  /**
   * Entry: a session in a Pod (exec, attach, port-forward): "open" while only its start is
   * recorded (the span ends where it is known to have run to: when it opened), "closed" once its
   * end is. Absent on every other entry.
   */
  session: "session",
  /** Entry: audit level (Metadata, Request, RequestResponse): below Request there is no diff. */
  level: "level",
  /** Entry: the client's user agent. */
  userAgent: "userAgent",
  /** Entry: source IP addresses of the request, comma-separated. */
  sourceIPs: "sourceIPs",
  /** Entry: the request URI. */
  requestUri: "requestURI",
  /** Entry: resourceVersion before the request (the last state Kubetrail knew). */
  resourceVersionBefore: "resourceVersionBefore",
  /** Entry: resourceVersion after the request. */
  resourceVersionAfter: "resourceVersionAfter",
  /** Entry: the newer resourceVersion Kubetrail already held when this write arrived; a write that came late has no diff. */
  arrivedAfterResourceVersion: "arrivedAfterResourceVersion",
  /** Entry: the field-level changes, one per line: `spec.replicas 3 -> 5`, `spec.x (added) 1`, `data.password (redacted) changed`. */
  diff: "diff",
  /** Entry: the object's full body (secret values redacted), JSON, on create and delete. */
  snapshot: "snapshot",
  /** Entry: the patch document of a patch request (redacted), JSON. */
  patch: "patch",
  /** Entry: true when an update changed nothing (same resourceVersion); false otherwise. */
  noop: "noop",
  /** Entry (log): true for a failed request (status code ≥ 300). Spans carry the same as Jaeger's error=true tag / OTLP status ERROR. */
  error: "error",
  /** Entry: a failed request's Status reason (e.g. "Conflict"), or a Kubernetes Event's reason (e.g. "ScalingReplicaSet"). */
  reason: "reason",
  /** Entry: a failed request's Status message, or a Kubernetes Event's message. */
  message: "message",
  /** Entry: a failed request's Status status (e.g. "Failure"). */
  status: "status",
  /** Entry: a failed request's causes, one per line: `<field>: <reason>: <message>`. */
  causes: "causes",
  /** Entry: a Kubernetes Event's count (how many times it happened). */
  count: "count",
  /** Entry: a Kubernetes Event's type, "Normal" or "Warning". */
  eventType: "eventType",
  /** Entry: the watch event that reported a watch entry: LISTED (already there when listed), ADDED, MODIFIED, DELETED, GONE (deleted while not watched). */
  watchEvent: "watchEvent",
  /** Entry: a watch entry's field managers, comma-separated: those of the object's managedFields with the latest time (who wrote that version). */
  managers: "managers",
  /** Entry: that latest managedFields time, RFC 3339. */
  managedAt: "managedAt",
  /** Entry: where the diff comes from when it is not the entry's own: "watch" on an audit entry showing the diff its watch twin (the same write, seen by a watch) recorded. */
  diffFrom: "diffFrom",
  /** Entry: the history_entries.id of that watch entry. */
  diffFromEntryId: "diffFromEntryID",
  /** Entry: prefix of the audit event's annotations, e.g. `annotation.authorization.k8s.io/decision`. */
  annotationPrefix: "annotation.",
  /** Entry: prefix of anything else a source recorded that has no name above, e.g. `detail.reportingController`. */
  detailPrefix: "detail.",
} as const;

export type AttributeName = (typeof ATTR)[keyof typeof ATTR];

/** Name of the child span that holds an object's audit entries in the grouped mode (and of other non-Event sources: "watch"). */
export const GROUP_SPAN_NAME: Record<"audit" | "watch", string> = { audit: "audit", watch: "watch" };
