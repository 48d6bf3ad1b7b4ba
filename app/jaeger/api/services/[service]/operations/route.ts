import { handleV1ServiceOperations } from "@/server/jaeger/v1/handlers";

export const dynamic = "force-dynamic";

/** Jaeger v1: the views of a trace, as operation names. */
export function GET(request: Request): Promise<Response> {
  return handleV1ServiceOperations(request);
}
