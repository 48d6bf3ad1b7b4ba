import type { Config } from "../../config/config";
import type { AdmissionGate } from "../admission";
import type { IngestAuthorizer } from "../auth";
import { CLUSTER_NAME_RULE, isValidClusterName } from "../../model/clusterName";
import { BodyTimeoutError, BodyTooLargeError, readBodyWithLimit } from "./readBody";

/**
 * What the app's JSON push endpoints share, whatever HTTP layer carries them: the request as
 * they see it, their answers, and the refusals they give from a request's headers. The audit
 * webhook (auditEndpoint.ts) and the Kubernetes Events endpoint (../events/eventsEndpoint.ts)
 * are built on it.
 */

/** A POST to an ingest endpoint: its headers, and its body to read once it may be. */
export interface IngestPost {
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

/** A web `Request` (a route handler's) as an IngestPost. */
export function ingestPostOf(request: Request, clusterSegment: string | undefined): IngestPost {
  const headers = request.headers;
  return {
    clusterSegment,
    authorization: headers.get("authorization"),
    contentType: headers.get("content-type"),
    contentEncoding: headers.get("content-encoding"),
    contentLength: headers.get("content-length"),
    readBody: (limit) => readBodyWithLimit(request.body, limit),
  };
}

/** An endpoint's answer: always a JSON body. */
export interface JsonAnswer {
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

/** An answer as a web `Response` (the route handlers'). */
export function responseOf(answer: JsonAnswer): Response {
  return Response.json(answer.body, { status: answer.status, headers: answer.headers });
}

/** A JSON error answer: `{"error": {"code", "message", ...details}}`. */
export function errorAnswer(status: number, code: string, message: string, extra: { headers?: Record<string, string>; details?: Record<string, unknown> } = {}): JsonAnswer {
  return { status, headers: extra.headers ?? {}, body: { error: { code, message, ...extra.details } } };
}

/** The longest part of a request's path quoted back in an answer: enough to find the mistake, not an echo of a huge URL. */
const QUOTED_PATH_CHARS = 200;

/** A request's path as an answer quotes it: JSON-quoted, cut at QUOTED_PATH_CHARS. */
export function quotedPath(path: string): string {
  return JSON.stringify(path.length > QUOTED_PATH_CHARS ? `${path.slice(0, QUOTED_PATH_CHARS)}…` : path);
}

/** application/json, or a structured syntax suffix (`application/merge-patch+json`), with any parameters. */
const JSON_MEDIA_TYPE = /^application\/(json|[\w.+-]*\+json)\s*(;|$)/i;

/**
 * The refusal of a request from its headers alone, or null when its body may be read: 401 for a
 * caller without a valid token for the cluster (checked first: such a caller learns nothing else
 * about its request), 400 for a cluster name that is not one, 415 for a body that is not plain
 * JSON. `encodingAdvice` completes the 415 for a compressed body (what the usual sender does).
 */
function headerRefusal(post: IngestPost, cluster: string, authorizer: IngestAuthorizer, unread: Record<string, string>, encodingAdvice: string): JsonAnswer | null {
  const denied = authorizer.check(post.authorization, cluster);
  if (denied) return errorAnswer(401, "unauthorized", denied, { headers: { "WWW-Authenticate": 'Bearer realm="kubetrail"', ...unread } });
  if (!isValidClusterName(cluster)) {
    return errorAnswer(400, "invalid_cluster", `cluster "${cluster}" is not a valid cluster name (${CLUSTER_NAME_RULE})`, { headers: unread });
  }
  const { contentType } = post;
  if (contentType && !JSON_MEDIA_TYPE.test(contentType)) {
    return errorAnswer(415, "unsupported_media_type", `Content-Type must be application/json, got "${contentType}"`, { headers: unread });
  }
  const encoding = post.contentEncoding?.trim().toLowerCase();
  if (encoding && encoding !== "identity") {
    return errorAnswer(415, "unsupported_content_encoding", `Content-Encoding "${post.contentEncoding}" is not supported: ${encodingAdvice}`, { headers: unread });
  }
  return null;
}

/**
 * Named in a 413 for a large body, as a limit on events names KUBETRAIL_MAX_BATCH_EVENTS: the
 * sender (an apiserver, an event exporter) logs the answer and drops the body, and whoever reads
 * that log has to raise this setting or send less at once.
 */
const MAX_BODY_SETTING = "(KUBETRAIL_MAX_BODY_BYTES)";

/** The 413 for a body that declares more than `maxBodyBytes`, before any of it is read; null when it does not. */
function declaredTooLarge(declaredLength: number, maxBodyBytes: number, unread: Record<string, string>): JsonAnswer | null {
  if (!(declaredLength > maxBodyBytes)) return null;
  return errorAnswer(413, "body_too_large", `request body of ${declaredLength} bytes is larger than the limit of ${maxBodyBytes} bytes ${MAX_BODY_SETTING}`, { headers: unread });
}

/**
 * The body, read up to `maxBodyBytes`, or the answer that refuses it: 413 past the limit (a body
 * of unknown length: the rest is not read), 408 for a sender that went silent mid-body (the rest
 * may still come, and would be read as the next request). Both close the connection. Any other
 * failure to read is thrown.
 */
async function readBodyOrRefusal(post: IngestPost, maxBodyBytes: number): Promise<{ bytes: Uint8Array } | { refusal: JsonAnswer }> {
  try {
    return { bytes: await post.readBody(maxBodyBytes) };
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { refusal: errorAnswer(413, "body_too_large", `${error.message} ${MAX_BODY_SETTING}`, { headers: { Connection: "close" } }) };
    if (error instanceof BodyTimeoutError) return { refusal: errorAnswer(408, "body_timeout", error.message, { headers: { Connection: "close" } }) };
    throw error;
  }
}

/** What admitPost needs: the limits, who may post, and the gate shared by the ingest endpoints. */
export interface PostAdmission {
  config: Pick<Config, "defaultCluster" | "maxBodyBytes" | "retryAfterSeconds">;
  authorizer: IngestAuthorizer;
  gate: AdmissionGate;
}

/**
 * Everything an ingest post goes through before its body is parsed: the refusals its headers
 * earn (headerRefusal, a declared length over the limit), a place among the bodies the server
 * holds (429 with Retry-After past the gate's limits, saying `busy`), its body read within the
 * limit, and its turn to run. Then `handle` answers it with the body and the cluster (the path's,
 * else the default); the place is given back whatever happens.
 */
export async function admitPost(
  post: IngestPost,
  deps: PostAdmission,
  words: { encodingAdvice: string; busy: string },
  handle: (cluster: string, body: Uint8Array) => Promise<JsonAnswer>,
): Promise<JsonAnswer> {
  const { config } = deps;
  const declaredLength = Number(post.contentLength ?? NaN);
  const unread = refusalHeaders(declaredLength, config.maxBodyBytes);
  const cluster = post.clusterSegment ?? config.defaultCluster;
  const refused = headerRefusal(post, cluster, deps.authorizer, unread, words.encodingAdvice) ?? declaredTooLarge(declaredLength, config.maxBodyBytes, unread);
  if (refused) return refused;

  const ticket = deps.gate.tryAdmit(Number.isFinite(declaredLength) ? declaredLength : config.maxBodyBytes);
  if (!ticket) return errorAnswer(429, "overloaded", words.busy, { headers: { "Retry-After": String(config.retryAfterSeconds), ...unread } });
  try {
    const read = await readBodyOrRefusal(post, config.maxBodyBytes);
    if ("refusal" in read) return read.refusal;
    // A waiting body holds only its raw bytes; parsed JSON is several times larger, so it is
    // made only once the post may run. That keeps memory flat under overload.
    await ticket.whenRunning();
    return await handle(cluster, read.bytes);
  } finally {
    ticket.release();
  }
}
