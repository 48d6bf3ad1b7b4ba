import { getAppContext } from "@/server/app/context";
import { handleReady } from "@/server/app/health";

export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return handleReady(getAppContext);
}
