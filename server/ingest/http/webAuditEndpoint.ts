import { answerAuditPost, type AuditEndpointDeps } from "./auditEndpoint";
import { readBodyWithLimit } from "./readBody";

/**
 * The audit webhook as a web `Request` handler: what the Next.js route handlers under
 * app/api/audit run (`next dev`, and any server that routes through Next). The production
 * server answers the same path with `nodeAuditEndpoint.ts`, which skips the web streams.
 */
export async function handleAuditPost(request: Request, clusterSegment: string | undefined, deps: AuditEndpointDeps): Promise<Response> {
  const headers = request.headers;
  const answer = await answerAuditPost(
    {
      clusterSegment,
      authorization: headers.get("authorization"),
      contentType: headers.get("content-type"),
      contentEncoding: headers.get("content-encoding"),
      contentLength: headers.get("content-length"),
      readBody: (limit) => readBodyWithLimit(request.body, limit),
    },
    deps,
  );
  return Response.json(answer.body, { status: answer.status, headers: answer.headers });
}
