// Generates the Prisma client (server/store/generated) after `npm install`.
// `prisma generate` is WASM-only in Prisma 7, but the CLI checks at start-up that a
// schema-engine binary exists. That binary is downloaded by a postinstall step that npm 11
// does not run (and whose host may be unreachable), so point the check at a file that
// exists; generate never executes it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
const result = spawnSync(process.execPath, ["node_modules/prisma/build/index.js", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
