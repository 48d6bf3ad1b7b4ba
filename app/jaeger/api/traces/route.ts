import { getAppContext } from "@/server/app/context";
import { handleV1Traces } from "@/server/jaeger/v1/handlers";

export const dynamic = "force-dynamic";

/** Jaeger v1: trace search, or traces by `traceID`. */
export async function GET(request: Request): Promise<Response> {
  return handleV1Traces(request, await getAppContext());
}
