import { STATUS_CODES } from "node:http";
import { builtinResource, kindForResource } from "../../k8s/resources";
import { redactFailure } from "../../model/redact/fieldErrors";
import { sensitiveValuesIn, withoutKnownValues } from "../../model/redact/knownValues";
import { redactAuditAnnotations, redactBody, redactPatch, sensitivePathsFor } from "../../model/redact/redact";
import { redactRequestUri } from "../../model/redact/requestUri";
import type { AuditEvent, AuditObjectRef, AuditUserInfo } from "./eventSchema";
import { evictionIsDryRun, setsSensitiveFields, subresourceEffectOf } from "./subresourceEffect";
import { isJsonObject,
  WRITE_VERBS,
  type AuditDetails,
  type AuditRead,
  type AuditSkipped,
  type AuditWrite,
  type ConvertOptions,
  type ConvertedAuditEvent,
  type JsonObject,
  type JsonValue,
  type ObjectIdentity,
  type SubresourceEffect,
  type HistoryVerb,
  type WriteVerb,
  SESSION_SUBRESOURCES,
} from "./types";

/**
 * Turns a validated audit event into what Kubetrail keeps: a write (history of one object),
 * a read (only counted per minute), or a skipped event with the reason. Total: it never throws
 * for a schema-valid event, and no body leaves it unredacted.
 */
export function convertAuditEvent(event: AuditEvent, options: ConvertOptions): ConvertedAuditEvent {
  const closing = event.stage === "ResponseComplete" || event.stage === "Panic";
  // Earlier stages of the same request repeat what ResponseComplete (or Panic) will tell, minus
  // the outcome; but a session's ResponseComplete comes when it ends, hours later maybe or never
  // (the apiserver restarted, the log was cut), and its ResponseStarted is what shows it open.
  const opening = event.stage === "ResponseStarted" && isSessionInPod(event);
  if (!closing && !opening) return skipped(event, `stage ${event.stage} is not traced`);
  const noise = noiseReason(event, options);
  if (noise !== null) return skipped(event, noise);
  if (opening) return sessionOpened(event, options);
  if (event.verb === "get" && isSessionInPod(event)) return toWrite(event, "get", options);
  if (!isWriteVerb(event.verb) || isReviewRequest(event)) return toRead(event);
  return toWrite(event, event.verb, options);
}

/**
 * `kubectl exec`, `attach` or `port-forward`: a POST (audit verb `create`) over SPDY, or over
 * WebSocket (kubectl 1.30 on) a GET, so the audit verb `get`: either way a session someone
 * opened in the Pod.
 */
function isSessionInPod(event: AuditEvent): boolean {
  const ref = event.objectRef;
  return (event.verb === "create" || event.verb === "get") && (ref?.apiGroup ?? "") === "" && ref?.resource === "pods" && SESSION_SUBRESOURCES.has(ref.subresource ?? "");
}

/**
 * A session's ResponseStarted: its entry while it is open (details.session "open"), ending when
 * it opened as far as anyone knows yet. The store closes that entry with the ResponseComplete.
 *
 * One refused (RBAC, a missing container) never opened: kube-apiserver's audit filter wraps
 * authorization and logs a long-running request's ResponseStarted at its first status line, the
 * 403 too, and the ResponseComplete that follows tells the same refusal, as a failed write.
 */
function sessionOpened(event: AuditEvent, options: ConvertOptions): AuditWrite | AuditSkipped {
  const write = toWrite(event, event.verb === "get" ? "get" : "create", options);
  if (write.kind !== "write") return write;
  if (write.failed) return skipped(event, `a session refused before it opened (${write.statusCode ?? "no code"}): its ResponseComplete tells the refusal`);
  write.details.session = "open";
  write.title = `${write.title} (open)`;
  return write;
}

/**
 * Review APIs (TokenReview, SubjectAccessReview, …) are questions asked with `create`:
 * nothing is stored, so they are counted like reads rather than given a history.
 */
const REVIEW_RESOURCES = new Set([
  "authentication.k8s.io/tokenreviews",
  "authentication.k8s.io/selfsubjectreviews",
  "authorization.k8s.io/subjectaccessreviews",
  "authorization.k8s.io/selfsubjectaccessreviews",
  "authorization.k8s.io/localsubjectaccessreviews",
  "authorization.k8s.io/selfsubjectrulesreviews",
]);

function isReviewRequest(event: AuditEvent): boolean {
  const ref = event.objectRef;
  return ref !== null && REVIEW_RESOURCES.has(`${ref.apiGroup ?? ""}/${ref.resource ?? ""}`);
}

function skipped(event: AuditEvent, reason: string): AuditSkipped {
  return { kind: "skipped", auditId: event.auditID, stage: event.stage, requestReceived: event.requestReceivedTimestamp, reason };
}

function isWriteVerb(verb: string): verb is WriteVerb {
  return (WRITE_VERBS as readonly string[]).includes(verb);
}

/** Why the event is noise by configuration, or null when it is not. */
function noiseReason(event: AuditEvent, options: ConvertOptions): string | null {
  const ref = event.objectRef;
  if (ref?.resource) {
    const apiGroup = ref.apiGroup ?? "";
    const resource = ref.resource;
    if (options.skipResources.some((skip) => skip.apiGroup === apiGroup && skip.resource === resource)) {
      return `resource ${apiGroup === "" ? resource : `${apiGroup}/${resource}`} is skipped`;
    }
  }
  const userAgent = event.userAgent;
  if (userAgent !== null) {
    const match = options.skipUserAgentSubstrings.find((substring) => substring !== "" && userAgent.includes(substring));
    if (match !== undefined) return `user agent contains "${match}"`;
  }
  return null;
}

/** The user the request acted as: the impersonated one when there is one. */
function actorOf(event: AuditEvent): AuditUserInfo {
  return event.impersonatedUser ?? event.user;
}

function toRead(event: AuditEvent): AuditRead {
  return {
    kind: "read",
    auditId: event.auditID,
    stage: event.stage,
    requestReceived: event.requestReceivedTimestamp,
    minute: startOfMinute(event.requestReceivedTime),
    verb: event.verb,
    resource: readResourceOf(event),
    username: actorOf(event).username,
    code: event.responseStatus?.code ?? 0,
  };
}

function startOfMinute(time: Date): Date {
  return new Date(Math.floor(time.getTime() / 60_000) * 60_000);
}

/**
 * The resource as kubectl names it, `<resource>[.<group>][/<subresource>]`: `pods`, `pods/log`,
 * `deployments.apps/scale`, so that resources of the same name in two groups (`events` and
 * `events.events.k8s.io`) are counted apart. For non-resource URLs (/healthz, discovery) the
 * URL's path.
 */
function readResourceOf(event: AuditEvent): string {
  const ref = event.objectRef;
  if (!ref?.resource) return pathOf(event.requestURI);
  const resource = ref.apiGroup ? `${ref.resource}.${ref.apiGroup}` : ref.resource;
  return ref.subresource ? `${resource}/${ref.subresource}` : resource;
}

function pathOf(requestURI: string): string {
  return requestURI.split("?", 1)[0] ?? "";
}

function toWrite(event: AuditEvent, verb: HistoryVerb, options: ConvertOptions): AuditWrite | AuditSkipped {
  const ref = event.objectRef;
  if (!ref?.resource) return skipped(event, `${verb} of ${pathOf(event.requestURI) || "an unknown URL"} has no objectRef.resource`);

  const apiGroup = ref.apiGroup ?? "";
  const resource = ref.resource;
  const subresource = ref.subresource ?? "";
  const statusCode = event.responseStatus?.code ?? null;
  const failedCode = failedCodeOf(event, statusCode);
  const failed = failedCode !== null;

  const expectedKind = kindForResource(apiGroup, resource);
  const responseObject = isTheObject(event.responseObject, expectedKind, ref.name) ? event.responseObject : null;
  // Only a create or update of the object itself sends the object; a subresource's request is something else
  // (a Binding, an Eviction, a status-only update we would mistake for the whole object at Request level).
  const requestObject =
    subresource === "" && (verb === "create" || verb === "update") && isTheObject(event.requestObject, expectedKind, ref.name)
      ? event.requestObject
      : null;

  // An eviction may ask for it in its DeleteOptions instead of the URL (kubectl drain --dry-run=server).
  const dryRun = isDryRun(event.requestURI) || (subresource === "eviction" && evictionIsDryRun(event));
  // A dry-run create answers with the name and uid the object would have had: never its own.
  const identifyingResponse = dryRun && (verb === "create" || statusCode === 201) ? null : responseObject;
  const object = identityOf(ref, verb, apiGroup, resource, expectedKind, identifyingResponse, requestObject);
  // A delete answered with a Status (ConfigMaps, Secrets, most kinds but Pods) names the deleted
  // object's uid there: what tells it from a later object of the same name. Not a DELETE through
  // a subresource (a proxy's): its answer is the server's behind it, whatever it names.
  if (object.uid === null && verb === "delete" && subresource === "" && !failed) object.uid = deletedUidOf(event.responseObject);
  const target = { apiGroup, resource };
  // A failed request changed nothing, so there is no "after" to show; nor does a dry run, whose
  // answer shows what the object would have become.
  const after = failed || dryRun ? null : (responseObject ?? requestObject);
  const bodyAfter = after === null ? null : redactBody(after, target, options.sensitive, options.fingerprint);
  const patch =
    verb === "patch" && event.requestObject !== null ? redactPatch(event.requestObject, target, options.sensitive, options.fingerprint) : null;

  const actor = actorOf(event).username;
  const found = failed || dryRun ? undefined : subresourceEffectOf(event, verb, apiGroup, resource, subresource);
  // Its values go into the object's state: none where a sensitive rule covers them, and a
  // Binding's annotations and labels redacted as the Pod's body has them (the rules keep map keys).
  const effect =
    found === undefined || setsSensitiveFields(found, sensitivePathsFor(target, options.sensitive))
      ? undefined
      : found.kind === "binding"
        ? redactedBinding(found, target, options)
        : found;
  const details = detailsOf(event, failed, dryRun, responseObject, options, target);
  // A session's end; one refused (RBAC, a missing container) never opened. A Panic fails, but
  // comes after the request reached its handler: it ends the session open since its ResponseStarted.
  if ((!failed || event.stage === "Panic") && event.stage !== "ResponseStarted" && isSessionInPod(event)) details.session = "closed";
  // A Scale's resourceVersion is its object's, after the write.
  if (effect?.kind === "scale" && effect.resourceVersion !== null) details.resourceVersionAfter = effect.resourceVersion;
  return {
    kind: "write",
    auditId: event.auditID,
    stage: event.stage,
    requestReceived: event.requestReceivedTimestamp,
    level: event.level,
    object,
    verb,
    subresource,
    startTime: event.requestReceivedTime,
    // A stage before the request was received (a clock step, a hand-made event) is taken as
    // instant: the parts a time range is asked in take exactly the entries that overlap it only
    // when none ends before it starts (server/query/overlappingEntries.ts).
    endTime: event.stageTime < event.requestReceivedTime ? event.requestReceivedTime : event.stageTime,
    actor,
    title: titleOf(actor, verb, subresource, failedCode, dryRun),
    statusCode,
    failed,
    dryRun,
    userAgent: event.userAgent,
    details,
    bodyAfter,
    patch,
    ...(effect ? { effect } : {}),
  };
}

/** A Binding's annotations and labels as the body of `target`'s object would have them: redacted by its rules, which keep an object's keys. */
function redactedBinding(binding: Extract<SubresourceEffect, { kind: "binding" }>, target: { apiGroup: string; resource: string }, options: ConvertOptions): SubresourceEffect {
  if (binding.annotations === undefined && binding.labels === undefined) return binding;
  const metadata = { ...(binding.annotations !== undefined ? { annotations: binding.annotations } : {}), ...(binding.labels !== undefined ? { labels: binding.labels } : {}) };
  const redacted = redactBody({ metadata }, target, options.sensitive, options.fingerprint).metadata as JsonObject;
  return {
    ...binding,
    ...(isJsonObject(redacted.annotations) ? { annotations: redacted.annotations } : {}),
    ...(isJsonObject(redacted.labels) ? { labels: redacted.labels } : {}),
  };
}

function detailsOf(
  event: AuditEvent,
  failed: boolean,
  dryRun: boolean,
  responseObject: JsonObject | null,
  options: ConvertOptions,
  target: { apiGroup: string; resource: string },
): AuditDetails {
  const actor = actorOf(event);
  const details: AuditDetails = {
    user: actor.username,
    groups: [...(actor.groups ?? [])],
    sourceIPs: [...event.sourceIPs],
    // An exec's command, a proxied request's query may hold a password: cut out before it is stored.
    requestURI: redactRequestUri(event.requestURI),
    annotations: redactAuditAnnotations({ ...event.annotations }, target, options.sensitive, options.fingerprint),
  };
  if (dryRun) details.dryRun = true;
  if (event.impersonatedUser !== null) {
    details.impersonatedBy = { username: event.user.username, groups: [...(event.user.groups ?? [])] };
  }
  // Only a response tells the version after the request: a Request-level update sends the version
  // it read. A dry run made no version.
  const resourceVersionAfter = !failed && !dryRun && responseObject !== null ? metadataOf(responseObject).resourceVersion : undefined;
  if (resourceVersionAfter !== undefined) details.resourceVersionAfter = resourceVersionAfter;
  if (failed) {
    const failure = failureOf(event);
    // Validation echoes the values it refuses, a sensitive field's too.
    if (failure !== null) details.failure = redactFailure(failure, target, options.sensitive);
  }
  // Free text (a webhook's denial, a policy's audit annotation) may repeat a sensitive value the bodies hold.
  const request = event.requestObject;
  const patchNotObject = Array.isArray(request) || typeof request === "string" ? request : null;
  withoutKnownValues(details, sensitiveValuesIn([request, event.responseObject], patchNotObject, target, options.sensitive));
  return details;
}

/**
 * The code a failed request is titled by, null when it did not fail. A request fails with a code of
 * 300 or more, and also when a REST storage returned a failed Status as its result instead of as an
 * error: the handler answers it with its success code (kube-apiserver's eviction REST, for a Pod
 * under two PodDisruptionBudgets: 201), and the audit event keeps the Status's status in
 * responseStatus at every level, its own code only in the response body. Titled by that code when
 * the body tells it, else by the code answered.
 */
function failedCodeOf(event: AuditEvent, statusCode: number | null): number | null {
  if (statusCode !== null && statusCode >= 300) return statusCode;
  const body = isJsonObject(event.responseObject) && event.responseObject.kind === "Status" ? event.responseObject : null;
  const failure = event.responseStatus?.status === "Failure" || body?.status === "Failure";
  if (!failure) return null;
  const bodyCode = body?.code;
  return typeof bodyCode === "number" && Number.isInteger(bodyCode) && bodyCode >= 300 ? bodyCode : (statusCode ?? 0);
}

/**
 * `<actor> <verb>[ <subresource>][ (<status text>)]`, e.g. `bob create (Forbidden)`; a dry run
 * says so in the parentheses: `bob patch (dry run)`, `bob create (Conflict, dry run)`.
 */
function titleOf(actor: string, verb: string, subresource: string, failedCode: number | null, dryRun: boolean): string {
  const action = subresource === "" ? `${actor} ${verb}` : `${actor} ${verb} ${subresource}`;
  const failure = failedCode === null ? [] : failedCode < 300 ? ["Failure"] : [STATUS_CODES[failedCode] ?? `HTTP ${failedCode}`];
  const notes = [...failure, ...(dryRun ? ["dry run"] : [])];
  return notes.length === 0 ? action : `${action} (${notes.join(", ")})`;
}

/**
 * Whether the request asked for a dry run: the `dryRun` query parameter, which the apiserver
 * accepts only as `All` (any other value is refused, and the event records a failure anyway).
 */
function isDryRun(requestURI: string): boolean {
  const query = requestURI.indexOf("?");
  if (query < 0 || !requestURI.includes("dryRun", query)) return false;
  return new URLSearchParams(requestURI.slice(query + 1)).getAll("dryRun").some((value) => value !== "");
}

/** Kinds that travel in audit bodies without being the object the request is about. */
const NOT_THE_OBJECT_KINDS = new Set([
  "Status",
  "DeleteOptions",
  "Scale",
  "Binding",
  "Eviction",
  "TokenRequest",
  "DeploymentRollback",
  "Table",
  "PartialObjectMetadata",
  "WatchEvent",
]);

/**
 * Whether a request/response body is the object itself (as for create, update, status updates,
 * graceful deletes) rather than a Status, Scale, list or options: its kind is the resource's kind,
 * or it names the object. When the request names no object (a create), a body of an unknown
 * resource's kind counts when it has a name or a generateName of its own.
 */
function isTheObject(body: JsonValue | null, expectedKind: string | null, name: string | undefined): body is JsonObject {
  if (!isJsonObject(body)) return false;
  const kind = body.kind;
  if (typeof kind !== "string" || NOT_THE_OBJECT_KINDS.has(kind)) return false;
  if (kind === expectedKind) return true;
  const metadata = metadataOf(body);
  if (name !== undefined) return metadata.name === name;
  // A create names its object in the body: by name, or by the prefix the server completes.
  return expectedKind === null && (metadata.name !== undefined || metadata.generateName !== undefined);
}

/**
 * The object a write touched. objectRef names it, except for creates where the server picks the
 * name (generateName) or only the body has it: then the response, else the request, tells.
 */
function identityOf(
  ref: AuditObjectRef,
  verb: HistoryVerb,
  apiGroup: string,
  resource: string,
  expectedKind: string | null,
  responseObject: JsonObject | null,
  requestObject: JsonObject | null,
): ObjectIdentity {
  const response = metadataOf(responseObject);
  const request = metadataOf(requestObject);
  const bodyKind = responseObject?.kind ?? requestObject?.kind;
  // The apiserver copies the request body's uid into objectRef; a create's body may carry one
  // (e.g. a manifest exported from elsewhere) that the server ignores, so only the response tells.
  // The apiserver puts a Namespace's own name in objectRef.namespace on some requests (delete, get)
  // and not others (create); cluster-scoped objects must have one identity whichever verb named them.
  const clusterScoped = builtinResource(apiGroup, resource)?.namespaced === false;
  return {
    apiGroup,
    apiVersion: ref.apiVersion ?? "",
    resource,
    kind: typeof bodyKind === "string" ? bodyKind : expectedKind,
    namespace: clusterScoped ? "" : (ref.namespace ?? response.namespace ?? request.namespace ?? ""),
    name: ref.name ?? response.name ?? request.name ?? generatedNamePattern(request.generateName ?? response.generateName),
    uid: response.uid ?? (verb === "create" ? null : (ref.uid ?? request.uid ?? null)),
  };
}

/**
 * A create with generateName whose final name we can't see (a failed request, or a Request-level
 * event without the response) is recorded on `<prefix>*`, which reads as "one of the objects
 * named like this". With no name or prefix at all (Metadata level, deletecollection) the name
 * is "": the collection the request was made on.
 */
function generatedNamePattern(generateName: string | undefined): string {
  return generateName ? `${generateName}*` : "";
}

/** The uid a successful delete's Status answer names (`details.uid`), or null. */
function deletedUidOf(response: JsonValue | null): string | null {
  if (!isJsonObject(response) || response.kind !== "Status" || !isJsonObject(response.details)) return null;
  const uid = response.details.uid;
  return typeof uid === "string" && uid !== "" ? uid : null;
}

interface ObjectMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

/** The string fields of a body's metadata that identify it; empty strings count as absent. */
function metadataOf(body: JsonObject | null): ObjectMetadata {
  const metadata = body?.metadata;
  if (!isJsonObject(metadata)) return {};
  const result: ObjectMetadata = {};
  for (const key of ["name", "generateName", "namespace", "uid", "resourceVersion"] as const) {
    const value = metadata[key];
    if (typeof value === "string" && value !== "") result[key] = value;
  }
  return result;
}

type Failure = NonNullable<AuditDetails["failure"]>;

/**
 * Why a request failed: the Status the server answered with when the event carries it (the
 * fuller account, with causes), filled in from responseStatus. Null when neither says anything.
 */
function failureOf(event: AuditEvent): Failure | null {
  const body = isJsonObject(event.responseObject) && event.responseObject.kind === "Status" ? event.responseObject : {};
  const fromStatus = failureFrom(event.responseStatus ?? {});
  const fromBody = failureFrom(body);
  const failure: Failure = { ...fromStatus, ...fromBody };
  return Object.keys(failure).length === 0 ? null : failure;
}

function failureFrom(status: Record<string, unknown>): Failure {
  const failure: Failure = {};
  for (const key of ["status", "reason", "message"] as const) {
    const value = status[key];
    if (typeof value === "string" && value !== "") failure[key] = value;
  }
  const details = status.details;
  const causes = isRecord(details) && Array.isArray(details.causes) ? details.causes.filter(isRecord).map(causeFrom) : [];
  if (causes.length > 0) failure.causes = causes;
  return failure;
}

function causeFrom(cause: Record<string, unknown>): NonNullable<Failure["causes"]>[number] {
  const result: NonNullable<Failure["causes"]>[number] = {};
  for (const key of ["reason", "message", "field"] as const) {
    const value = cause[key];
    if (typeof value === "string" && value !== "") result[key] = value;
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

