import { handleV1Operations } from "@/server/jaeger/v1/handlers";

export const dynamic = "force-dynamic";

/** Jaeger v1: the views of a trace, as `{name, spanKind}`. */
export function GET(request: Request): Promise<Response> {
  return handleV1Operations(request);
}
