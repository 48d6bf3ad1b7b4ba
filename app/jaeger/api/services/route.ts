import { getAppContext } from "@/server/app/context";
import { handleV1Services } from "@/server/jaeger/v1/handlers";

export const dynamic = "force-dynamic";

/** Jaeger v1: the kinds of objects in the store, as services. */
export async function GET(request: Request): Promise<Response> {
  return handleV1Services(request, await getAppContext());
}
