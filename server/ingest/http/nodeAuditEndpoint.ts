import type { IncomingMessage, ServerResponse } from "node:http";
import { answerAuditPost, AUDIT_METHOD, auditMethodNotAllowed, auditPathNotFound, refusalHeaders, type AuditAnswer, type AuditEndpointDeps } from "./auditEndpoint";
import { IncompleteBodyError, readNodeBodyWithLimit } from "./readBody";

const AUDIT_PATH = /^\/api\/audit(?:\/([^/]+))?\/?$/;
/** Under the webhook's paths (`/api/audit/x/y`): no route answers these, so the webhook's handler does. */
const UNDER_AUDIT_PATH = /^\/api\/audit\//;

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The `{cluster}` segment of an audit webhook path (`/api/audit` → undefined, the default
 * cluster; `/api/audit/prod` → "prod"), or null when the URL is not the webhook's: the paths
 * the route handlers under app/api/audit answer, with or without a trailing slash, any query.
 */
export function auditClusterOfPath(url: string): string | undefined | null {
  const match = AUDIT_PATH.exec(pathOf(url));
  if (!match) return null;
  if (match[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    // Not valid percent-encoding: kept as sent, and refused as a cluster name.
    return match[1];
  }
}

function writeAnswer(response: ServerResponse, answer: AuditAnswer): void {
  const json = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    ...answer.headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(json),
  });
  response.end(json);
}

function headerOf(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === "string" ? value : null;
}

/**
 * The audit webhook on Node's own request and response objects: the production server
 * (`scripts/serve.mjs`) answers `POST /api/audit[/{cluster}]` with it instead of routing
 * through Next.js, whose web streams cost the server's one thread several milliseconds per
 * ~1 MB batch (docs/benchmarks.md). Same answers as the route handlers: both run
 * `answerAuditPost`.
 */
export async function serveAuditPost(request: IncomingMessage, response: ServerResponse, clusterSegment: string | undefined, deps: AuditEndpointDeps): Promise<void> {
  const contentLength = headerOf(request, "content-length");
  // Node's HTTP parser has checked that a Content-Length it framed the body by is a number.
  const declaredLength = contentLength === null ? null : Number(contentLength);
  try {
    const answer = await answerAuditPost(
      {
        clusterSegment,
        authorization: headerOf(request, "authorization"),
        contentType: headerOf(request, "content-type"),
        contentEncoding: headerOf(request, "content-encoding"),
        contentLength,
        readBody: (limit) => readNodeBodyWithLimit(request, declaredLength, limit, deps.config.bodyIdleTimeoutMs),
      },
      deps,
    );
    writeAnswer(response, answer);
  } catch (error) {
    if (error instanceof IncompleteBodyError) {
      // The client went away mid-body: there is no one to answer.
      request.destroy();
      return;
    }
    console.error(`audit webhook: ${(error as Error).stack ?? error}`);
    if (!response.headersSent) response.writeHead(500, { "Content-Type": "application/json", Connection: "close" });
    response.end(JSON.stringify({ error: { code: "internal", message: "internal error" } }));
  }
}

/** Answers a request and returns true when it is the audit webhook's; false leaves it to the caller. */
export type NodeRequestHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * `serveAuditPost` for the requests that are the webhook's (POST to its paths); any other
 * method on its paths, and any path below a cluster's, gets the JSON refusal the route handlers
 * under app/api/audit give. Refused before the body is read: a small one is read and dropped,
 * a large one closes the connection (refusalHeaders).
 */
export function createAuditWebhookHandler(deps: AuditEndpointDeps): NodeRequestHandler {
  return (request, response) => {
    const url = request.url ?? "/";
    const cluster = auditClusterOfPath(url);
    let refusal: AuditAnswer;
    if (cluster !== null) {
      if (request.method === AUDIT_METHOD) {
        void serveAuditPost(request, response, cluster, deps);
        return true;
      }
      refusal = auditMethodNotAllowed(request.method ?? "");
    } else if (UNDER_AUDIT_PATH.test(pathOf(url))) {
      refusal = auditPathNotFound(pathOf(url));
    } else {
      return false;
    }
    // A chunked body is of unknown length; with neither header there is no body (a GET's).
    const declaredLength = request.headers["transfer-encoding"] === undefined ? Number(headerOf(request, "content-length") ?? 0) : NaN;
    writeAnswer(response, { ...refusal, headers: { ...refusal.headers, ...refusalHeaders(declaredLength, deps.config.maxBodyBytes) } });
    return true;
  };
}
