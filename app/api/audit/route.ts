import { getAppContext } from "@/server/app/context";
import { handleAuditPost } from "@/server/ingest/http/webAuditEndpoint";

export const dynamic = "force-dynamic";

/** The audit webhook for the configured default cluster (KUBETRAIL_DEFAULT_CLUSTER). */
export async function POST(request: Request): Promise<Response> {
  return handleAuditPost(request, undefined, await getAppContext());
}
