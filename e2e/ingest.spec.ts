import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { E2E_TOKEN } from "../playwright.config";

/** The sample audit log shipped in docs/samples, as one EventList. */
function sampleBatch(): string {
  const lines = fs.readFileSync(path.resolve("docs/samples/audit-sample.jsonl"), "utf8").trim().split("\n");
  return `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${lines.join(",")}]}`;
}

test("the production server is alive and ready", async ({ request }) => {
  expect((await request.get("/api/health")).status()).toBe(200);
  const ready = await request.get("/api/ready");
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toEqual({ status: "ready" });
  // No cluster is watched here (KUBETRAIL_CLUSTERS unset): the sources' status says so.
  const sources = await request.get("/api/sources");
  expect(sources.status()).toBe(200);
  expect(await sources.json()).toEqual({ sources: [] });
});

test("the audit webhook takes a real batch once, and refuses a caller without the token", async ({ request }) => {
  const headers = { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` };
  const first = await request.post("/api/audit/sample", { headers, data: sampleBatch() });
  expect(first.status()).toBe(200);
  // 57: the sample's attach and exec, recorded at ResponseStarted only, are history as open sessions.
  expect(await first.json()).toMatchObject({ cluster: "sample", received: 60, accepted: 58, duplicates: 2, history: 57, rejected: 0 });

  const retry = await request.post("/api/audit/sample", { headers, data: sampleBatch() });
  expect(await retry.json()).toMatchObject({ accepted: 0, duplicates: 60 });

  const anonymous = await request.post("/api/audit/sample", { headers: { "content-type": "application/json" }, data: sampleBatch() });
  expect(anonymous.status()).toBe(401);
});

test("the home page shows the latest changes with their diffs", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByText("history entries")).toBeVisible();
  // Rows of the sample's cluster: other specs post the same Deployment's history to clusters of
  // their own (those that run after this one: the latest changes are a global list).
  const sampleRow = (name: RegExp) => page.getByRole("row", { name }).filter({ has: page.getByRole("cell", { name: "sample", exact: true }) });
  const conflict = sampleRow(/kube:admin update \(Conflict\)/);
  await expect(conflict).toHaveClass(/failed/);
  const scaleUp = sampleRow(/kube:admin patch/);
  await expect(scaleUp).toContainText("spec.replicas 3 -> 5");
  const imageChange = sampleRow(/openshift-apiserver-operator patch/);
  await expect(imageChange).toContainText("spec.template.spec.containers[name=openshift-apiserver].image");
  await expect(sampleRow(/\(no change\)/)).toHaveCount(1);
  // Each row links to its object's trace, which the Jaeger-compatible API serves.
  const [response] = await Promise.all([page.waitForResponse(/\/jaeger\/api\/traces\//), scaleUp.getByRole("link", { name: "trace" }).click()]);
  expect(response.status()).toBe(200);
  const trace = (await response.json()).data[0];
  // The Deployment's own trace: rooted at its span, named with its cluster (Jaeger UI's title).
  expect(trace.spans.some((span: { operationName: string }) => span.operationName === "openshift-apiserver/apiserver (cluster sample)")).toBe(true);
  await page.goto("/");
  // Every row's link opens its own object's trace, also for a name that several objects had in
  // turn (the sample's ClusterRole some-reader was created and deleted four times).
  const links = await page.getByRole("link", { name: "trace" }).evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).href));
  expect(links.length).toBeGreaterThan(40);
  for (const link of links) expect((await page.request.get(link)).status(), link).toBe(200);
  await page.screenshot({ path: "test-results/home.png", fullPage: true });
});
