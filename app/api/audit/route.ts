import { getAppContext } from "@/server/app/context";
import { handleAuditPost, refuseAuditMethod } from "@/server/ingest/http/webAuditEndpoint";

export const dynamic = "force-dynamic";

/** The audit webhook for the configured default cluster (KUBETRAIL_DEFAULT_CLUSTER). */
export async function POST(request: Request): Promise<Response> {
  return handleAuditPost(request, undefined, await getAppContext());
}

// Every other method: a 405 naming POST (HEAD runs GET's).
export { refuseAuditMethod as GET, refuseAuditMethod as PUT, refuseAuditMethod as PATCH, refuseAuditMethod as DELETE, refuseAuditMethod as OPTIONS };
