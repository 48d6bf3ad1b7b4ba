import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E_TOKEN } from "../playwright.config";
import { loadFalcoTraceEvent, loadFalcoTraceEvents } from "../server/testing/fixtures";
import { eventList } from "../server/testing/scenarios/rollout";
import { CASCADE, cascadeEventList, openshiftCascade } from "../server/testing/scenarios/openshiftCascade";

/**
 * The search page against the real server. Data: the rolling update of the real OpenShift
 * Deployment openshift-apiserver/apiserver through its ReplicaSets and Pods (openshiftCascade,
 * from shared/fixtures/real/openshift-must-gather-azure), and every real falco k8s-audit trace,
 * each in a cluster of its own.
 */
const CLUSTER = "e2e-search";
const FALCO_CLUSTER = "e2e-search-falco";
/** The search's error (Next's route announcer is an alert too). */
const searchError = (page: Page) => page.getByRole("alert").filter({ hasText: "The search failed" });
const REV3_PODS = ["apiserver-5d887d5fcd-mrn5h", "apiserver-5d887d5fcd-qnvqh", CASCADE.quarantined.name, CASCADE.replacement.name];

async function post(request: APIRequestContext, cluster: string, body: unknown): Promise<void> {
  const headers = { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` };
  const posted = await request.post(`/api/audit/${cluster}`, { headers, data: JSON.stringify(body) });
  expect(posted.status()).toBe(200);
  expect(await posted.json()).toMatchObject({ rejected: 0 });
}

/** The names in the results table, in its order. */
async function resultNames(page: Page): Promise<string[]> {
  const rows = page.getByRole("table").getByRole("row").filter({ has: page.getByRole("link") });
  return (await rows.getByRole("link").allTextContents()).map((text) => text.replace(/^.*\//, ""));
}

test.beforeAll(async ({ request }) => {
  await post(request, CLUSTER, cascadeEventList(openshiftCascade()));
  await post(request, FALCO_CLUSTER, eventList(loadFalcoTraceEvents().map((event) => event.raw)));
});

test("a search is typed in the form, kept in the URL, survives a reload, and each row opens its object", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto("/search");
  const search = page.getByRole("search", { name: "Search objects" });
  await search.getByLabel("Cluster", { exact: true }).selectOption(CLUSTER);
  await search.getByLabel("Namespace").fill(CASCADE.namespace);
  await search.getByLabel("Kind").fill("Pod");
  await search.getByLabel("Name", { exact: true }).fill("apiserver-5d887d5fcd-*");
  await search.getByRole("button", { name: "Search", exact: true }).click();

  await expect(page).toHaveURL(/\/search\?/);
  const url = new URL(page.url());
  expect(Object.fromEntries(url.searchParams)).toEqual({ cluster: CLUSTER, namespace: CASCADE.namespace, kind: "Pod", name: "apiserver-5d887d5fcd-*" });
  await expect(page.getByRole("status")).toHaveText("4 objects, most recently active first.");
  expect((await resultNames(page)).sort()).toEqual([...REV3_PODS].sort());
  const quarantined = page.getByRole("row").filter({ hasText: CASCADE.quarantined.name });
  await expect(quarantined).toContainText(CLUSTER);
  await expect(quarantined.getByText("deleted", { exact: true })).toBeVisible();
  await expect(page).toHaveTitle(`Search: kind Pod, name apiserver-5d887d5fcd-*, namespace ${CASCADE.namespace}, cluster ${CLUSTER}, at any time · Kubetrail`);
  await page.screenshot({ path: "test-results/search-results.png", fullPage: true });
  // A window beside another on a laptop's screen: the table fits, names wrap.
  await page.setViewportSize({ width: 800, height: 900 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
  await page.screenshot({ path: "test-results/search-results-narrow.png", fullPage: true });
  // A phone: the page does not scroll sideways (the table may, in its own box).
  await page.setViewportSize({ width: 375, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
  await page.screenshot({ path: "test-results/search-results-phone.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // A reload asks the same search again, and the form shows it.
  await page.reload();
  await expect(page.getByRole("status")).toHaveText("4 objects, most recently active first.");
  expect((await resultNames(page)).sort()).toEqual([...REV3_PODS].sort());
  await expect(search.getByLabel("Kind")).toHaveValue("Pod");
  await expect(search.getByLabel("Cluster", { exact: true })).toHaveValue(CLUSTER);

  // No range was searched: the row opens the object over its activity, widened a little.
  await page.getByRole("link", { name: `${CASCADE.namespace}/${CASCADE.quarantined.name}` }).click();
  await expect(page).toHaveURL(/\/objects\/\d+\?from=[^&]+&to=[^&]+$/);
  const opened = new URL(page.url());
  const from = Date.parse(opened.searchParams.get("from")!);
  const to = Date.parse(opened.searchParams.get("to")!);
  // The quarantined Pod lived from the rollout (14:5x on 2021-09-13) to the quarantine's end.
  expect(from).toBeLessThan(Date.parse("2021-09-13T15:00:00Z"));
  expect(from).toBeGreaterThan(Date.parse("2021-09-13T14:00:00Z"));
  expect(to).toBeGreaterThan(from);
});

test("back and forward step through searches; a range that excludes everything says so; a bad range shows the API's message", async ({ page }) => {
  await page.goto(`/search?cluster=${FALCO_CLUSTER}&kind=ClusterRole`);
  await expect(page.getByRole("status")).toHaveText(/objects, most recently active first/);
  expect(new Set(await resultNames(page))).toEqual(new Set(["some-reader", "system:kube-aggregator", "system:node-problem-detector"]));

  // A quick range writes an absolute range into the URL; nothing of 2018 is in the last hour.
  const search = page.getByRole("search", { name: "Search objects" });
  await search.getByRole("button", { name: "Last hour" }).click();
  await expect(page).toHaveURL(/from=.*&to=/);
  const url = new URL(page.url());
  const from = Date.parse(url.searchParams.get("from")!);
  const to = Date.parse(url.searchParams.get("to")!);
  expect(to - from).toBe(3600_000);
  expect(url.searchParams.get("kind")).toBe("ClusterRole");
  await expect(page.getByText(`No objects match kind ClusterRole, cluster ${FALCO_CLUSTER}, between`)).toBeVisible();
  await expect(search.getByLabel("From")).toHaveValue(url.searchParams.get("from")!);

  // Back: the search before, its results and its form.
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`/search\\?cluster=${FALCO_CLUSTER}&kind=ClusterRole$`));
  await expect(page.getByRole("status")).toHaveText(/objects, most recently active first/);
  await expect(search.getByLabel("From")).toHaveValue("");
  await page.goForward();
  await expect(page.getByText("No objects match kind ClusterRole")).toBeVisible();

  // A range the API refuses: its message, naming the field.
  await search.getByLabel("From").fill("yesterday");
  await search.getByRole("button", { name: "Search", exact: true }).click();
  await expect(searchError(page)).toContainText("from: must be an ISO-8601 instant with a time zone");
  await search.getByLabel("From").fill("2018-10-26T13:05:00Z");
  await search.getByLabel("To").fill("2018-10-26T13:00:00Z");
  await search.getByRole("button", { name: "Search", exact: true }).click();
  await expect(searchError(page)).toContainText("from: must be before to");

  // A range that holds the Deployment nginx-deployment's life (created 13:07:36, deleted 13:09:27).
  await search.getByLabel("Kind").fill("");
  await search.getByLabel("To").fill("2018-10-26T13:10:00Z");
  await search.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("1 object, most recently active first.");
  expect(await resultNames(page)).toEqual(["nginx-deployment"]);
  // The row opens the object over its life, widened by a minute each side, within the searched range.
  await page.getByRole("link", { name: "default/nginx-deployment" }).click();
  await expect(page).toHaveURL(/\/objects\/\d+\?from=2018-10-26T13%3A06%3A36\.\d{3}Z&to=2018-10-26T13%3A10%3A00\.000Z$/);
});

test("the home page's search box and the top bar lead to the search", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Find objects by name").fill("apiserver");
  await page.getByLabel("Find objects by name").press("Enter");
  await expect(page).toHaveURL(/\/search\?name=apiserver$/);
  await expect(page.getByRole("search", { name: "Search objects" }).getByLabel("Name", { exact: true })).toHaveValue("apiserver");
  await expect(page.getByRole("row").filter({ hasText: CLUSTER }).getByRole("link", { name: `${CASCADE.namespace}/apiserver` })).toBeVisible();

  await page.goto("/");
  await page.getByRole("navigation").getByRole("link", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/search$/);
  await expect(page.getByRole("navigation").getByRole("link", { name: "Search" })).toHaveAttribute("aria-current", "page");
  // No criteria: the most recently active objects of any time (all of them, or the first 100).
  await expect(page.getByRole("status")).toHaveText(/most recently active/);
});

test("a search that finds more than its limit says so and shows more on asking", async ({ page }) => {
  await page.goto(`/search?cluster=${CLUSTER}&limit=2`);
  await expect(page.getByRole("status")).toContainText("The 2 most recently active objects; more match.");
  expect(await resultNames(page)).toHaveLength(2);
  await page.getByRole("button", { name: "Show up to 500" }).click();
  await expect(page).toHaveURL(new RegExp(`/search\\?cluster=${CLUSTER}&limit=500$`));
  // The cascade's Deployment, its three ReplicaSets, its eight Pods.
  await expect(page.getByRole("status")).toHaveText("12 objects, most recently active first.");
});

test("cluster-scoped objects only: a box beside the namespace, kept in the URL", async ({ page }) => {
  await page.goto(`/search?cluster=${FALCO_CLUSTER}&namespace=default`);
  const search = page.getByRole("search", { name: "Search objects" });
  await expect(page.getByRole("status")).toHaveText(/objects, most recently active first/);
  await search.getByLabel("Cluster-scoped objects only").check();
  // Cluster-scoped objects have no namespace: the one typed goes.
  await expect(search.getByLabel("Namespace")).toBeDisabled();
  await expect(search.getByLabel("Namespace")).toHaveValue("");
  await search.getByLabel("Kind").fill("clusterrole");
  await search.getByLabel("Kind").press("Enter");
  await expect(page).toHaveURL(new RegExp(`/search\\?cluster=${FALCO_CLUSTER}&scope=cluster&kind=clusterrole$`));
  // The kind in any case; some-reader was created and deleted five times, each time an object of its own.
  await expect(page.getByRole("status")).toHaveText("7 objects, most recently active first.");
  expect(new Set(await resultNames(page))).toEqual(new Set(["some-reader", "system:kube-aggregator", "system:node-problem-detector"]));
  await page.reload();
  await expect(search.getByLabel("Cluster-scoped objects only")).toBeChecked();
  await search.getByLabel("Kind").fill("");
  await search.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/search\\?cluster=${FALCO_CLUSTER}&scope=cluster$`));
  // The ClusterRoles, their ClusterRoleBinding (twice) and the Namespace foo (twice).
  await expect(page.getByRole("status")).toHaveText("11 objects, most recently active first.");
  const names = await page.getByRole("table").getByRole("row").filter({ has: page.getByRole("link") }).getByRole("link").allTextContents();
  expect(names).toContain("foo");
  expect(names.filter((name) => name.includes("/"))).toEqual([]);
});

test("text with ?, #, %, & and + survives the URL, a reload and the link; markup in a name is shown as text", async ({ page, request }) => {
  // The real falco create_configmap.json, made by a user whose name holds URL syntax, of a name holding markup.
  const user = "oidc:alice+ops@example.com?tab=1#x%41&y";
  const name = "odd<b>name</b>?#%41";
  const event = structuredClone(loadFalcoTraceEvent("create_configmap.json")) as Record<string, any>;
  event.user = { ...event.user, username: user };
  event.objectRef.name = name;
  event.requestObject.metadata.name = name;
  event.responseObject.metadata.name = name;
  await post(request, "e2e-search-odd", eventList([event]));

  await page.goto("/search");
  const search = page.getByRole("search", { name: "Search objects" });
  await search.getByLabel("User").fill(user);
  await search.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("1 object, most recently active first.");
  expect(new URL(page.url()).searchParams.get("user")).toBe(user);
  const link = page.getByRole("link", { name: `default/${name}` });
  await expect(link).toBeVisible();
  await expect(page.locator("b", { hasText: "name" })).toHaveCount(0);

  await page.reload();
  await expect(search.getByLabel("User")).toHaveValue(user);
  await expect(link).toBeVisible();
  expect(await link.getAttribute("href")).toMatch(/^\/objects\/\d+\?from=2018-10-26T13%3A12%3A03\.539Z&to=2018-10-26T13%3A14%3A03\.539Z$/);
  // The name searched as it is, % and all (LIKE's wildcard matched literally).
  await page.goto(`/search?${new URLSearchParams({ name })}`);
  await expect(search.getByLabel("Name", { exact: true })).toHaveValue(name);
  await expect(page.getByRole("status")).toHaveText("1 object, most recently active first.");
});

test("the namespace field suggests the chosen cluster's namespaces only", async ({ page }) => {
  await page.goto("/search");
  const search = page.getByRole("search", { name: "Search objects" });
  const namespaceField = search.getByLabel("Namespace");
  const suggestions = async () => {
    const list = await namespaceField.getAttribute("list");
    return page.locator(`datalist[id="${list}"] option`).evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
  };
  // Any cluster: every cluster's namespaces, the cascade's and falco's.
  await expect.poll(suggestions).toEqual(expect.arrayContaining([CASCADE.namespace, "default"]));

  await search.getByLabel("Cluster", { exact: true }).selectOption(FALCO_CLUSTER);
  await expect.poll(suggestions).toContain("default");
  expect(await suggestions()).not.toContain(CASCADE.namespace);

  await search.getByLabel("Cluster", { exact: true }).selectOption(CLUSTER);
  await expect.poll(suggestions).toContain(CASCADE.namespace);
  expect(await suggestions()).not.toContain("default");
});

test("a part of a name finds no object exactly, and the page offers the names that contain it", async ({ page }) => {
  await page.goto(`/search?cluster=${CLUSTER}&name=5d887d5fcd`);
  await expect(page.getByRole("status")).toContainText("No objects match name 5d887d5fcd");
  await page.getByRole("link", { name: "Search for names containing 5d887d5fcd" }).click();
  await expect(page).toHaveURL(new RegExp(`/search\\?cluster=${CLUSTER}&name=\\*5d887d5fcd\\*$`));
  await expect(page.getByRole("status")).toHaveText(/most recently active/);
  expect((await resultNames(page)).sort()).toEqual(["apiserver-5d887d5fcd", ...REV3_PODS].sort());
});

test("a name typed as namespace/name finds nothing, and the page offers the search by that namespace and name", async ({ page }) => {
  await page.goto(`/search?cluster=${CLUSTER}&name=${encodeURIComponent(`${CASCADE.namespace}/apiserver`)}`);
  await expect(page.getByRole("status")).toContainText(`No objects match name ${CASCADE.namespace}/apiserver`);
  await expect(page.getByRole("link", { name: /Search for names containing/ })).toHaveCount(0);
  await page.getByRole("link", { name: `Search for apiserver in namespace ${CASCADE.namespace}` }).click();
  await expect(page).toHaveURL(new RegExp(`/search\\?cluster=${CLUSTER}&namespace=${CASCADE.namespace}&name=apiserver$`));
  await expect(page.getByRole("status")).toHaveText(/most recently active/);
  expect(await resultNames(page)).toEqual(["apiserver"]);
});
