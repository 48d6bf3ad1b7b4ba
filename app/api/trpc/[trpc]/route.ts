import { getAppContext } from "@/server/app/context";
import { handleDashboardApi } from "@/server/trpc/handler";

export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
  return handleDashboardApi(request, async () => {
    const { db, config } = await getAppContext();
    return { sql: db, config };
  });
}

export { handle as GET, handle as POST };
