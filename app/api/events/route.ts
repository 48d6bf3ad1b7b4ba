import { getAppContext } from "@/server/app/context";
import { handleEventsPost, refuseEventsMethod } from "@/server/ingest/http/webEventsEndpoint";

export const dynamic = "force-dynamic";

/** Kubernetes Events of the configured default cluster (KUBETRAIL_DEFAULT_CLUSTER). */
export async function POST(request: Request): Promise<Response> {
  return handleEventsPost(request, undefined, await getAppContext());
}

// Every other method: a 405 naming POST (HEAD runs GET's).
export { refuseEventsMethod as GET, refuseEventsMethod as PUT, refuseEventsMethod as PATCH, refuseEventsMethod as DELETE, refuseEventsMethod as OPTIONS };
