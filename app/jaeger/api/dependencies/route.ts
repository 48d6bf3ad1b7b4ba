import { getAppContext } from "@/server/app/context";
import { handleV1Dependencies } from "@/server/jaeger/v1/handlers";

export const dynamic = "force-dynamic";

/** Jaeger v1: relations between kinds, as service dependencies. */
export async function GET(request: Request): Promise<Response> {
  return handleV1Dependencies(request, await getAppContext());
}
