import { handleV3Operations } from "@/server/jaeger/v3/handlers";

export const dynamic = "force-dynamic";

/** Jaeger API v3: the views of a trace, as operations. */
export function GET(request: Request): Promise<Response> {
  return handleV3Operations(request);
}
