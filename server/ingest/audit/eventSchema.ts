import { z } from "zod";
import type { JsonValue } from "./types";
import { isCalendarDate } from "../../model/time/calendarDate";
import { isStorableMs } from "../../store/storableTime";

/**
 * The kube-apiserver audit `Event` (audit.k8s.io/v1 and v1beta1) and the `EventList` envelope
 * the webhook backend posts. Lenient about fields we don't use (clusters add their own, old
 * versions lack some), strict about the ones conversion relies on, and never throwing: one bad
 * event must not sink a batch.
 */

export const AUDIT_API_VERSIONS = ["audit.k8s.io/v1", "audit.k8s.io/v1beta1"] as const;
export const AUDIT_STAGES = ["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"] as const;
export const AUDIT_LEVELS = ["None", "Metadata", "Request", "RequestResponse"] as const;

export type AuditStage = (typeof AUDIT_STAGES)[number];
export type AuditLevel = (typeof AUDIT_LEVELS)[number];

// RFC 3339 as the apiserver writes it (metav1.MicroTime: up to 9 fractional digits, usually 6).
const RFC3339 = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** An RFC 3339 time as the apiserver writes it, that the store can hold. */
export function isStorableRfc3339(text: string): boolean {
  if (!RFC3339.test(text) || !isCalendarDate(text)) return false;
  // Outside the store's years, such a time failed the whole batch, which the apiserver then resent
  // forever; now it is its own event's error. Date.parse is NaN when V8 cannot read it.
  return isStorableMs(Date.parse(text));
}

const rfc3339Time = z.string().refine(isStorableRfc3339, { error: "not an RFC 3339 time of a real date in the years 0001–9999 (UTC)" });

/**
 * Deeper than any real object, and shallow enough for every recursive walk a body meets later
 * (diff, redaction, JSON.stringify for the store), which would otherwise overflow the stack
 * there and fail the whole batch instead of this one event.
 */
const MAX_BODY_DEPTH = 1000;

const hasOwnProperty = Object.prototype.hasOwnProperty;

/**
 * Whether `value` is JSON: finite numbers, plain objects and arrays all the way down. Runs on
 * every body of every event, so it allocates nothing. Throws (a RangeError, like a stack
 * overflow) for a value nested deeper than MAX_BODY_DEPTH, or cyclic.
 */
function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth === MAX_BODY_DEPTH) throw new RangeError(`nested more than ${MAX_BODY_DEPTH} levels deep, or cyclic`);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          // A hole (never from JSON.parse) is no value, as for Array.prototype.every.
          if (!isJsonValue(value[i], depth + 1) && i in value) return false;
        }
        return true;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) {
        if (hasOwnProperty.call(value, key) && !isJsonValue((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// Request/response bodies are kept as they are; a JSON patch is an array, so not only objects.
const jsonBody = z.custom<JsonValue>((value) => isJsonValue(value), { error: "not a JSON value" });

/** The message for a value outside `values`: "required" when absent, else the list. */
function oneOf(values: readonly string[]) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? "required" : `expected one of ${values.join("|")}`);
}

const userInfoSchema = z.looseObject({
  username: z.string(),
  uid: z.string().optional(),
  groups: z.array(z.string()).nullish(),
  extra: z.record(z.string(), z.array(z.string())).nullish(),
});

const objectRefSchema = z.looseObject({
  resource: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiGroup: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  subresource: z.string().optional(),
});

const statusCauseSchema = z.looseObject({
  reason: z.string().optional(),
  message: z.string().optional(),
  field: z.string().optional(),
});

/** Go's int32, as metav1.Status.Code is, and the store's integer column: a code beyond it failed its whole batch. */
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const isInt32 = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX;

const responseStatusSchema = z.looseObject({
  code: z.number().int().refine(isInt32, { error: "not a 32-bit integer" }).optional(),
  status: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  details: z.looseObject({ causes: z.array(statusCauseSchema).nullish() }).nullish(),
});

export type AuditUserInfo = z.infer<typeof userInfoSchema>;
export type AuditObjectRef = z.infer<typeof objectRefSchema>;
export type AuditResponseStatus = z.infer<typeof responseStatusSchema>;

/** A validated audit event, normalised: absent optional parts are null/empty, times resolved. */
export interface AuditEvent {
  /** Null when absent (items of an EventList and some old log files leave it out). */
  apiVersion: string | null;
  auditID: string;
  stage: AuditStage;
  level: AuditLevel;
  verb: string;
  /** "" when absent. */
  requestURI: string;
  /** The authenticated user. */
  user: AuditUserInfo;
  impersonatedUser: AuditUserInfo | null;
  sourceIPs: string[];
  userAgent: string | null;
  /** Null for non-resource URLs such as /healthz. */
  objectRef: AuditObjectRef | null;
  responseStatus: AuditResponseStatus | null;
  requestObject: JsonValue | null;
  responseObject: JsonValue | null;
  annotations: Record<string, string>;
  /**
   * As written by the apiserver, keeping its microseconds (a Date keeps only milliseconds).
   * Old v1beta1 events without it fall back to their `timestamp`.
   */
  requestReceivedTimestamp: string;
  requestReceivedTime: Date;
  /** As written; falls back like requestReceivedTimestamp, then to it (one-time events read as instant). */
  stageTimestamp: string;
  stageTime: Date;
}

const eventSchema = z
  .looseObject({
    kind: z.literal("Event", { error: 'expected "Event"' }).optional(),
    apiVersion: z.enum(AUDIT_API_VERSIONS, { error: `expected ${AUDIT_API_VERSIONS.join(" or ")}` }).optional(),
    auditID: z.string().min(1),
    stage: z.enum(AUDIT_STAGES, { error: oneOf(AUDIT_STAGES) }),
    level: z.enum(AUDIT_LEVELS, { error: oneOf(AUDIT_LEVELS) }),
    verb: z.string().min(1),
    requestURI: z.string().optional(),
    user: userInfoSchema,
    impersonatedUser: userInfoSchema.nullish(),
    sourceIPs: z.array(z.string()).nullish(),
    userAgent: z.string().optional(),
    objectRef: objectRefSchema.nullish(),
    responseStatus: responseStatusSchema.nullish(),
    requestObject: jsonBody.optional(),
    responseObject: jsonBody.optional(),
    annotations: z.record(z.string(), z.string()).nullish(),
    requestReceivedTimestamp: rfc3339Time.optional(),
    stageTimestamp: rfc3339Time.optional(),
    // v1beta1 only: the time the event was made, second precision.
    timestamp: rfc3339Time.optional(),
    metadata: z.looseObject({ creationTimestamp: rfc3339Time.nullish() }).nullish(),
  })
  .transform((e, ctx): AuditEvent => {
    const received = e.requestReceivedTimestamp ?? e.timestamp ?? e.metadata?.creationTimestamp ?? undefined;
    if (received === undefined) {
      ctx.addIssue({ code: "custom", path: ["requestReceivedTimestamp"], message: "required (and no v1beta1 timestamp to fall back to)" });
      return z.NEVER;
    }
    const stage = e.stageTimestamp ?? received;
    return {
      apiVersion: e.apiVersion ?? null,
      auditID: e.auditID,
      stage: e.stage,
      level: e.level,
      verb: e.verb,
      requestURI: e.requestURI ?? "",
      user: e.user,
      impersonatedUser: e.impersonatedUser ?? null,
      sourceIPs: e.sourceIPs ?? [],
      userAgent: e.userAgent ?? null,
      objectRef: e.objectRef ?? null,
      responseStatus: e.responseStatus ?? null,
      requestObject: e.requestObject ?? null,
      responseObject: e.responseObject ?? null,
      annotations: e.annotations ?? {},
      requestReceivedTimestamp: received,
      requestReceivedTime: new Date(received),
      stageTimestamp: stage,
      stageTime: new Date(stage),
    };
  });

export type ParsedAuditEvent = { ok: true; event: AuditEvent } | { ok: false; auditId: string | null; error: string };

/**
 * Validates one raw audit event. Never throws; the error names the offending field(s).
 *
 * Nearly every event is well formed, and zod's general machinery cost more per event than
 * parsing it (about 10 µs of the ingest's ~120 µs of server CPU). So a hand-written check of the
 * same rules goes first; on anything it does not accept plainly, the schema above decides, and
 * words the error. eventSchema.test.ts holds the two to the same results on real events and on
 * every field made wrong in turn.
 */
export function parseAuditEvent(raw: unknown): ParsedAuditEvent {
  const wellFormed = readWellFormedEvent(raw);
  if (wellFormed !== null) return { ok: true, event: wellFormed };
  return parseWithSchema(raw);
}

/** parseAuditEvent by the schema alone (exported for the test that holds the fast path to it). */
export function parseWithSchema(raw: unknown): ParsedAuditEvent {
  let result: ReturnType<typeof eventSchema.safeParse>;
  try {
    result = eventSchema.safeParse(raw, { error: describeIssue });
  } catch (error) {
    // Only a body nested past the stack (or cyclic, when not from JSON) gets here.
    return { ok: false, auditId: auditIdOf(raw), error: `event: could not be read (${(error as Error).message})` };
  }
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, auditId: auditIdOf(raw), error: formatIssues(result.error.issues) };
}

// The fast path: what the schema accepts, checked by hand. Null means "not plainly well formed":
// the schema then decides. It returns the event's own parts where the schema returns copies
// (equal in value; nothing downstream mutates them).

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isOptionalString = (value: unknown) => value === undefined || typeof value === "string";
const isNullishString = (value: unknown) => value === undefined || value === null || typeof value === "string";

function isStringArray(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== "string") return false;
  return true;
}

function isStringRecord(value: unknown, isValue: (v: unknown) => boolean): boolean {
  if (!isObject(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (hasOwnProperty.call(value, key) && !isValue(value[key])) return false;
  return true;
}

const isNullish = (value: unknown) => value === undefined || value === null;

function isRfc3339(value: unknown): value is string {
  return typeof value === "string" && isStorableRfc3339(value);
}

function isUserInfo(value: unknown): value is AuditUserInfo {
  return (
    isObject(value) &&
    typeof value.username === "string" &&
    isOptionalString(value.uid) &&
    (isNullish(value.groups) || isStringArray(value.groups)) &&
    (isNullish(value.extra) || isStringRecord(value.extra, isStringArray))
  );
}

const OBJECT_REF_FIELDS = ["resource", "namespace", "name", "uid", "apiGroup", "apiVersion", "resourceVersion", "subresource"] as const;

function isObjectRef(value: unknown): value is AuditObjectRef {
  if (!isObject(value)) return false;
  for (const field of OBJECT_REF_FIELDS) if (!isOptionalString(value[field])) return false;
  return true;
}

function isStatusCause(value: unknown): boolean {
  return isObject(value) && isOptionalString(value.reason) && isOptionalString(value.message) && isOptionalString(value.field);
}

function isResponseStatus(value: unknown): value is AuditResponseStatus {
  if (!isObject(value)) return false;
  if (value.code !== undefined && !isInt32(value.code)) return false;
  if (!isOptionalString(value.status) || !isOptionalString(value.reason) || !isOptionalString(value.message)) return false;
  const details = value.details;
  if (isNullish(details)) return true;
  if (!isObject(details)) return false;
  const causes = details.causes;
  return isNullish(causes) || (Array.isArray(causes) && causes.every(isStatusCause));
}

function isOptionalBody(value: unknown): boolean {
  if (value === undefined) return true;
  try {
    return isJsonValue(value);
  } catch {
    return false;
  }
}

export function readWellFormedEvent(raw: unknown): AuditEvent | null {
  if (!isObject(raw)) return null;
  const e = raw;
  if (e.kind !== undefined && e.kind !== "Event") return null;
  if (e.apiVersion !== undefined && !(AUDIT_API_VERSIONS as readonly unknown[]).includes(e.apiVersion)) return null;
  if (typeof e.auditID !== "string" || e.auditID === "" || typeof e.verb !== "string" || e.verb === "") return null;
  if (!(AUDIT_STAGES as readonly unknown[]).includes(e.stage) || !(AUDIT_LEVELS as readonly unknown[]).includes(e.level)) return null;
  if (!isOptionalString(e.requestURI) || !isOptionalString(e.userAgent)) return null;
  if (!isUserInfo(e.user) || !(isNullish(e.impersonatedUser) || isUserInfo(e.impersonatedUser))) return null;
  if (!(isNullish(e.sourceIPs) || isStringArray(e.sourceIPs))) return null;
  if (!(isNullish(e.objectRef) || isObjectRef(e.objectRef))) return null;
  if (!(isNullish(e.responseStatus) || isResponseStatus(e.responseStatus))) return null;
  if (!(isNullish(e.annotations) || isStringRecord(e.annotations, (v) => typeof v === "string"))) return null;
  if (!isOptionalBody(e.requestObject) || !isOptionalBody(e.responseObject)) return null;
  for (const field of ["requestReceivedTimestamp", "stageTimestamp", "timestamp"] as const) {
    if (e[field] !== undefined && !isRfc3339(e[field])) return null;
  }
  const metadata = e.metadata;
  if (!isNullish(metadata) && !(isObject(metadata) && (isNullish(metadata.creationTimestamp) || isRfc3339(metadata.creationTimestamp)))) return null;
  const received = (e.requestReceivedTimestamp ?? e.timestamp ?? (isObject(metadata) ? metadata.creationTimestamp ?? undefined : undefined)) as string | undefined;
  if (received === undefined) return null;
  const stage = (e.stageTimestamp as string | undefined) ?? received;
  return {
    apiVersion: (e.apiVersion as string | undefined) ?? null,
    auditID: e.auditID,
    stage: e.stage as AuditStage,
    level: e.level as AuditLevel,
    verb: e.verb,
    requestURI: (e.requestURI as string | undefined) ?? "",
    user: e.user,
    impersonatedUser: (e.impersonatedUser as AuditUserInfo | null | undefined) ?? null,
    sourceIPs: (e.sourceIPs as string[] | null | undefined) ?? [],
    userAgent: (e.userAgent as string | undefined) ?? null,
    objectRef: (e.objectRef as AuditObjectRef | null | undefined) ?? null,
    responseStatus: (e.responseStatus as AuditResponseStatus | null | undefined) ?? null,
    requestObject: (e.requestObject as JsonValue | undefined) ?? null,
    responseObject: (e.responseObject as JsonValue | undefined) ?? null,
    annotations: (e.annotations as Record<string, string> | null | undefined) ?? {},
    requestReceivedTimestamp: received,
    requestReceivedTime: new Date(received),
    stageTimestamp: stage,
    stageTime: new Date(stage),
  };
}

export type ParsedEventList = { ok: true; apiVersion: string; items: unknown[] } | { ok: false; error: string };

/**
 * Checks an EventList's kind, apiVersion and items, leaving each item to parseAuditEvent so
 * that one bad event is reported on its own instead of rejecting the whole batch.
 */
export function parseEventListEnvelope(raw: unknown): ParsedEventList {
  if (!isPlainObject(raw)) return { ok: false, error: `expected an EventList object, got ${describeValue(raw)}` };
  if (raw.kind !== "EventList") return { ok: false, error: `kind: expected "EventList", got ${describeValue(raw.kind)}` };
  const apiVersion = raw.apiVersion;
  if (typeof apiVersion !== "string" || !(AUDIT_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    return { ok: false, error: `apiVersion: expected ${AUDIT_API_VERSIONS.join(" or ")}, got ${describeValue(apiVersion)}` };
  }
  // Go encodes an empty (nil) item slice as null.
  if (raw.items === null) return { ok: true, apiVersion, items: [] };
  if (!Array.isArray(raw.items)) return { ok: false, error: `items: expected an array, got ${describeValue(raw.items)}` };
  return { ok: true, apiVersion, items: raw.items };
}

const MAX_REPORTED_ISSUES = 3;

export function formatIssues(issues: z.core.$ZodIssue[]): string {
  const described = issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const more = issues.length - MAX_REPORTED_ISSUES;
  return described.join("; ") + (more > 0 ? `; and ${more} more` : "");
}

/** `objectRef.name`, `sourceIPs[1]`; "event" for the event itself. */
function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return "event";
  return path.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${key}]`;
    return text === "" ? String(key) : `${text}.${String(key)}`;
  }, "");
}

/** Error messages for the issues whose schema gives none: short, and saying what was found. */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === "invalid_type") {
    return issue.input === undefined ? "required" : `expected ${issue.expected}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === "too_small" && issue.origin === "string") return "must not be empty";
  return undefined;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function auditIdOf(raw: unknown): string | null {
  if (!isPlainObject(raw)) return null;
  return typeof raw.auditID === "string" && raw.auditID !== "" ? raw.auditID : null;
}
