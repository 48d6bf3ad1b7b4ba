// An ingest worker's entry point (server/ingest/workers/pool.ts starts it). The worker's code is
// the server's own TypeScript modules, loaded through tsx as `npm start` and the scripts are.
import { tsImport } from "tsx/esm/api";

await tsImport("./workerMain.ts", import.meta.url);
