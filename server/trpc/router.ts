import { router } from "./init";
import { clustersRouter } from "./routers/clusters";
import { objectsRouter } from "./routers/objects";
import { searchRouter } from "./routers/search";

/** The dashboard's API (served at /api/trpc). Each part of the dashboard has its own router. */
export const appRouter = router({
  clusters: clustersRouter,
  objects: objectsRouter,
  search: searchRouter,
});

export type AppRouter = typeof appRouter;
