import { getAppContext } from "@/server/app/context";
import { handleV3TraceSummaries } from "@/server/jaeger/v3/handlers";

export const dynamic = "force-dynamic";

/** Jaeger API v3: trace search, as summaries (what the current Jaeger UI searches with). */
export async function GET(request: Request): Promise<Response> {
  return handleV3TraceSummaries(request, await getAppContext());
}
