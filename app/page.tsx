import { getAppContext } from "@/server/app/context";
import { traceLinkOf } from "@/server/jaeger/redirect";
import { loadOverview } from "@/server/query/overview";
import { RecentHistory } from "@/components/RecentHistory";
import { HomeSearchBox } from "@/components/search/HomeSearchBox";
import { SourcesStatus } from "@/components/SourcesStatus";
import { sourceStatusSnapshot } from "@/server/ingest/sources/sourceStatus";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const { db, config, sources } = await getAppContext();
  const overview = await loadOverview(db);
  // Linked by the object itself, not by its name through /redirect: a name reused after a
  // delete belongs to several objects, and /redirect would only list them.
  const links = { basePath: config.jaegerBasePath, uiServed: config.jaegerUiDir !== null };
  const recent = overview.recent.map((entry) => ({ ...entry, traceLink: traceLinkOf(entry.objectId, entry.startTime.getTime(), links).location }));
  return (
    <>
      <HomeSearchBox />
      <div className="stats">
        <div><strong>{overview.clusters}</strong>clusters</div>
        <div><strong>{overview.objects}</strong>objects</div>
        <div><strong>{overview.historyEntries}</strong>history entries</div>
      </div>
      <SourcesStatus sources={sourceStatusSnapshot(sources)} />
      <h2>Latest changes</h2>
      <RecentHistory entries={recent} traceOpensUi={links.uiServed} />
    </>
  );
}
