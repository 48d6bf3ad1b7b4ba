import { getAppContext } from "@/server/app/context";
import { handleV1Trace } from "@/server/jaeger/v1/handlers";

export const dynamic = "force-dynamic";

/** Jaeger v1: one trace by ID. */
export async function GET(request: Request, context: { params: Promise<{ traceId: string }> }): Promise<Response> {
  const { traceId } = await context.params;
  return handleV1Trace(request, traceId, await getAppContext());
}
