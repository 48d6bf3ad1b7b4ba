import { getAppContext } from "@/server/app/context";
import { loadOverview } from "@/server/query/overview";
import { RecentHistory } from "@/components/RecentHistory";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const { db } = await getAppContext();
  const overview = await loadOverview(db);
  return (
    <>
      <div className="stats">
        <div><strong>{overview.clusters}</strong>clusters</div>
        <div><strong>{overview.objects}</strong>objects</div>
        <div><strong>{overview.historyEntries}</strong>history entries</div>
      </div>
      <h2>Latest changes</h2>
      <RecentHistory entries={overview.recent} />
    </>
  );
}
