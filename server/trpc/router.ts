import { router } from "./init";
import { clustersRouter } from "./routers/clusters";

/** The dashboard's API (served at /api/trpc). Each part of the dashboard has its own router. */
export const appRouter = router({
  clusters: clustersRouter,
});

export type AppRouter = typeof appRouter;
