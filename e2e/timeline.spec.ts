import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E_TOKEN } from "../playwright.config";
import { CASCADE, CASCADE_PODS, cascadeEventList, openshiftCascade } from "../server/testing/scenarios/openshiftCascade";
import { eventList } from "../server/testing/scenarios/rollout";
import { loadFalcoTraceEvent } from "../server/testing/fixtures";
import { decodeTraceId } from "../server/query/trace/traceId";
import type { TimelineResult } from "../server/query/timeline/load";
import { instantMicros, isoOfMicros } from "../server/model/time/instant";
import { formatInstant } from "../components/timeline/format";

/**
 * The object page in a browser, on the OpenShift rollout posted to the webhook
 * (server/testing/scenarios/openshiftCascade.ts: the real Deployment openshift-apiserver/apiserver,
 * its three ReplicaSets and eight Pods, from the must-gather capture in
 * shared/fixtures/real/openshift-must-gather-azure).
 */
const CLUSTER = "e2e-timeline";
const at = (clock: string) => Date.parse(`2021-09-13T${clock}Z`) * 1000;

async function postCascade(request: APIRequestContext): Promise<void> {
  const headers = { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` };
  const posted = await request.post(`/api/audit/${CLUSTER}`, { headers, data: JSON.stringify(cascadeEventList(openshiftCascade())) });
  expect(await posted.json()).toMatchObject({ rejected: 0 });
}

/** The Deployment's objects.id, as /redirect names it in the trace ID it answers with. */
async function deploymentId(request: APIRequestContext): Promise<number> {
  const found = await request.get(`/redirect?cluster=${CLUSTER}&resource=deployments&namespace=${CASCADE.namespace}&name=apiserver&ts=2021-09-13T15:00:00Z`, { maxRedirects: 0 });
  expect(found.status()).toBe(302);
  return decodeTraceId((await found.json()).traceId).rootObjectId;
}

/** The page's data as the API gives it, to know which entry to click and what it changed. */
async function timelineOf(request: APIRequestContext, id: number, relations = "full"): Promise<TimelineResult> {
  const response = await request.get(`/api/trpc/objects.timeline?input=${encodeURIComponent(JSON.stringify({ id, relations }))}`);
  expect(response.status()).toBe(200);
  return (await response.json()).result.data;
}

const lanes = (page: Page) => page.locator("[data-object-id]");
const panel = (page: Page) => page.getByRole("complementary", { name: "Entry details" });

test("the object page shows a Deployment's hierarchy on a timeline, an entry's details, and keeps its view in the URL", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  const data = await timelineOf(request, id);
  const deployment = data.rows[0]!;
  // The deployment controller's "rollout complete" status write: its lane's nearest other marks are minutes away.
  const complete = deployment.entries.find((entry) => entry.startMicros >= at("15:01:56") && entry.startMicros < at("15:01:58"))!;
  expect(complete.diff.length).toBeGreaterThan(0);
  const deleted = deployment.entries.at(-1)!;

  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto(`/objects/${id}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Deployment openshift-apiserver/apiserver");
  // No Jaeger UI is served in these tests: the trace link says it gives the API's JSON.
  await expect(page.getByRole("link", { name: "Trace JSON", exact: true })).toHaveAttribute("href", /^\/jaeger\/api\/traces\/[0-9a-f]{32}$/);
  // One lane per object: the Deployment, its three ReplicaSets, their eight Pods, in tree order.
  await expect(lanes(page)).toHaveCount(12);
  await expect(lanes(page).first()).toHaveAttribute("data-kind", "Deployment");
  await expect(page.locator('[data-kind="ReplicaSet"]')).toHaveCount(3);
  await expect(page.locator('[data-kind="Pod"]')).toHaveCount(8);
  await expect(lanes(page).nth(1)).toHaveAttribute("data-name", CASCADE.replicaSets.rev1.name);
  await expect(page.getByText("(its history)")).toBeVisible();
  await page.screenshot({ path: "test-results/timeline-full.png" });

  // Hover: the tooltip names it. Click: the panel shows its diff, and the URL selects it.
  const mark = page.locator(`[data-entry-id="${complete.id}"]`);
  await mark.hover();
  await expect(page.getByRole("tooltip")).toContainText(complete.title);
  await mark.click();
  await expect(page).toHaveURL(new RegExp(`[?&]entry=${complete.id}$`));
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText(complete.title);
  for (const line of complete.diff) await expect(panel(page).getByRole("list", { name: "Changes" })).toContainText(line);
  await expect(panel(page)).toContainText("system:serviceaccount:kube-system:deployment-controller");
  await expect(panel(page)).toContainText("kube-controller-manager/v1.21.1");
  await page.screenshot({ path: "test-results/timeline-selected.png" });

  // The relation mode narrows the lanes: the Deployment alone, then what it owns again.
  await page.getByRole("button", { name: "self", exact: true }).click();
  await expect(page).toHaveURL(/[?&]relations=self(&|$)/);
  await expect(lanes(page)).toHaveCount(1);
  await page.getByRole("button", { name: "descendants", exact: true }).click();
  await expect(lanes(page)).toHaveCount(12);
  await page.getByRole("button", { name: "self", exact: true }).click();
  await expect(lanes(page)).toHaveCount(1);

  // A reload keeps the whole view: the mode, the selection and its details.
  await page.reload();
  await expect(page.getByRole("button", { name: "self", exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(lanes(page)).toHaveCount(1);
  await expect(page.locator(`[data-entry-id="${complete.id}"]`)).toHaveAttribute("aria-pressed", "true");
  await expect(panel(page).getByRole("list", { name: "Changes" })).toContainText(complete.diff[0]!);

  // The delete holds the object's last body, collapsed until asked for.
  await page.locator(`[data-entry-id="${deleted.id}"]`).click();
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText(deleted.title);
  await expect(panel(page)).toContainText("Deleted: see the snapshot.");
  const snapshot = panel(page).getByLabel("Snapshot");
  await expect(snapshot).toBeHidden();
  await panel(page).getByText("Snapshot of the object").click();
  await expect(snapshot).toContainText(`"uid": "${CASCADE.deployment.uid}"`);
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`[?&]entry=${complete.id}$`));
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText(complete.title);
});

test("zooming and panning the time axis write the range to the URL, and Reset goes back to the lifetime", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/objects/${id}`);
  await expect(lanes(page)).toHaveCount(12);

  await page.getByRole("button", { name: "Zoom in" }).click();
  await expect(page).toHaveURL(/[?&]from=[^&]+&to=[^&]+/);
  const zoomed = new URL(page.url());
  const span = (url: URL) => Date.parse(url.searchParams.get("to")!) - Date.parse(url.searchParams.get("from")!);
  const lifetime = (await timelineOf(request, id)).range;
  expect(span(zoomed)).toBeCloseTo((lifetime.endMicros - lifetime.startMicros) / 2000, -1);
  await expect(page.getByText("(its history)")).toBeHidden();

  // Ctrl + wheel over the lanes zooms in further, about the pointer.
  const lane = page.locator("svg[data-lanes]").nth(1);
  const box = (await lane.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.keyboard.down("Control");
  await page.mouse.wheel(0, -400);
  await page.keyboard.up("Control");
  await expect.poll(() => span(new URL(page.url()))).toBeLessThan(span(zoomed) * 0.9);

  // A drag to the right shows earlier times.
  const before = new URL(page.url());
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 200, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect.poll(() => Date.parse(new URL(page.url()).searchParams.get("from")!)).toBeLessThan(Date.parse(before.searchParams.get("from")!));
  expect(span(new URL(page.url()))).toBeCloseTo(span(before), -1);

  await page.getByRole("button", { name: "Reset" }).click();
  await expect(page).toHaveURL(new RegExp(`/objects/${id}$`));
  await expect(page.getByText("(its history)")).toBeVisible();
});

test("a pan at the deepest zoom moves the lanes as far as the pointer went, and the URL says where they are", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  const complete = (await timelineOf(request, id, "self")).rows[0]!.entries.find((entry) => entry.startMicros >= at("15:01:56") && entry.startMicros < at("15:01:58"))!;
  // 20 ms around the deployment controller's 4 ms status write: a millisecond is a twentieth of the lanes.
  const window = { startMicros: complete.startMicros - 8000, endMicros: complete.startMicros + 12000 };
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/objects/${id}?relations=self&from=${isoOfMicros(window.startMicros)}&to=${isoOfMicros(window.endMicros)}`);
  const mark = page.locator(`[data-entry-id="${complete.id}"]`);
  const lane = page.locator("svg[data-lanes]").nth(1);
  const width = Number(await lane.getAttribute("width"));
  const xOf = (range: { startMicros: number; endMicros: number }) => ((complete.startMicros - range.startMicros) / (range.endMicros - range.startMicros)) * width;
  await expect.poll(async () => Number(await mark.getAttribute("x"))).toBeCloseTo(xOf(window), 1);

  const box = (await lane.boundingBox())!;
  const y = box.y + box.height / 2;
  for (const dx of [100, -37]) {
    const before = Number(await mark.getAttribute("x"));
    const url = page.url();
    await page.mouse.move(box.x + box.width / 3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 3 + dx, y, { steps: 5 });
    await page.mouse.up();
    await expect(page).not.toHaveURL(url);
    // Drawn from the new URL: where the drag left it, and where the URL's range puts it.
    const shown = new URL(page.url()).searchParams;
    const range = { startMicros: instantMicros(shown.get("from")!)!, endMicros: instantMicros(shown.get("to")!)! };
    expect(range.endMicros - range.startMicros).toBe(window.endMicros - window.startMicros);
    await expect.poll(async () => Number(await mark.getAttribute("x"))).toBeCloseTo(before + dx, 0);
    expect(Number(await mark.getAttribute("x"))).toBeCloseTo(xOf(range), 1);
  }
});

test("the keyboard reaches every mark: Tab from lane to lane, the arrows along a lane in time order, Enter opens one", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  const rows = (await timelineOf(request, id)).rows;
  const entries = rows[0]!.entries;
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/objects/${id}`);
  await lanes(page).first().getByRole("link").focus();
  await page.keyboard.press("Tab");
  const focusedEntry = () => page.evaluate(() => document.activeElement?.getAttribute("data-entry-id"));
  await expect.poll(focusedEntry).toBe(String(entries[0]!.id));
  // Focus shows the tooltip, as the pointer does.
  await expect(page.getByRole("tooltip")).toContainText(entries[0]!.title);
  await page.keyboard.press("ArrowRight");
  await expect.poll(focusedEntry).toBe(String(entries[1]!.id));
  await page.keyboard.press("End");
  await expect.poll(focusedEntry).toBe(String(entries.at(-1)!.id));
  await page.keyboard.press("ArrowLeft");
  await expect.poll(focusedEntry).toBe(String(entries.at(-2)!.id));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`[?&]entry=${entries.at(-2)!.id}$`));
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText(entries.at(-2)!.title);
  // One stop per lane: Tab goes on to the next row's name.
  await page.locator(`[data-entry-id="${entries.at(-2)!.id}"]`).focus();
  await page.keyboard.press("Tab");
  await expect(lanes(page).nth(1).getByRole("link")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect.poll(focusedEntry).toBe(String(rows[1]!.entries[0]!.id));
});

test("Escape closes the details panel and gives the focus back to the mark it was about", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  const entry = (await timelineOf(request, id)).rows[0]!.entries[1]!;
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/objects/${id}`);
  const mark = page.locator(`[data-entry-id="${entry.id}"]`);
  await mark.focus();
  await page.keyboard.press("Enter");
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText(entry.title);
  await page.keyboard.press("Escape");
  await expect(panel(page)).toHaveCount(0);
  await expect(page).not.toHaveURL(/[?&]entry=/);
  await expect(mark).toBeFocused();
});

test("a create is drawn over the status write a few milliseconds after it, which falls on the same pixels", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  const [create, status] = (await timelineOf(request, id, "self")).rows[0]!.entries;
  expect([create!.mark, status!.mark]).toEqual(["create", "update"]);
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/objects/${id}?relations=self`);
  const [createBox, statusBox] = await Promise.all([create, status].map(async (entry) => (await page.locator(`[data-entry-id="${entry!.id}"]`).boundingBox())!));
  expect(Math.abs(createBox!.x - statusBox!.x)).toBeLessThan(createBox!.width);
  const centre = [createBox!.x + createBox!.width / 2, createBox!.y + createBox!.height / 2] as const;
  expect(await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.getAttribute("data-entry-id"), centre)).toBe(String(create!.id));
});

test("at a phone's width the tree keeps what tells each Pod apart, and a tooltip at the window's edge stays inside it", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/objects/${id}`);
  await expect(lanes(page)).toHaveCount(12);
  const rows = (await timelineOf(request, id)).rows;
  for (const [index, row] of rows.entries()) {
    if (row.object.kind !== "Pod") continue;
    const lane = lanes(page).nth(index);
    const tail = row.object.name.slice(row.object.name.lastIndexOf("-"));
    const [tailBox, laneBox] = [(await lane.getByText(tail, { exact: true }).boundingBox())!, (await lane.locator("svg").boundingBox())!];
    expect(tailBox.x + tailBox.width, row.object.name).toBeLessThanOrEqual(laneBox.x);
  }
  await page.screenshot({ path: "test-results/timeline-phone.png" });

  // The last lane's last mark, with the lane at the bottom of the window.
  const last = lanes(page).last();
  const lastBox = (await last.boundingBox())!;
  await page.setViewportSize({ width: 390, height: Math.ceil(lastBox.y + lastBox.height + 4) });
  const mark = last.locator("[data-entry-id]").last();
  const markBox = (await mark.boundingBox())!;
  await page.mouse.move(markBox.x + markBox.width / 2, markBox.y + markBox.height / 2);
  const tooltip = page.getByRole("tooltip");
  await expect(tooltip).toBeVisible();
  await expect.poll(async () => (await tooltip.boundingBox())!.y + (await tooltip.boundingBox())!.height).toBeLessThanOrEqual(markBox.y);
  const box = (await tooltip.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await page.screenshot({ path: "test-results/timeline-phone-tooltip.png" });
});

/**
 * `kubectl exec apiserver-5d887d5fcd-qnvqh -- sh -c 'echo hi > /tmp/ready'` as the apiserver logs
 * it when the session ends: the real falco event exec_pod.json (shared/fixtures/real/
 * falco-k8s-audit-traces) at stage ResponseComplete, moved onto a Pod of the rollout while it ran.
 */
function execOnCascadePod() {
  const event = structuredClone(loadFalcoTraceEvent("exec_pod.json")) as Record<string, any>;
  const path = `/api/v1/namespaces/${CASCADE.namespace}/pods/${CASCADE_PODS.qnvqh}/exec`;
  return {
    ...event,
    auditID: "ca1ed9f4-7bf4-4c85-81a8-00000000e2e1",
    stage: "ResponseComplete",
    objectRef: { ...event.objectRef, namespace: CASCADE.namespace, name: CASCADE_PODS.qnvqh },
    requestURI: `${path}?command=sh&command=-c&command=echo+hi+%3E+%2Ftmp%2Fready&container=openshift-apiserver&stdin=true&stdout=true&tty=true`,
    metadata: { creationTimestamp: "2021-09-13T15:10:42Z" },
    requestReceivedTimestamp: "2021-09-13T15:10:00.000000Z",
    stageTimestamp: "2021-09-13T15:10:42.500000Z",
    timestamp: "2021-09-13T15:10:42Z",
  };
}

test("an exec gets its own mark and legend entry; at 800 × 480 the panel, below the chart and the fold, scrolls into view with its command, and not when wide", async ({ page, request }) => {
  await postCascade(request);
  const headers = { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` };
  const posted = await request.post(`/api/audit/${CLUSTER}`, { headers, data: JSON.stringify(eventList([execOnCascadePod()])) });
  expect(await posted.json()).toMatchObject({ rejected: 0 });
  const id = await deploymentId(request);
  const exec = (await timelineOf(request, id)).rows.flatMap((row) => row.entries).find((entry) => entry.subresource === "exec")!;
  expect(exec).toMatchObject({ mark: "connect", verb: "create", statusCode: 101 });

  // The twelve lanes fill the window: the panel opens below what it shows.
  await page.setViewportSize({ width: 800, height: 480 });
  await page.goto(`/objects/${id}`);
  await expect(page.getByRole("list", { name: "Legend" })).toContainText("exec / attach / port-forward / proxy");
  const mark = page.locator(`[data-entry-id="${exec.id}"]`);
  await expect(mark).toHaveAttribute("data-mark", "connect");
  // Its own colour: the legend's swatch's, no update's.
  const fill = await mark.evaluate((element) => getComputedStyle(element).fill);
  const updateFill = await page.locator('[data-mark="update"]').first().evaluate((element) => getComputedStyle(element).fill);
  expect(fill).toBe("rgb(51, 65, 85)");
  expect(fill).not.toBe(updateFill);

  await mark.click();
  const heading = panel(page).getByRole("heading", { level: 2 });
  await expect(heading).toHaveText(exec.title);
  await expect(heading).toBeInViewport();
  await expect(heading).toBeFocused();
  await expect(panel(page)).toContainText("sh -c 'echo hi > /tmp/ready'");
  await expect(panel(page)).toContainText("opens a session through the object");
  await page.screenshot({ path: "test-results/timeline-exec-narrow.png" });

  // Enter on a mark does the same, from the top of the page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('[data-mark="create"]').first().focus();
  await page.keyboard.press("Enter");
  await expect(heading).not.toHaveText(exec.title);
  await expect(heading).toBeInViewport();
  await expect(heading).toBeFocused();

  // Beside the chart the panel is in view already: the page stays where it is and the mark keeps the focus.
  await page.setViewportSize({ width: 1400, height: 480 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await mark.click();
  await expect(heading).toHaveText(exec.title);
  await expect(mark).toBeFocused();
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
});

test("the home page links a change to its object's page, the change selected", async ({ page, request }) => {
  await postCascade(request);
  await page.goto("/");
  const row = page.getByRole("row").nth(1);
  const title = (await row.getByRole("cell").nth(3).innerText()).replace(" (no change)", "").trim();
  await row.getByRole("cell").nth(2).getByRole("link").click();
  await expect(page).toHaveURL(/\/objects\/\d+\?from=[^&]+&to=[^&]+&entry=\d+$/);
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText(title);
  await expect(page.locator('[data-entry-id][aria-pressed="true"]')).toHaveCount(1);
});

/**
 * The rollout's ReplicaSet apiserver-5d887d5fcd given 600 more Pods: the create of its Pod
 * apiserver-5d887d5fcd-qnvqh (a real Pod of the capture) again and again, each under a name and
 * uid of its own, a millisecond apart.
 */
function manyPods(count: number) {
  const steps = openshiftCascade();
  const create = steps.find((step) => step.label === "create pod apiserver-5d887d5fcd-qnvqh")!.event;
  const start = Date.parse(create.stageTimestamp);
  const events = Array.from({ length: count }, (_, i) => {
    const event = structuredClone(create);
    const n = String(i).padStart(12, "0");
    event.auditID = `d0d0d0d0-0000-4000-8000-${n}`;
    event.responseObject.metadata.name = `apiserver-5d887d5fcd-many${String(i).padStart(3, "0")}`;
    event.responseObject.metadata.uid = `5a5a5a5a-0000-4000-8000-${n}`;
    event.requestReceivedTimestamp = new Date(start + 1 + i).toISOString();
    event.stageTimestamp = new Date(start + 2 + i).toISOString();
    return event;
  });
  return { kind: "EventList", apiVersion: "audit.k8s.io/v1", items: [...steps.map((step) => step.event), ...events] };
}

test("a ReplicaSet of 600 Pods renders only the lanes on screen, and scrolls to the last", async ({ page, request }) => {
  const headers = { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` };
  const posted = await request.post("/api/audit/e2e-many", { headers, data: JSON.stringify(manyPods(600)) });
  expect(await posted.json()).toMatchObject({ rejected: 0 });
  const found = await request.get(`/redirect?cluster=e2e-many&resource=replicasets&namespace=${CASCADE.namespace}&name=${CASCADE.replicaSets.rev3.name}&ts=2021-09-13T15:00:00Z`, { maxRedirects: 0 });
  const id = decodeTraceId((await found.json()).traceId).rootObjectId;

  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/objects/${id}?relations=descendants`);
  // The ReplicaSet, its 4 Pods of the rollout and the 600.
  await expect(page.getByText("605 objects")).toBeVisible();
  const inDom = await lanes(page).count();
  expect(inDom).toBeGreaterThan(10);
  expect(inDom).toBeLessThan(80);
  await page.screenshot({ path: "test-results/timeline-many.png" });

  await page.locator("[data-object-id]").first().locator("xpath=ancestor::div[contains(@class, 'scroll')][1]").evaluate((element) => {
    element.scrollTop = element.scrollHeight;
  });
  const lastName = (await timelineOf(request, id, "descendants")).rows.at(-1)!.object.name;
  await expect(page.locator(`[data-name="${lastName}"]`)).toBeVisible();
  expect(await lanes(page).count()).toBeLessThan(80);
});

test("a range in which nothing happened says so", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  // The day before the rollout.
  await page.goto(`/objects/${id}?from=2021-09-12T14:00:00Z&to=2021-09-12T15:00:00Z`);
  await expect(lanes(page)).toHaveCount(1);
  await expect(page.getByRole("status")).toHaveText("Nothing happened to this object in this range: Reset shows the object's lifetime.");
  await page.getByRole("button", { name: "Reset" }).click();
  await expect(lanes(page)).toHaveCount(12);
  await expect(page.getByRole("status")).toBeHidden();
});

test("the object page says what is wrong with an unknown object or a bad range", async ({ page }) => {
  await page.goto("/objects/987654321");
  // (Next's route announcer is an alert too, an empty one.)
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText("Not found: no object 987654321");
  await page.goto("/objects/987654321?from=2021-09-13T15:00:00Z&to=2021-09-13T14:00:00Z");
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText(
    "Can't show this view: from: must be before to (2021-09-13T15:00:00.000Z is not before 2021-09-13T14:00:00.000Z) Show the object's lifetime",
  );
  expect((await page.goto("/objects/not-a-number"))!.status()).toBe(404);
});

test("entries drawn on the same spot show how many there are, and a click on the count or the arrows reach each; zoomed in, they part", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  const name = CASCADE.quarantined.name;
  const row = (await timelineOf(request, id)).rows.find((r) => r.object.name === name)!;
  // The relabel out of its ReplicaSet and the garbage collector's release 50 ms later: over the rollout's half hour, one pixel.
  const [relabel, release] = row.entries.filter((entry) => entry.startMicros >= at("15:04:59") && entry.startMicros < at("15:05:01"));
  expect(release).toBeDefined();
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`/objects/${id}`);
  const lane = page.locator(`[data-name="${name}"]`);
  const badge = lane.getByRole("button", { name: `2 entries at ${formatInstant(relabel!.startMicros)}: show the next` });
  await expect(badge).toBeVisible();
  await expect(badge.locator("text")).toHaveText("2");
  await expect(lane.locator(`[data-entry-id="${relabel!.id}"]`)).toHaveAttribute("aria-label", /, 1 of 2 here$/);
  await expect(lane.locator(`[data-entry-id="${release!.id}"]`)).toHaveAttribute("aria-label", /, 2 of 2 here$/);
  await page.screenshot({ path: "test-results/timeline-group-badge.png" });

  // Each click on the count selects the next entry of the spot, in time order.
  await badge.click();
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText(relabel!.title);
  await badge.click();
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText(release!.title);

  // The arrows reach both, one after the other.
  await lane.locator(`[data-entry-id="${relabel!.id}"]`).focus();
  await page.keyboard.press("ArrowRight");
  await expect(lane.locator(`[data-entry-id="${release!.id}"]`)).toBeFocused();

  // 300 ms around them, on the Pod's own page: apart, no count.
  await page.goto(`/objects/${row.object.id}?relations=self&from=2021-09-13T15:04:59.900Z&to=2021-09-13T15:05:00.200Z`);
  await expect(lane.locator(`[data-entry-id="${release!.id}"]`)).toBeVisible();
  await expect(lane.locator("[data-group-count]")).toHaveCount(0);
  const [a, b] = await Promise.all([relabel, release].map(async (entry) => (await lane.locator(`[data-entry-id="${entry!.id}"]`).boundingBox())!));
  expect(b!.x - a!.x).toBeGreaterThan(a!.width);
});

test("the time axis keeps the labels of ticks at its edges inside the chart", async ({ page, request }) => {
  await postCascade(request);
  const id = await deploymentId(request);
  await page.setViewportSize({ width: 1400, height: 900 });
  // Ticks on the window's ends: 15:05 at the left edge, 15:05:30 at the right.
  await page.goto(`/objects/${id}?from=2021-09-13T15:05:00Z&to=2021-09-13T15:05:30Z`);
  const axis = page.locator("svg[data-axis]");
  const labels = axis.locator(".tick text");
  await expect(labels.first()).toHaveText("15:05");
  await expect(labels.last()).toHaveText("15:05:30");
  const axisBox = (await axis.boundingBox())!;
  for (const label of await labels.all()) {
    const [box, text] = [(await label.boundingBox())!, (await label.textContent()) ?? ""];
    expect(box.x, text).toBeGreaterThanOrEqual(axisBox.x);
    expect(box.x + box.width, text).toBeLessThanOrEqual(axisBox.x + axisBox.width);
  }
});
