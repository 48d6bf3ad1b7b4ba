import { getAppContext } from "@/server/app/context";
import { handleRedirect, type DashboardLinks } from "@/server/jaeger/redirect";
import { EMPTY_SEARCH, searchHrefOf } from "@/components/search/searchQuery";
import { objectPageHref } from "@/components/timeline/urlState";

export const dynamic = "force-dynamic";

/** `GET /redirect?cluster=&resource=&namespace=&name=&ts=`: to the object's trace, for links from alerts and chat. */
export async function GET(request: Request): Promise<Response> {
  const { config, db } = await getAppContext();
  const dashboard: DashboardLinks = {
    // No from or to: the search over any time.
    search: ({ cluster, namespace, kind, name }) => searchHrefOf({ ...EMPTY_SEARCH, cluster: cluster ?? "", namespace: namespace ?? "", kind, name }),
    object: (objectId, range) => objectPageHref(objectId, range),
  };
  return handleRedirect(request, { db, basePath: config.jaegerBasePath, uiServed: config.jaegerUiDir !== null, dashboard });
}
