import { router } from "./init";
import { clustersRouter } from "./routers/clusters";
import { objectsRouter } from "./routers/objects";

/** The dashboard's API (served at /api/trpc). Each part of the dashboard has its own router. */
export const appRouter = router({
  clusters: clustersRouter,
  objects: objectsRouter,
});

export type AppRouter = typeof appRouter;
