import { INTERNAL_ERROR_MESSAGE } from "../../app/internalError";
import { answerEventsPost, eventsMethodNotAllowed, eventsPathNotFound, type EventsEndpointDeps } from "../events/eventsEndpoint";
import { DRAINED_BODY_FACTOR, errorAnswer, responseOf } from "./jsonPost";
import { discardBody, readBodyWithLimit } from "./readBody";

/**
 * The Kubernetes Events endpoint as a web `Request` handler: what the route handlers under
 * app/api/events run, in `next dev` and in the production server alike (posts of Events are
 * few and small: they do not need the audit webhook's own Node handler).
 */
export async function handleEventsPost(request: Request, clusterSegment: string | undefined, deps: EventsEndpointDeps): Promise<Response> {
  const headers = request.headers;
  let bodyRead = false;
  try {
    const answer = await answerEventsPost(
      {
        clusterSegment,
        authorization: headers.get("authorization"),
        contentType: headers.get("content-type"),
        contentEncoding: headers.get("content-encoding"),
        contentLength: headers.get("content-length"),
        readBody: (limit) => {
          bodyRead = true;
          return readBodyWithLimit(request.body, limit);
        },
      },
      deps,
    );
    // A refusal that keeps the connection (refusalHeaders) reads and drops the body first. Left
    // unread, a body the route handler's stream had begun to take stalls the connection: Node's
    // server does not drain a request its consumer holds, and the caller's next request on that
    // connection waits until the server's keep-alive timeout resets it (seen with a 401 or 413 of
    // a few hundred KB: eventsEndpoint.integration-test.ts).
    if (!bodyRead && answer.headers.Connection !== "close") await discardBody(request.body, DRAINED_BODY_FACTOR * deps.config.maxBodyBytes);
    return responseOf(answer);
  } catch (error) {
    // Bad input is answered above; this is the server's own failure, told in its log only.
    console.error(`Kubernetes Events endpoint: ${(error as Error).stack ?? error}`);
    return responseOf(errorAnswer(500, "internal", INTERNAL_ERROR_MESSAGE));
  }
}

/** Any method but POST on the endpoint's paths (see refuseAuditMethod for why each method is exported). */
export function refuseEventsMethod(request: Request): Response {
  return responseOf(eventsMethodNotAllowed(request.method));
}

/** Any method on a path below `/api/events/{cluster}/`, which Next would answer with its HTML 404 page. */
export function refuseUnknownEventsPath(request: Request): Response {
  return responseOf(eventsPathNotFound(new URL(request.url).pathname));
}
