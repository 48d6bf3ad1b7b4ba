import { router } from "./init";
import { clustersRouter } from "./routers/clusters";
import { searchRouter } from "./routers/search";

/** The dashboard's API (served at /api/trpc). Each part of the dashboard has its own router. */
export const appRouter = router({
  clusters: clustersRouter,
  search: searchRouter,
});

export type AppRouter = typeof appRouter;
