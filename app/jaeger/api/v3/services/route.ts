import { getAppContext } from "@/server/app/context";
import { handleV3Services } from "@/server/jaeger/v3/handlers";

export const dynamic = "force-dynamic";

/** Jaeger API v3: the kinds of objects in the store, as services. */
export async function GET(request: Request): Promise<Response> {
  return handleV3Services(request, await getAppContext());
}
