import { getAppContext } from "@/server/app/context";
import { handleSources } from "@/server/app/sources";

export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return handleSources(getAppContext);
}
