import { refuseUnknownAuditPath } from "@/server/ingest/http/webAuditEndpoint";

export const dynamic = "force-dynamic";

// A path below a cluster's webhook (/api/audit/x/y), with any method: a JSON 404 naming the
// webhook's paths, not Next's HTML 404 page.
export {
  refuseUnknownAuditPath as GET,
  refuseUnknownAuditPath as HEAD,
  refuseUnknownAuditPath as POST,
  refuseUnknownAuditPath as PUT,
  refuseUnknownAuditPath as PATCH,
  refuseUnknownAuditPath as DELETE,
  refuseUnknownAuditPath as OPTIONS,
};
