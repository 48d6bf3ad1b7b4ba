import { getAppContext } from "@/server/app/context";
import { handleEventsPost, refuseEventsMethod } from "@/server/ingest/http/webEventsEndpoint";

export const dynamic = "force-dynamic";

/** Kubernetes Events of one cluster, pushed (an event exporter's webhook sink, a script): /api/events/<cluster>. */
export async function POST(request: Request, context: { params: Promise<{ cluster: string }> }): Promise<Response> {
  const { cluster } = await context.params;
  return handleEventsPost(request, cluster, await getAppContext());
}

// Every other method: a 405 naming POST (HEAD runs GET's).
export { refuseEventsMethod as GET, refuseEventsMethod as PUT, refuseEventsMethod as PATCH, refuseEventsMethod as DELETE, refuseEventsMethod as OPTIONS };
