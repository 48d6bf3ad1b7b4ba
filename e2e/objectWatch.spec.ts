import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { createPostgresDatabase } from "../server/testing/databases";
import { openPostgres } from "../server/store/postgres";
import type { Database } from "../server/store/database";
import { CASCADE, cascadeEventList, openshiftCascade } from "../server/testing/scenarios/openshiftCascade";
import { insertWatchRows, versionsOf, watchRowsOf } from "../server/testing/scenarios/watchedCascade";
import { SERVER_NODE_FLAGS, serverEntryOf } from "../scripts/lib/serverNodeFlags";

/**
 * What a watch observed, on the object page. The store's watch writer is not in this build yet,
 * so the watch entries go into the database by SQL: this spec runs its own production server
 * (the build the suite's server made) on a Postgres database of its own, where it can write them,
 * as the integration tests do (server/testing/databases.ts: KUBETRAIL_TEST_POSTGRES_URL).
 *
 * The data: the real OpenShift rollout (server/testing/scenarios/openshiftCascade.ts) posted to
 * the audit webhook, less two of the Deployment's writes that audit missed (its create and one
 * status update), and the entries a watch of the Deployment stored of every version
 * (server/testing/scenarios/watchedCascade.ts, from the same real bodies).
 */
const CLUSTER = "e2e-watch";
const TOKEN = "e2e-watch-token-0123456789";
const MISSED_BY_AUDIT = new Set(["create deployment apiserver", "deployment apiserver status: 3 available"]);

let server: ChildProcess;
let baseUrl: string;
let database: { url: string; drop: () => Promise<void> };
let db: Database;
let deploymentId: number;
let watchIdOf: Map<string, number>;
let audit9109Id: number;

/** Starts the production server on a free port; resolves with its URL once it says it listens. */
function startServer(databaseUrl: string): Promise<string> {
  const root = path.resolve(import.meta.dirname, "..");
  server = spawn(process.execPath, [...SERVER_NODE_FLAGS, serverEntryOf(root)], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOSTNAME: "127.0.0.1", DATABASE_URL: databaseUrl, KUBETRAIL_INGEST_TOKEN: TOKEN, KUBETRAIL_REDACTION_KEY: "e2e-watch-redaction-key", KUBETRAIL_CLUSTERS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /kubetrail: listening on (http:\/\/[^\s]+)/.exec(output);
      if (listening) resolve(listening[1]!.replace(/\/$/, ""));
    };
    server.stdout!.on("data", read);
    server.stderr!.on("data", read);
    server.on("exit", (code) => reject(new Error(`the server exited (${code}) before it listened: ${output}`)));
  });
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(120_000);
  database = await createPostgresDatabase();
  baseUrl = await startServer(database.url);
  const steps = openshiftCascade().filter((step) => !MISSED_BY_AUDIT.has(step.label));
  const posted = await request.post(`${baseUrl}/api/audit/${CLUSTER}`, { headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, data: JSON.stringify(cascadeEventList(steps)) });
  expect(await posted.json()).toMatchObject({ rejected: 0 });
  db = openPostgres(database.url, { maxConnections: 2 });
  const found = await db.query<{ id: string }>(
    `SELECT o.id FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.resource = 'deployments' AND o.name = $2`,
    [CLUSTER, CASCADE.deployment.name],
  );
  deploymentId = Number(found.rows[0]!.id);
  const versions = versionsOf(openshiftCascade(), "deployments", CASCADE.deployment.name);
  const ids = await insertWatchRows(db, deploymentId, watchRowsOf(versions));
  watchIdOf = new Map(versions.map((version, i) => [version.resourceVersion, ids[i]!]));
  const audit = await db.query<{ id: string }>(`SELECT id FROM history_entries WHERE object_id = $1 AND source = 'audit' AND details::text LIKE '%"resourceVersionAfter":"9109"%'`, [deploymentId]);
  audit9109Id = Number(audit.rows[0]!.id);
});

test.afterAll(async () => {
  server?.kill("SIGTERM");
  await db?.close();
  await database?.drop();
});

const panel = (page: Page) => page.getByRole("complementary", { name: "Entry details" });
const mark = (page: Page, id: number) => page.locator(`[data-entry-id="${id}"]`);
const field = (page: Page, label: string) => panel(page).locator(`dt:text-is("${label}") + dd`);

test("what a watch observed is a diamond of its own, and its panel says what the watch reported", async ({ page }) => {
  await page.setViewportSize({ width: 1600, height: 900 });
  // 14:53:10–14:53:45: audit's first sight of the Deployment (16.3), the watch's create (17.2), the status update audit missed (37.2).
  await page.goto(`${baseUrl}/objects/${deploymentId}?relations=self&from=2021-09-13T14:53:10Z&to=2021-09-13T14:53:45Z`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Deployment ${CASCADE.namespace}/${CASCADE.deployment.name}`);
  await expect(page.getByRole("list", { name: "Legend" })).toContainText("observed by a watch");

  const missed = mark(page, watchIdOf.get("9119")!);
  // A diamond in the colour of an update; the request audit saw, a bar. The watch's twin of that request is not drawn.
  await expect(missed).toHaveAttribute("data-source", "watch");
  await expect(missed).toHaveAttribute("data-mark", "update");
  expect(await missed.evaluate((element) => [element.tagName, element.getAttribute("points")?.split(" ").length, getComputedStyle(element).fill])).toEqual(["polygon", 4, "rgb(37, 99, 235)"]);
  expect(await mark(page, audit9109Id).evaluate((element) => element.tagName)).toBe("rect");
  await expect(mark(page, watchIdOf.get("9109")!)).toHaveCount(0);
  await expect(mark(page, watchIdOf.get("9101")!)).toHaveAttribute("data-mark", "create");
  await expect(missed).toHaveAttribute("aria-label", /^Watched, updated: kube-controller-manager update status \(watched\), 2021-09-13 14:53:37\.200000 UTC$/);

  await missed.hover();
  await expect(page.getByRole("tooltip")).toContainText("observed by a watch · updated · kube-controller-manager · status");
  await missed.click();
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText("kube-controller-manager update status (watched)");
  await expect(panel(page)).toContainText("observed by a watch");
  await expect(field(page, "Watch event")).toHaveText("updated · MODIFIED");
  await expect(field(page, "Manager").locator("code")).toHaveText("kube-controller-manager");
  await expect(field(page, "Manager")).toContainText("wrote it at 2021-09-13 14:53:36.000000 UTC");
  await expect(field(page, "Subresource")).toHaveText("status");
  await expect(field(page, "resourceVersion")).toHaveText("9109 → 9119");
  await expect(panel(page).getByRole("list", { name: "Changes" })).toContainText("status.readyReplicas 0 -> 3");
  await expect(panel(page)).not.toContainText("User agent");
  await page.screenshot({ path: "test-results/watch-entry.png" });
});

test("the audit entry of a write the watch also saw shows the watch's changes, and says so", async ({ page }) => {
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto(`${baseUrl}/objects/${deploymentId}?relations=self&from=2021-09-13T14:53:10Z&to=2021-09-13T14:53:45Z&entry=${audit9109Id}`);
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText("system:serviceaccount:kube-system:deployment-controller update status");
  await expect(field(page, "User agent")).toContainText("kube-controller-manager/");
  await expect(panel(page)).toContainText("As a watch saw the same write (resourceVersion 9109): audit had no earlier version to compare with.");
  await expect(panel(page).getByRole("list", { name: "Changes" })).toContainText('status (added) {"observedGeneration":1,');
});
