import { getAppContext } from "@/server/app/context";
import { handleV3FindTraces } from "@/server/jaeger/v3/handlers";

export const dynamic = "force-dynamic";

/** Jaeger API v3: trace search, as OTLP JSON. */
export async function GET(request: Request): Promise<Response> {
  return handleV3FindTraces(request, await getAppContext());
}
