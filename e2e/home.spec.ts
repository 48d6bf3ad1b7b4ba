import { expect, test, type Page } from "@playwright/test";
import { E2E_TOKEN } from "../playwright.config";
import { loadFalcoTraceEvent } from "../server/testing/fixtures";

/** Two images of the real OpenShift apiserver rollout (shared/fixtures/real/openshift-must-gather-azure). */
const OLD_IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:88ae283a89a577429b23a4e8424683598fe11c267bb81e72ea0dc1b26cf29446";
const NEW_IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:3554261f3e8faff54e4453a19e8916f073b5a1ee8ad389c0396aa3e8812297ad";
const CLUSTER = "e2e-layout";
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** The annotation `kubectl apply` leaves: the applied manifest as compact JSON, keys sorted. */
function lastApplied(image: string): string {
  const manifest = { apiVersion: "v1", data: { image }, kind: "ConfigMap", metadata: { annotations: {}, name: "my-config", namespace: "default" } };
  return `${JSON.stringify(manifest)}\n`;
}

/**
 * The real falco trace create_configmap.json (a ConfigMap created at RequestResponse level) with
 * an image reference added to its data, then the `kubectl apply` of a new image: diff lines
 * whose values hold no place to break for 100 characters and more (a digest; the
 * last-applied-configuration annotation, JSON on one line), as rollouts have. Times moved after
 * the sample's (2021-09-14) so that the rows lead the home page whatever else the tests stored.
 */
function imageChangeBatch(): string {
  const create = structuredClone(loadFalcoTraceEvent("create_configmap.json")) as Record<string, any>;
  create.requestObject.data.image = OLD_IMAGE;
  create.responseObject.data.image = OLD_IMAGE;
  create.requestReceivedTimestamp = "2021-09-14T09:00:00.000000Z";
  create.stageTimestamp = "2021-09-14T09:00:00.005000Z";
  const update = structuredClone(create);
  update.auditID = "155b887c-c27c-4fdb-9667-999f74512d0b";
  update.verb = "update";
  update.requestURI = "/api/v1/namespaces/default/configmaps/my-config";
  update.objectRef.name = "my-config";
  update.requestObject = structuredClone(create.responseObject);
  update.requestObject.data.image = NEW_IMAGE;
  update.requestObject.metadata.annotations = { [LAST_APPLIED]: lastApplied(NEW_IMAGE) };
  update.responseObject = structuredClone(update.requestObject);
  update.responseObject.metadata.resourceVersion = "265143";
  update.responseStatus = { code: 200, metadata: {} };
  update.requestReceivedTimestamp = "2021-09-14T09:01:00.000000Z";
  update.stageTimestamp = "2021-09-14T09:01:00.005000Z";
  return JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: [create, update] });
}

/** How far the page reaches past the right edge of the window, in CSS pixels (0: not at all). */
function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

test("long diff values wrap inside the home page's table instead of widening the page", async ({ page, request }) => {
  const headers = { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` };
  const posted = await request.post(`/api/audit/${CLUSTER}`, { headers, data: imageChangeBatch() });
  expect(await posted.json()).toMatchObject({ rejected: 0 });

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/");
  const row = page.getByRole("row").filter({ hasText: CLUSTER }).filter({ hasText: "data.image" });
  await expect(row).toContainText(`${OLD_IMAGE} -> ${NEW_IMAGE}`);
  await expect(row).toContainText(`metadata.annotations (added) {"${LAST_APPLIED}":`);
  expect(await overflow(page)).toBe(0);
  // With room to spare, a time is one line, and so is the link beside it.
  for (const cell of [row.getByRole("cell").first().locator("code"), row.getByRole("link", { name: "trace" })]) {
    expect(await cell.evaluate((element) => element.getClientRects().length)).toBe(1);
  }
  await page.screenshot({ path: "test-results/home-long-values.png", fullPage: true });

  // A window beside another on a laptop's screen.
  await page.setViewportSize({ width: 800, height: 800 });
  expect(await overflow(page)).toBe(0);
});

test("at a phone's width the latest changes scroll sideways in their box, not the whole page, and names stay readable", async ({ page, request }) => {
  const headers = { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` };
  const posted = await request.post(`/api/audit/${CLUSTER}`, { headers, data: imageChangeBatch() });
  expect(await posted.json()).toMatchObject({ rejected: 0 });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/");
  const row = page.getByRole("row").filter({ hasText: CLUSTER }).filter({ hasText: "data.image" });
  await expect(row).toBeVisible();
  expect(await overflow(page)).toBe(0);
  // Squeezed to the window, a name broke every few characters and took a dozen lines.
  const objectCell = row.getByRole("cell").nth(2);
  expect(await objectCell.evaluate((element) => element.getBoundingClientRect().width)).toBeGreaterThanOrEqual(120);
  await page.screenshot({ path: "test-results/home-phone.png" });
});

test("pages name an icon that the server has, so the browser does not ask for a missing /favicon.ico", async ({ page, request }) => {
  await page.goto("/search");
  const icon = await page.locator('head link[rel="icon"]').first().getAttribute("href", { timeout: 5_000 });
  expect(icon).not.toBeNull();
  const fetched = await request.get(icon!);
  expect(fetched.status()).toBe(200);
  expect(fetched.headers()["content-type"]).toContain("image/");
});
