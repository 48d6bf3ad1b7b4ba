import { z } from "zod";
import { describeIssue, describeValue, formatIssues, isStorableRfc3339 } from "../audit/eventSchema";

/**
 * A Kubernetes Event as either API serves it — core/v1 `Event` or events.k8s.io/v1 `Event` (and
 * v1beta1, the same fields) — validated and read into one shape. The two are views of one stored
 * object: the apiserver converts field by field (pkg/apis/events/v1/conversion.go: involvedObject
 * ↔ regarding, message ↔ note, source ↔ deprecatedSource, count ↔ deprecatedCount,
 * first/lastTimestamp ↔ deprecatedFirst/LastTimestamp; core's `reportingComponent` is Go's
 * ReportingController), so an Event read through either gives the same KubernetesEvent.
 *
 * Lenient where the API is (nearly every field may be absent or null; fields we don't know pass
 * through), strict about what an entry needs: the regarded object's kind and name, and times
 * that are times.
 */

export const CORE_EVENT_API_VERSION = "v1";
export const EVENTS_API_VERSIONS = ["events.k8s.io/v1", "events.k8s.io/v1beta1"] as const;
const KNOWN_API_VERSIONS = [CORE_EVENT_API_VERSION, ...EVENTS_API_VERSIONS];

export type EventApiVersion = typeof CORE_EVENT_API_VERSION | (typeof EVENTS_API_VERSIONS)[number];

/** The object an Event is about (core/v1 ObjectReference): kind and name always, the rest as given. */
export interface RegardedObject {
  kind: string;
  name: string;
  /** Null when absent or "". */
  apiVersion: string | null;
  namespace: string | null;
  uid: string | null;
  resourceVersion: string | null;
  /** The part of the object, e.g. `spec.containers{apiserver}`. */
  fieldPath: string | null;
}

/** A second object an Event names (`related`, e.g. a Pod's Node); any field may be missing. */
export type RelatedObject = { [F in keyof RegardedObject]: string | null };

/** An Event read from either API, in the names of neither: absent fields are null. */
export interface KubernetesEvent {
  /** What the Event said or the caller hinted, else what its fields tell. */
  apiVersion: EventApiVersion;
  metadata: {
    namespace: string | null;
    name: string | null;
    uid: string | null;
    resourceVersion: string | null;
    creationTimestamp: string | null;
  };
  regarding: RegardedObject;
  related: RelatedObject | null;
  reason: string | null;
  /** core/v1 `message`, events.k8s.io `note`. */
  message: string | null;
  type: string | null;
  action: string | null;
  /** core/v1 `reportingComponent`, events.k8s.io `reportingController`. */
  reportingController: string | null;
  reportingInstance: string | null;
  /** core/v1 `source`, events.k8s.io `deprecatedSource`: the older recorder's reporter. */
  source: { component: string | null; host: string | null };
  /** MicroTime: the first occurrence, as the newer recorder (client-go tools/events) writes it. */
  eventTime: string | null;
  /** core/v1 `firstTimestamp` / `lastTimestamp` (events.k8s.io `deprecated…`): the older recorder's, whole seconds. */
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  /** core/v1 `count`, events.k8s.io `deprecatedCount`: the older recorder's occurrences. */
  count: number | null;
  /** The newer recorder's repeats: how many, and the last one's time. */
  series: { count: number | null; lastObservedTime: string | null } | null;
}

export type ParsedKubernetesEvent = { ok: true; event: KubernetesEvent } | { ok: false; problem: string };

/** metav1.Time / MicroTime as the apiserver writes them (RFC 3339; MicroTime with 6 fractional digits). */
const time = z.string().refine(isStorableRfc3339, { error: (issue) => `not a time (RFC 3339, years 0001–9999): ${describeValue(issue.input)}` });

/** Go's int32, as Event counts are. */
const int32 = z
  .number()
  .int()
  .refine((n) => n >= -(2 ** 31) && n < 2 ** 31, { error: "not a 32-bit integer" });

const text = z.string().nullish();

const regardedObjectSchema = z.looseObject({
  kind: z.string().min(1),
  name: z.string().min(1),
  apiVersion: text,
  namespace: text,
  uid: text,
  resourceVersion: text,
  fieldPath: text,
});

// Only informative (a Pod's Node, a Deployment's ReplicaSet): nothing in it is required.
const relatedObjectSchema = z.looseObject({
  kind: text,
  name: text,
  apiVersion: text,
  namespace: text,
  uid: text,
  resourceVersion: text,
  fieldPath: text,
});

const metadataSchema = z.looseObject({
  namespace: text,
  name: text,
  uid: text,
  resourceVersion: text,
  creationTimestamp: time.nullish(),
});

const eventSourceSchema = z.looseObject({ component: text, host: text });
const seriesSchema = z.looseObject({ count: int32.nullish(), lastObservedTime: time.nullish() });

/** The fields both APIs name alike. */
const sharedFields = {
  kind: z.literal("Event", { error: (issue) => `expected "Event", got ${describeValue(issue.input)}` }).optional(),
  apiVersion: z.string().optional(),
  metadata: metadataSchema.nullish(),
  related: relatedObjectSchema.nullish(),
  reason: text,
  type: text,
  action: text,
  reportingInstance: text,
  eventTime: time.nullish(),
  series: seriesSchema.nullish(),
};

const coreEventSchema = z.looseObject({
  ...sharedFields,
  involvedObject: regardedObjectSchema,
  message: text,
  reportingComponent: text,
  source: eventSourceSchema.nullish(),
  firstTimestamp: time.nullish(),
  lastTimestamp: time.nullish(),
  count: int32.nullish(),
});

const eventsApiEventSchema = z.looseObject({
  ...sharedFields,
  regarding: regardedObjectSchema,
  note: text,
  reportingController: text,
  deprecatedSource: eventSourceSchema.nullish(),
  deprecatedFirstTimestamp: time.nullish(),
  deprecatedLastTimestamp: time.nullish(),
  deprecatedCount: int32.nullish(),
});

type CoreEventFields = z.infer<typeof coreEventSchema>;
type EventsApiEventFields = z.infer<typeof eventsApiEventSchema>;
type SharedFields = Pick<CoreEventFields, keyof typeof sharedFields>;

/**
 * Validates one Event of either API; never throws, and a problem names the field as the input
 * spelled it (`involvedObject.name: required`, `deprecatedLastTimestamp: not a time …`).
 *
 * Which API: the Event's own apiVersion, else `hint.apiVersion` (a list's: the API leaves
 * kind and apiVersion out of list items), else its fields (`involvedObject` or `regarding`).
 */
export function parseKubernetesEvent(raw: unknown, hint?: { apiVersion?: string }): ParsedKubernetesEvent {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, problem: `event: expected an object, got ${describeValue(raw)}` };
  const fields = raw as Record<string, unknown>;
  const apiVersion = apiVersionOf(fields, hint);
  if (!apiVersion.ok) return apiVersion;
  try {
    if (apiVersion.value === CORE_EVENT_API_VERSION) {
      const result = coreEventSchema.safeParse(raw, { error: describeIssue });
      return result.success ? { ok: true, event: fromCoreEvent(result.data) } : { ok: false, problem: formatIssues(result.error.issues) };
    }
    const result = eventsApiEventSchema.safeParse(raw, { error: describeIssue });
    return result.success ? { ok: true, event: fromEventsApiEvent(result.data, apiVersion.value) } : { ok: false, problem: formatIssues(result.error.issues) };
  } catch (error) {
    // Only a value no JSON document makes (a getter that throws, a Proxy) gets here.
    return { ok: false, problem: `event: could not be read (${(error as Error).message})` };
  }
}

function apiVersionOf(fields: Record<string, unknown>, hint: { apiVersion?: string } | undefined): { ok: true; value: EventApiVersion } | { ok: false; problem: string } {
  const own = fields.apiVersion;
  const given = own !== undefined ? own : hint?.apiVersion;
  if (given !== undefined) {
    if (typeof given === "string" && (KNOWN_API_VERSIONS as readonly string[]).includes(given)) return { ok: true, value: given as EventApiVersion };
    const whose = own !== undefined ? "" : " (the hint's)";
    return { ok: false, problem: `apiVersion: expected ${KNOWN_API_VERSIONS.join(", ")}, got ${describeValue(given)}${whose}` };
  }
  const core = fields.involvedObject !== undefined;
  const eventsApi = fields.regarding !== undefined;
  if (core && !eventsApi) return { ok: true, value: CORE_EVENT_API_VERSION };
  if (eventsApi && !core) return { ok: true, value: EVENTS_API_VERSIONS[0] };
  return {
    ok: false,
    problem: core ? "apiVersion: required when an event has both involvedObject and regarding" : "involvedObject: required (or regarding, for events.k8s.io)",
  };
}

/** "" reads as absent: Go writes empty strings that omitempty did not drop (`reportingComponent: ""`). */
const present = (value: string | null | undefined): string | null => (value === undefined || value === null || value === "" ? null : value);

function fromCoreEvent(e: CoreEventFields): KubernetesEvent {
  return {
    ...fromSharedFields(e, CORE_EVENT_API_VERSION),
    regarding: regardedObject(e.involvedObject),
    message: present(e.message),
    reportingController: present(e.reportingComponent),
    source: { component: present(e.source?.component), host: present(e.source?.host) },
    firstTimestamp: present(e.firstTimestamp),
    lastTimestamp: present(e.lastTimestamp),
    count: e.count ?? null,
  };
}

function fromEventsApiEvent(e: EventsApiEventFields, apiVersion: EventApiVersion): KubernetesEvent {
  return {
    ...fromSharedFields(e, apiVersion),
    regarding: regardedObject(e.regarding),
    message: present(e.note),
    reportingController: present(e.reportingController),
    source: { component: present(e.deprecatedSource?.component), host: present(e.deprecatedSource?.host) },
    firstTimestamp: present(e.deprecatedFirstTimestamp),
    lastTimestamp: present(e.deprecatedLastTimestamp),
    count: e.deprecatedCount ?? null,
  };
}

function fromSharedFields(e: SharedFields, apiVersion: EventApiVersion) {
  return {
    apiVersion,
    metadata: {
      namespace: present(e.metadata?.namespace),
      name: present(e.metadata?.name),
      uid: present(e.metadata?.uid),
      resourceVersion: present(e.metadata?.resourceVersion),
      creationTimestamp: present(e.metadata?.creationTimestamp),
    },
    related: e.related ? relatedObject(e.related) : null,
    reason: present(e.reason),
    type: present(e.type),
    action: present(e.action),
    reportingInstance: present(e.reportingInstance),
    eventTime: present(e.eventTime),
    series: e.series ? { count: e.series.count ?? null, lastObservedTime: present(e.series.lastObservedTime) } : null,
  };
}

function regardedObject(ref: z.infer<typeof regardedObjectSchema>): RegardedObject {
  return { ...relatedObject(ref), kind: ref.kind, name: ref.name };
}

function relatedObject(ref: z.infer<typeof relatedObjectSchema>): RelatedObject {
  return {
    kind: present(ref.kind),
    name: present(ref.name),
    apiVersion: present(ref.apiVersion),
    namespace: present(ref.namespace),
    uid: present(ref.uid),
    resourceVersion: present(ref.resourceVersion),
    fieldPath: present(ref.fieldPath),
  };
}
