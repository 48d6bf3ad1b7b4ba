import type { ServedResource } from "./resources";

/**
 * The `Status` object kube-apiserver answers errors with (meta/v1 Status), as JSON. Messages and
 * reasons follow kube-apiserver's where this server models the case (k8s.io/apimachinery
 * pkg/api/errors and the storage layer), so clients take the same branches they take against a
 * real cluster.
 */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: { continue?: string };
  status: "Failure";
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: Array<{ reason: string; message: string; field?: string }>;
  retryAfterSeconds?: number;
}

/** An error that a request handler answers with its Status. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code };
}

/** No or a wrong bearer token (anonymous requests are off, as on clusters Kubetrail watches). */
export function unauthorized(): Status {
  return failure(401, "Unauthorized", "Unauthorized");
}

/**
 * RBAC denying a verb on a collection across namespaces, worded as kube-apiserver's authorizer
 * answers it (k8s.io/apimachinery errors.NewForbidden): a service account bound to `list` but not
 * `watch` gets this for every watch.
 */
export function forbidden(user: string, verb: string, resource: ServedResource): Status {
  const qualified = resource.apiGroup ? `${resource.resource}.${resource.apiGroup}` : resource.resource;
  return failure(
    403,
    "Forbidden",
    `${qualified} is forbidden: User "${user}" cannot ${verb} resource "${resource.resource}" in API group "${resource.apiGroup}" at the cluster scope`,
    { ...(resource.apiGroup ? { group: resource.apiGroup } : {}), kind: resource.resource },
  );
}

/** A path no served resource answers to (kube-apiserver's not-found handler). */
export function pathNotFound(): Status {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

/** GET of one object that does not exist: `events "name" not found`. */
export function objectNotFound(resource: ServedResource, name: string): Status {
  const details = { name, ...(resource.apiGroup ? { group: resource.apiGroup } : {}), kind: resource.resource };
  const qualified = resource.apiGroup ? `${resource.resource}.${resource.apiGroup}` : resource.resource;
  return failure(404, "NotFound", `${qualified} "${name}" not found`, details);
}

/** A fault of this server, answered rather than crashing the test process. */
export function internalError(error: unknown): Status {
  return failure(500, "InternalError", `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`);
}

/** This server serves reads only: writes go through the test controls, not HTTP. */
export function methodNotAllowed(method: string): Status {
  return failure(
    405,
    "MethodNotAllowed",
    `the server does not allow this method on the requested resource (${method}: this test API server serves GET only; tests write through its controls)`,
    {},
  );
}

export function notAcceptable(): Status {
  return failure(406, "NotAcceptable", "only the following media types are accepted: application/json");
}

export function badRequest(message: string): Status {
  return failure(400, "BadRequest", message);
}

/** A list or watch option this server does not model: refused, never silently ignored. */
export function unsupportedOption(name: string): Status {
  return badRequest(`${name} is not supported by this test API server (see docs/test-api-server.md)`);
}

/** One failed check of ListOptions validation (k8s.io/apimachinery field.Error). */
export type FieldError =
  | { type: "Forbidden"; field: string; detail: string }
  | { type: "NotSupported"; field: string; value: string; supported: readonly string[] };

function fieldErrorText(error: FieldError): string {
  if (error.type === "Forbidden") return `Forbidden: ${error.detail}`;
  return `Unsupported value: "${error.value}": supported values: ${error.supported.map((value) => `"${value}"`).join(", ")}`;
}

/** 422 for ListOptions that fail validation, worded as kube-apiserver words them. */
export function invalidListOptions(errors: readonly FieldError[]): Status {
  const messages = errors.map((error) => `${error.field}: ${fieldErrorText(error)}`);
  const joined = messages.length === 1 ? messages[0] : `[${messages.join(", ")}]`;
  const causes = errors.map((error) => ({
    reason: error.type === "Forbidden" ? "FieldValueForbidden" : "FieldValueNotSupported",
    message: fieldErrorText(error),
    field: error.field,
  }));
  return failure(422, "Invalid", `ListOptions.meta.k8s.io "" is invalid: ${joined}`, { group: "meta.k8s.io", kind: "ListOptions", causes });
}

/** 410 Expired: a resourceVersion older than the compaction point (etcd3 store and watch cache messages). */
export function expired(message: string, continueToken?: string): Status {
  const status = failure(410, "Expired", message);
  if (continueToken !== undefined) status.metadata.continue = continueToken;
  return status;
}

export const EXPIRED_LIST_MESSAGE = "The resourceVersion for the provided list is too old.";

export const EXPIRED_CONTINUE_MESSAGE =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue " +
  "parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token " +
  "results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned " +
  "and now may show up in the list.";

/** The watch cache's words for a watch from a compacted resourceVersion: "too old resource version: 5 (9)". */
export function expiredWatchMessage(requested: number, compacted: number): string {
  return `too old resource version: ${requested} (${compacted})`;
}

/** 504 for a resourceVersion the server has not reached (storage.NewTooLargeResourceVersionError). */
export function tooLargeResourceVersion(requested: number, current: number): Status {
  return failure(504, "Timeout", `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  });
}

/**
 * API Priority and Fairness turning a request away (429, with Retry-After: the apiserver's
 * default of 1 s). Its message is kube-apiserver's (apiserver/pkg/server/filters/priority-and-fairness.go).
 */
export function tooManyRequests(): Status {
  return failure(429, "TooManyRequests", "Too many requests, please try again later.", { retryAfterSeconds: 1 });
}

/**
 * What kube-apiserver's watch sends when its storage cannot read a value: here the identity
 * transformer's message for a value encrypted at rest under a provider this apiserver lacks
 * (apiserver/pkg/storage/value/encrypt/identity), wrapped as the etcd3 watcher does.
 */
export function storageInternalError(): Status {
  return failure(500, "InternalError", "Internal error occurred: identity transformer tried to read encrypted data");
}
