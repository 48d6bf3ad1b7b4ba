import { getAppContext } from "@/server/app/context";
import { handleV3GetTrace } from "@/server/jaeger/v3/handlers";

export const dynamic = "force-dynamic";

/** Jaeger API v3: one trace by ID, as OTLP JSON. */
export async function GET(request: Request, context: { params: Promise<{ traceId: string }> }): Promise<Response> {
  const { traceId } = await context.params;
  return handleV3GetTrace(request, traceId, await getAppContext());
}
