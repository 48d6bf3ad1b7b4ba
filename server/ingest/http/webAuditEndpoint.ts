import { answerAuditPost, auditMethodNotAllowed, auditPathNotFound, type AuditEndpointDeps } from "./auditEndpoint";
import { ingestPostOf, responseOf } from "./jsonPost";

/**
 * The audit webhook as a web `Request` handler: what the Next.js route handlers under
 * app/api/audit run (`next dev`, and any server that routes through Next). The production
 * server answers the same path with `nodeAuditEndpoint.ts`, which skips the web streams.
 */
export async function handleAuditPost(request: Request, clusterSegment: string | undefined, deps: AuditEndpointDeps): Promise<Response> {
  const answer = await answerAuditPost(ingestPostOf(request, clusterSegment), deps);
  return responseOf(answer);
}

/**
 * Any method but POST on the webhook's paths. The route handlers export it for each method Next
 * knows but POST: a method a route file does not export, Next answers 405 with no body and no
 * Allow header, and OPTIONS 204. HEAD runs GET's, as Next does, without the body.
 */
export function refuseAuditMethod(request: Request): Response {
  return responseOf(auditMethodNotAllowed(request.method));
}

/** Any method on a path below `/api/audit/{cluster}/`, which Next would answer with its HTML 404 page. */
export function refuseUnknownAuditPath(request: Request): Response {
  return responseOf(auditPathNotFound(new URL(request.url).pathname));
}
