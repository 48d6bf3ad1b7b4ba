import { INTERNAL_ERROR_MESSAGE } from "../../app/internalError";
import { answerEventsPost, eventsMethodNotAllowed, eventsPathNotFound, type EventsEndpointDeps } from "../events/eventsEndpoint";
import { errorAnswer, ingestPostOf, responseOf } from "./jsonPost";

/**
 * The Kubernetes Events endpoint as a web `Request` handler: what the route handlers under
 * app/api/events run, in `next dev` and in the production server alike (posts of Events are
 * few and small: they do not need the audit webhook's own Node handler).
 */
export async function handleEventsPost(request: Request, clusterSegment: string | undefined, deps: EventsEndpointDeps): Promise<Response> {
  try {
    const answer = await answerEventsPost(ingestPostOf(request, clusterSegment), deps);
    return responseOf(answer);
  } catch (error) {
    // answerEventsPost answers bad input; this is the server's own failure, told in its log only.
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
