import { getAppContext } from "@/server/app/context";
import { handleRedirect } from "@/server/jaeger/redirect";

export const dynamic = "force-dynamic";

/** `GET /redirect?cluster=&resource=&namespace=&name=&ts=`: to the object's trace, for links from alerts and chat. */
export async function GET(request: Request): Promise<Response> {
  const { config, db } = await getAppContext();
  return handleRedirect(request, { db, basePath: config.jaegerBasePath, uiServed: config.jaegerUiDir !== null });
}
