import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { E2E_TOKEN } from "../playwright.config";
import { CASCADE, CASCADE_PODS, cascadeEventList, openshiftCascade } from "../server/testing/scenarios/openshiftCascade";
import { recordedEvents } from "../server/testing/apiServer/testEvents";
import { decodeTraceId } from "../server/query/trace/traceId";
import type { TimelineResult } from "../server/query/timeline/load";
import type { TimelineEntry } from "../server/query/timeline/types";

/**
 * Kubernetes Events on the object page: the OpenShift rollout posted to the audit webhook
 * (server/testing/scenarios/openshiftCascade.ts) and the real Events the same must-gather kept of
 * it (shared/fixtures/real/openshift-must-gather-azure, namespace openshift-apiserver) posted to
 * POST /api/events, as an event exporter or a script would.
 */
const CLUSTER = "e2e-events";
const headers = { "content-type": "application/json", authorization: `Bearer ${E2E_TOKEN}` };

async function postCascadeAndEvents(request: APIRequestContext): Promise<void> {
  const audit = await request.post(`/api/audit/${CLUSTER}`, { headers, data: JSON.stringify(cascadeEventList(openshiftCascade())) });
  expect(await audit.json()).toMatchObject({ rejected: 0 });
  const events = recordedEvents(CASCADE.namespace);
  const posted = await request.post(`/api/events/${CLUSTER}`, { headers, data: JSON.stringify({ kind: "EventList", apiVersion: "v1", items: events }) });
  expect(posted.status()).toBe(200);
  // Posted again by the next test: stored once all the same.
  expect(await posted.json()).toMatchObject({ cluster: CLUSTER, received: events.length, rejected: [] });
}

/** A Pod's objects.id, as /redirect names it in the trace ID it answers with. */
async function podId(request: APIRequestContext, name: string): Promise<number> {
  const found = await request.get(`/redirect?cluster=${CLUSTER}&resource=pods&namespace=${CASCADE.namespace}&name=${name}&ts=2021-09-13T15:00:00Z`, { maxRedirects: 0 });
  expect(found.status()).toBe(302);
  return decodeTraceId((await found.json()).traceId).rootObjectId;
}

/** The Pod's own entries, as the page's API lists them. */
async function entriesOf(request: APIRequestContext, id: number): Promise<TimelineEntry[]> {
  const response = await request.get(`/api/trpc/objects.timeline?input=${encodeURIComponent(JSON.stringify({ id, relations: "self" }))}`);
  expect(response.status()).toBe(200);
  return ((await response.json()).result.data as TimelineResult).rows[0]!.entries;
}

/** The entry of `entries` with the widest gap to its neighbours, among those `matching`: its mark is not under another. */
function loneEntry(entries: TimelineEntry[], matching: (entry: TimelineEntry) => boolean): TimelineEntry {
  const gap = (entry: TimelineEntry) => Math.min(...entries.filter((other) => other !== entry).map((other) => Math.abs(other.startMicros - entry.startMicros)));
  return entries.filter(matching).sort((a, b) => gap(b) - gap(a))[0]!;
}

const panel = (page: Page) => page.getByRole("complementary", { name: "Entry details" });
const mark = (page: Page, entry: TimelineEntry) => page.locator(`[data-entry-id="${entry.id}"]`);
const fillOf = (page: Page, entry: TimelineEntry) => mark(page, entry).evaluate((element) => getComputedStyle(element).fill);
/** A field of the panel's list: the <dd> after the <dt> `label`. */
const field = (page: Page, label: string) => panel(page).locator(`dt:text-is("${label}") + dd`);

test("a Pod's Events are marks of their own, a Warning apart from a Normal one, and the panel shows what an Event said", async ({ page, request }) => {
  await postCascadeAndEvents(request);
  const id = await podId(request, CASCADE_PODS.mrn5h);
  const entries = await entriesOf(request, id);
  const failedScheduling = loneEntry(entries, (entry) => entry.event?.reason === "FailedScheduling");
  const scheduled = entries.find((entry) => entry.event?.reason === "Scheduled")!;
  expect(failedScheduling).toMatchObject({ mark: "event", event: { type: "Warning" } });
  expect(scheduled).toMatchObject({ mark: "event", event: { type: "Normal" } });

  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto(`/objects/${id}?relations=self`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Pod ${CASCADE.namespace}/${CASCADE_PODS.mrn5h}`);
  await expect(page.getByRole("list", { name: "Legend" })).toContainText("Warning Event");

  // A Warning is a yellow triangle, a Normal Event a purple dot: apart by shape as well as colour.
  await expect(mark(page, failedScheduling)).toHaveAttribute("data-event-type", "Warning");
  await expect(mark(page, scheduled)).toHaveAttribute("data-event-type", "Normal");
  expect(await mark(page, failedScheduling).evaluate((element) => element.tagName)).toBe("polygon");
  expect(await mark(page, scheduled).evaluate((element) => element.tagName)).toBe("circle");
  expect(await fillOf(page, failedScheduling)).toBe("rgb(250, 204, 21)");
  expect(await fillOf(page, scheduled)).toBe("rgb(147, 51, 234)");
  // Named for a screen reader by its type, as for the eye.
  await expect(mark(page, failedScheduling)).toHaveAttribute("aria-label", new RegExp(`^Warning Event: ${failedScheduling.title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, 2021-09-13 `));
  await expect(mark(page, scheduled)).toHaveAttribute("aria-label", /^Normal Event: default-scheduler Scheduled: Successfully assigned/);

  await mark(page, failedScheduling).hover();
  await expect(page.getByRole("tooltip")).toContainText("Warning Event · FailedScheduling");
  await mark(page, failedScheduling).click();
  await expect(page).toHaveURL(new RegExp(`[?&]entry=${failedScheduling.id}$`));
  await expect(panel(page).getByRole("heading", { level: 2 })).toHaveText(failedScheduling.title);
  await expect(field(page, "Reason")).toHaveText("FailedScheduling");
  await expect(field(page, "Type")).toHaveText("Warning");
  await expect(field(page, "Message")).toContainText("0/6 nodes are available:");
  await expect(field(page, "Count")).toHaveText(/^seen once/);
  await expect(field(page, "Reported by")).toContainText("default-scheduler");
  // Nothing of an audit event.
  await expect(panel(page)).not.toContainText("User agent");
  await expect(panel(page)).not.toContainText("the audit event had no body to compare");
  await expect(panel(page).getByRole("heading", { name: "Changes" })).toHaveCount(0);
  await page.screenshot({ path: "test-results/events-warning.png" });
});

test("an Event seen three times says so, since when, with its message's line break, opened from the keyboard", async ({ page, request }) => {
  await postCascadeAndEvents(request);
  const id = await podId(request, CASCADE_PODS.c6q5q);
  const entries = await entriesOf(request, id);
  const probeError = entries.find((entry) => entry.event?.reason === "ProbeError" && entry.event.count === 3 && entry.title.includes("Readiness"))!;
  expect(probeError.event).toEqual({ reason: "ProbeError", type: "Warning", count: 3 });

  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto(`/objects/${id}?relations=self`);
  // Drawn on the spot of another entry at this zoom, its label also says which of them it is.
  await expect(mark(page, probeError)).toHaveAttribute("aria-label", /, seen 3 times(, \d+ of \d+ here)?$/);
  await mark(page, probeError).focus();
  await expect(page.getByRole("tooltip")).toContainText("Warning Event · ProbeError · seen 3 times");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`[?&]entry=${probeError.id}$`));
  await expect(field(page, "Count")).toHaveText("seen 3 times since 2021-09-13 15:00:36.000000 UTC");
  const message = panel(page).getByLabel("Message");
  await expect(message).toContainText('Readiness probe error: Get "https://10.128.0.25:8443/healthz": dial tcp 10.128.0.25:8443: connect: connection refused');
  // Its lines as the kubelet wrote them: the probe's error, then the body it got.
  expect(await message.evaluate((element) => [element.textContent, getComputedStyle(element).whiteSpace])).toEqual([
    'Readiness probe error: Get "https://10.128.0.25:8443/healthz": dial tcp 10.128.0.25:8443: connect: connection refused\nbody: \n',
    "pre-wrap",
  ]);
  await expect(field(page, "Reported by")).toContainText(`host ${CASCADE.nodes.master2.name}`);
  await expect(field(page, "Field path")).toHaveText("spec.containers{openshift-apiserver}");
});
