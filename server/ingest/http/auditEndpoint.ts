import type { Config } from "../../config/config";
import type { AdmissionGate } from "../admission";
import type { IngestAuthorizer } from "../auth";
import type { AuditIngestor } from "../audit/ingest";
import { ingestEventList, type EventListIngestor, type EventListOutcome } from "../eventList";
import { BodyTimeoutError, BodyTooLargeError } from "./readBody";
import { CLUSTER_NAME_RULE, isValidClusterName } from "../../model/clusterName";

export interface AuditEndpointDeps {
  config: Pick<Config, "defaultCluster" | "maxBodyBytes" | "maxBatchEvents" | "retryAfterSeconds" | "bodyIdleTimeoutMs">;
  authorizer: IngestAuthorizer;
  gate: AdmissionGate;
  /** Stores batches on this thread when ingestWorkers is null. */
  ingestor: AuditIngestor;
  /** Worker threads that parse and store batches (KUBETRAIL_INGEST_WORKERS); null: none. */
  ingestWorkers: EventListIngestor | null;
}

/**
 * An audit webhook request as the endpoint sees it, whatever HTTP layer carries it: the
 * Next.js route handlers (web `Request`) and the production server's own handler (Node's
 * `IncomingMessage`, `nodeAuditEndpoint.ts`) both make one.
 */
export interface AuditPost {
  /** The `{cluster}` path segment; undefined: the configured default cluster. */
  clusterSegment: string | undefined;
  authorization: string | null;
  contentType: string | null;
  /** The Content-Encoding header: kube-apiserver sends none. */
  contentEncoding: string | null;
  contentLength: string | null;
  /**
   * Reads the whole body into memory of its own (so it can be moved to an ingest worker),
   * throwing BodyTooLargeError as soon as it passes `limit` bytes. Called at most once, and
   * not at all when the request is refused from its headers.
   */
  readBody(limit: number): Promise<Uint8Array>;
}

/** The answer to an audit post: always a JSON body. */
export interface AuditAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Refused bodies up to this many times the limit are read and dropped; see refusalHeaders. */
const DRAINED_BODY_FACTOR = 2;

/**
 * Headers of a refusal given before the body was read. A body whose declared length is at most
 * twice the limit is read and dropped by Node's HTTP server, which keeps the connection, and the
 * caller reads the answer. Closing instead, with the body still arriving, makes the kernel reset
 * the connection, often before the caller has read the answer: the apiserver would log a broken
 * pipe instead of the 401 or 413 that says what is wrong (seen with 429s in the benchmark's
 * overload phase, and with 413s in serve.integration-test.ts). A larger body, or one of unknown
 * length, is not worth reading from a caller that is refused: the connection is closed.
 */
export function refusalHeaders(declaredLength: number, maxBodyBytes: number): Record<string, string> {
  return declaredLength <= DRAINED_BODY_FACTOR * maxBodyBytes ? {} : { Connection: "close" };
}

/**
 * Named in a 413 for a large body, as the limit on events names KUBETRAIL_MAX_BATCH_EVENTS: the
 * apiserver logs the answer and drops the batch, and whoever reads that log has to raise this
 * setting or lower --audit-webhook-batch-max-size.
 */
const MAX_BODY_SETTING = "(KUBETRAIL_MAX_BODY_BYTES)";

/** How many rejection reasons an answer lists; the count is always exact. */
const MAX_LISTED_REJECTIONS = 50;

/** A JSON error answer: `{"error": {"code", "message", ...details}}`. */
export function errorAnswer(status: number, code: string, message: string, extra: { headers?: Record<string, string>; details?: Record<string, unknown> } = {}): AuditAnswer {
  return { status, headers: extra.headers ?? {}, body: { error: { code, message, ...extra.details } } };
}

/** The one method the webhook's paths take: named in the Allow header of a 405. */
export const AUDIT_METHOD = "POST";

/** The webhook's paths, as an answer about a wrong request names them. */
const AUDIT_PATHS = "POST /api/audit or POST /api/audit/{cluster}";

/** The longest part of a request's path quoted back in an answer: enough to find the mistake, not an echo of a huge URL. */
const QUOTED_PATH_CHARS = 200;

function quotedPath(path: string): string {
  return JSON.stringify(path.length > QUOTED_PATH_CHARS ? `${path.slice(0, QUOTED_PATH_CHARS)}…` : path);
}

/**
 * Any method but POST on the webhook's paths: a 405 that says which method it takes, in the
 * Allow header (RFC 9110) and in the body. The body, if any, is not read.
 */
export function auditMethodNotAllowed(method: string): AuditAnswer {
  return errorAnswer(405, "method_not_allowed", `method ${method} is not allowed here: the audit webhook takes ${AUDIT_PATHS}`, { headers: { Allow: AUDIT_METHOD } });
}

/**
 * A path below `/api/audit/{cluster}/`, with any method: a 404 that names the webhook's paths,
 * in JSON like the webhook's other answers (a kube-apiserver pointed at a wrong URL logs it).
 */
export function auditPathNotFound(path: string): AuditAnswer {
  return errorAnswer(404, "not_found", `no such endpoint: ${quotedPath(path)}; the audit webhook is ${AUDIT_PATHS}`);
}

/**
 * `POST /api/audit[/{cluster}]`: the kube-apiserver audit webhook. Answers 2xx only once
 * the batch is committed, so the apiserver's retry on any other answer never loses events,
 * and dedup by (auditID, stage) makes that retry harmless.
 */
export async function answerAuditPost(post: AuditPost, deps: AuditEndpointDeps): Promise<AuditAnswer> {
  const { config } = deps;
  const declaredLength = Number(post.contentLength ?? NaN);
  const unread = refusalHeaders(declaredLength, config.maxBodyBytes);
  const cluster = post.clusterSegment ?? config.defaultCluster;
  // Authenticated first: a caller without a valid token learns nothing else about its request.
  const denied = deps.authorizer.check(post.authorization, cluster);
  if (denied) return errorAnswer(401, "unauthorized", denied, { headers: { "WWW-Authenticate": 'Bearer realm="kubetrail"', ...unread } });
  if (!isValidClusterName(cluster)) {
    return errorAnswer(400, "invalid_cluster", `cluster "${cluster}" is not a valid cluster name (${CLUSTER_NAME_RULE})`, { headers: unread });
  }

  const { contentType } = post;
  if (contentType && !/^application\/(json|[\w.+-]*\+json)\s*(;|$)/i.test(contentType)) {
    return errorAnswer(415, "unsupported_media_type", `Content-Type must be application/json, got "${contentType}"`, { headers: unread });
  }
  const encoding = post.contentEncoding?.trim().toLowerCase();
  if (encoding && encoding !== "identity") {
    return errorAnswer(415, "unsupported_content_encoding", `Content-Encoding "${post.contentEncoding}" is not supported: send the body uncompressed, as kube-apiserver does`, { headers: unread });
  }

  if (declaredLength > config.maxBodyBytes) {
    return errorAnswer(413, "body_too_large", `request body of ${declaredLength} bytes is larger than the limit of ${config.maxBodyBytes} bytes ${MAX_BODY_SETTING}`, {
      headers: unread,
    });
  }

  const ticket = deps.gate.tryAdmit(Number.isFinite(declaredLength) ? declaredLength : config.maxBodyBytes);
  if (!ticket) {
    return errorAnswer(429, "overloaded", "too many audit batches in progress; retry later", {
      headers: { "Retry-After": String(config.retryAfterSeconds), ...unread },
    });
  }
  try {
    let bytes: Uint8Array;
    try {
      bytes = await post.readBody(config.maxBodyBytes);
    } catch (error) {
      // A body of unknown length, read up to the limit: the rest is not read.
      if (error instanceof BodyTooLargeError) return errorAnswer(413, "body_too_large", `${error.message} ${MAX_BODY_SETTING}`, { headers: { Connection: "close" } });
      // The rest of the body may still come, and would be read as the next request: closed.
      if (error instanceof BodyTimeoutError) return errorAnswer(408, "body_timeout", error.message, { headers: { Connection: "close" } });
      throw error;
    }
    // A waiting batch holds only its raw bytes; parsed JSON is several times larger, so it
    // is made only once the batch may run. That keeps memory flat under overload.
    await ticket.whenRunning();

    let outcome: EventListOutcome;
    try {
      outcome = deps.ingestWorkers ? await deps.ingestWorkers.ingest(cluster, bytes) : await ingestEventList(deps.ingestor, cluster, bytes, config.maxBatchEvents);
    } catch (error) {
      // The store failed, not the input: 503 makes the apiserver retry the batch later.
      console.error(`audit ingest for cluster ${cluster} failed: ${(error as Error).stack ?? error}`);
      return errorAnswer(503, "store_unavailable", "the batch could not be stored; retry later", {
        headers: { "Retry-After": String(config.retryAfterSeconds) },
      });
    }
    if (!outcome.ok) return errorAnswer(outcome.code === "too_many_events" ? 413 : 400, outcome.code, outcome.message);
    const { summary } = outcome;

    const body = {
      cluster,
      received: summary.received,
      accepted: summary.accepted,
      duplicates: summary.duplicates,
      skipped: summary.skipped,
      history: summary.history,
      reads: summary.reads,
      rejected: summary.rejected.length,
      rejections: summary.rejected.slice(0, MAX_LISTED_REJECTIONS),
    };
    if (summary.received > 0 && summary.rejected.length === summary.received) {
      return errorAnswer(400, "invalid_events", `all ${summary.received} events were rejected`, { details: body });
    }
    return { status: 200, headers: {}, body };
  } finally {
    ticket.release();
  }
}
