import { expect, test, type APIRequestContext } from "@playwright/test";
import { E2E_TOKEN } from "../playwright.config";
import { CASCADE, cascadeEventList, openshiftCascade } from "../server/testing/scenarios/openshiftCascade";

/**
 * A /redirect link from an alert, opened in the browser, when it cannot redirect. Data: the
 * rolling update of the real OpenShift Deployment openshift-apiserver/apiserver (openshiftCascade,
 * from shared/fixtures/real/openshift-must-gather-azure) in two clusters of this spec's own.
 */
const CLUSTERS = ["e2e-redirect-a", "e2e-redirect-b"];
const DEPLOYMENT = `resource=deployments&namespace=${CASCADE.namespace}&name=apiserver`;

async function post(request: APIRequestContext, cluster: string, body: unknown): Promise<void> {
  const headers = { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` };
  const posted = await request.post(`/api/audit/${cluster}`, { headers, data: JSON.stringify(body) });
  expect(posted.status()).toBe(200);
  expect(await posted.json()).toMatchObject({ rejected: 0 });
}

test.beforeAll(async ({ request }) => {
  for (const cluster of CLUSTERS) await post(request, cluster, cascadeEventList(openshiftCascade()));
});

test("a link to an object that did not exist around now shows why, and offers the search over any time, which finds it", async ({ page }) => {
  // No ts: around now, and the rollout was in 2021.
  const response = await page.goto(`/redirect?cluster=${CLUSTERS[0]}&${DEPLOYMENT}`);
  expect(response!.status()).toBe(404);
  await expect(page).toHaveTitle("No object found · Kubetrail");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("No object found");
  await expect(page.getByText(`no object with cluster=${CLUSTERS[0]}, resource=deployments, namespace=${CASCADE.namespace}, name=apiserver existed in`)).toBeVisible();
  await page.screenshot({ path: "test-results/redirect-not-found.png", fullPage: true });

  await page.getByRole("link", { name: `Search for deployments ${CASCADE.namespace}/apiserver in cluster ${CLUSTERS[0]} at any time` }).click();
  await expect(page).toHaveURL(new RegExp(`/search\\?cluster=${CLUSTERS[0]}&namespace=${CASCADE.namespace}&kind=deployments&name=apiserver$`));
  await expect(page.getByRole("status")).toHaveText("1 object, most recently active first.");
  await page.getByRole("link", { name: `${CASCADE.namespace}/apiserver` }).click();
  await expect(page).toHaveURL(/\/objects\/\d+\?from=[^&]+&to=[^&]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Deployment ${CASCADE.namespace}/apiserver`);
});

test("a link that several objects match lists them, each opening its object page around ts", async ({ page }) => {
  // No cluster: the Deployment is in both of this spec's clusters (and in other specs' ones).
  const response = await page.goto(`/redirect?${DEPLOYMENT}&ts=2021-09-13T14:58:00Z`);
  expect(response!.status()).toBe(409);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Several objects match");
  await expect(page.getByText(/objects with resource=deployments, namespace=openshift-apiserver, name=apiserver existed in .*; add cluster, or pick one$/)).toBeVisible();
  for (const cluster of CLUSTERS) await expect(page.getByRole("link", { name: `Deployment ${CASCADE.namespace}/apiserver in cluster ${cluster}`, exact: true })).toBeVisible();
  await page.screenshot({ path: "test-results/redirect-ambiguous.png", fullPage: true });

  await page.getByRole("link", { name: `Deployment ${CASCADE.namespace}/apiserver in cluster ${CLUSTERS[1]}`, exact: true }).click();
  await expect(page).toHaveURL(/\/objects\/\d+\?from=2021-09-13T14%3A28%3A00\.000Z&to=2021-09-13T15%3A28%3A00\.000Z$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Deployment ${CASCADE.namespace}/apiserver`);
  await expect(page.getByTitle("Cluster", { exact: true })).toHaveText(CLUSTERS[1]!);
});
