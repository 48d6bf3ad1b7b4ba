import type { RequestTimes } from "./clock";

/** A JSON object being built; generated events are plain JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** Who sends a request, as the apiserver records it. */
export interface Actor {
  user: { username: string; uid?: string; groups: string[] };
  userAgent: string;
  sourceIP: string;
  /** The authorizer's `authorization.k8s.io/reason` annotation. */
  reason: string;
}

export interface EventFields {
  auditId: string;
  times: RequestTimes;
  level: "Metadata" | "Request" | "RequestResponse";
  verb: string;
  actor: Actor;
  objectRef: Json;
  requestURI: string;
  code: number;
  requestObject?: Json;
  responseObject?: Json;
  /** responseStatus fields beyond the code (status, reason, message). */
  status?: Json;
}

/**
 * An audit.k8s.io/v1 Event with the fields and field order kube-apiserver writes (the real
 * falco and hkerma events; v1beta1's `metadata` and `timestamp` are gone in v1).
 */
export function auditEvent(f: EventFields): Json {
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: f.level,
    auditID: f.auditId,
    stage: "ResponseComplete",
    requestURI: f.requestURI,
    verb: f.verb,
    user: f.actor.user,
    sourceIPs: [f.actor.sourceIP],
    userAgent: f.actor.userAgent,
    objectRef: f.objectRef,
    responseStatus: { metadata: {}, ...f.status, code: f.code },
    ...(f.requestObject ? { requestObject: f.requestObject } : {}),
    ...(f.responseObject ? { responseObject: f.responseObject } : {}),
    requestReceivedTimestamp: f.times.received,
    stageTimestamp: f.times.completed,
    annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": f.actor.reason },
  };
}

/** What the generators share: the clock, and counters that make ids and versions unique. */
export interface GeneratorContext {
  times(): RequestTimes;
  /** A new auditID. */
  auditId(): string;
  /** A new object uid. */
  uid(): string;
  /** The next etcd revision, as a resourceVersion. */
  resourceVersion(): string;
  random(): number;
}

const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** A random suffix like the apiserver's generateName suffixes (`-nxqz5`). */
export function nameSuffix(random: () => number, length = 5): string {
  let suffix = "";
  for (let i = 0; i < length; i++) suffix += NAME_CHARS[Math.floor(random() * NAME_CHARS.length)];
  return suffix;
}

export function hexString(random: () => number, length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += Math.floor(random() * 16).toString(16);
  return text;
}
