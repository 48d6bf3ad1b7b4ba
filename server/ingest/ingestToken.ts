import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Config } from "../config/config";

export const TOKEN_FILE_NAME = "ingest-token";

/**
 * When ingest requires a token but none is configured, the first start generates one and
 * keeps it in `<dataDir>/ingest-token` (readable by the owner only), so that the quick start
 * is secure without a setup step. Returns the token and whether it was just created.
 */
export function ensureGeneratedIngestToken(config: Pick<Config, "ingestAuth" | "dataDir">): { token: string; file: string; created: boolean } | null {
  const auth = config.ingestAuth;
  if (auth.mode === "disabled" || auth.sharedToken || Object.keys(auth.clusterTokens).length > 0) return null;
  const file = path.join(config.dataDir, TOKEN_FILE_NAME);
  if (fs.existsSync(file)) return { token: fs.readFileSync(file, "utf8").trim(), file, created: false };
  fs.mkdirSync(config.dataDir, { recursive: true });
  const token = crypto.randomBytes(24).toString("base64url");
  fs.writeFileSync(file, token + "\n", { mode: 0o600 });
  return { token, file, created: true };
}
