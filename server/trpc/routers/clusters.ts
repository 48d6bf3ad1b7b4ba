import { listClusters } from "../../query/clusters";
import { procedure, router } from "../init";

/** The clusters Kubetrail has heard from: the dashboard's cluster choices. */
export const clustersRouter = router({
  list: procedure.query(({ ctx }) => listClusters(ctx.sql)),
});
