import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { eventList, rolloutScenario } from "../testing/scenarios/rollout";

/**
 * The dashboard's tRPC API over real HTTP, through the route file Next serves it from
 * (app/api/trpc/[trpc]/route.ts), on each store: the wire format the dashboard's client reads.
 */
describe.each(STORE_KINDS)("the dashboard API on %s", (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
    // The rollout built from the real OpenShift apiserver Deployment, into two clusters.
    for (const cluster of ["prod", "staging"]) {
      const posted = await app.postAudit(eventList(rolloutScenario().map((step) => step.event)), { cluster });
      expect(posted.status).toBe(200);
    }
  });
  afterAll(() => app?.close());

  it("lists the clusters with how many objects each holds", async () => {
    const response = await fetch(`${app.url}/api/trpc/clusters.list`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.result.data).toEqual([
      { name: "prod", objects: 1 },
      { name: "staging", objects: 1 },
    ]);
  });

  it("answers a procedure it does not have with 404 naming it, not a crash", async () => {
    const response = await fetch(`${app.url}/api/trpc/clusters.nothing`);
    expect(response.status).toBe(404);
    const body = await response.json();
    expect(body.error.message).toContain("clusters.nothing");
  });
});
