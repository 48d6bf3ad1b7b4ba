import { refuseUnknownEventsPath } from "@/server/ingest/http/webEventsEndpoint";

export const dynamic = "force-dynamic";

// A path below a cluster's endpoint (/api/events/x/y), with any method: a JSON 404 naming the
// endpoint's paths, not Next's HTML 404 page.
export {
  refuseUnknownEventsPath as GET,
  refuseUnknownEventsPath as HEAD,
  refuseUnknownEventsPath as POST,
  refuseUnknownEventsPath as PUT,
  refuseUnknownEventsPath as PATCH,
  refuseUnknownEventsPath as DELETE,
  refuseUnknownEventsPath as OPTIONS,
};
