import { getAppContext } from "@/server/app/context";
import { serveJaegerUi } from "@/server/jaeger/ui/staticUi";

export const dynamic = "force-dynamic";

/** The Jaeger UI (JAEGER_UI_DIR) at the base path: its files, and index.html for its own routes. */
export async function GET(request: Request, context: { params: Promise<{ path?: string[] }> }): Promise<Response> {
  const { path = [] } = await context.params;
  const { config } = await getAppContext();
  return serveJaegerUi(request, path, { uiDir: config.jaegerUiDir, basePath: config.jaegerBasePath });
}
