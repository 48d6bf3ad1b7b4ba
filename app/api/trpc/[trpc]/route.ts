import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getAppContext } from "@/server/app/context";
import { appRouter } from "@/server/trpc/router";

export const dynamic = "force-dynamic";

async function handle(request: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: async () => {
      const { db, config } = await getAppContext();
      return { sql: db, config };
    },
  });
}

export { handle as GET, handle as POST };
