import { getAppContext } from "@/server/app/context";
import { handleAuditPost, refuseAuditMethod } from "@/server/ingest/http/webAuditEndpoint";

export const dynamic = "force-dynamic";

/** The audit webhook for one cluster: point a cluster's webhook kubeconfig at /api/audit/<cluster>. */
export async function POST(request: Request, context: { params: Promise<{ cluster: string }> }): Promise<Response> {
  const { cluster } = await context.params;
  return handleAuditPost(request, cluster, await getAppContext());
}

// Every other method: a 405 naming POST (HEAD runs GET's).
export { refuseAuditMethod as GET, refuseAuditMethod as PUT, refuseAuditMethod as PATCH, refuseAuditMethod as DELETE, refuseAuditMethod as OPTIONS };
