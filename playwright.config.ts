import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

/**
 * Browser tests against the real production server (`npm start`: next build, then scripts/serve.mjs) on
 * the embedded database in a fresh directory, driving Debian's Chromium (Playwright's own
 * browser download is not used).
 */
const PORT = Number(process.env.KUBETRAIL_E2E_PORT ?? 3210);
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!fs.existsSync(chromium)) {
  throw new Error(`browser tests need Chromium at ${chromium}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
}
// The main process starts the server; workers only read this file again.
const dataDir = process.env.KUBETRAIL_E2E_DATA_DIR ?? (process.env.KUBETRAIL_E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "kubetrail-e2e-")));

export const E2E_TOKEN = "e2e-token-0123456789";

export default defineConfig({
  testDir: "e2e",
  timeout: 60_000,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: {
      executablePath: chromium,
      // This machine has no network beyond loopback: keep Chromium from trying.
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: "npx tsx scripts/start.ts",
    url: `http://127.0.0.1:${PORT}/api/ready`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      PORT: String(PORT),
      HOSTNAME: "127.0.0.1",
      KUBETRAIL_DATA_DIR: dataDir,
      KUBETRAIL_INGEST_TOKEN: E2E_TOKEN,
      DATABASE_URL: "",
    },
  },
});
