import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { loadYamlList } from "../../testing/fixtures";
import { CASCADE, CASCADE_PODS, cascadeEventList, openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { objectIdOf } from "../../query/trace/rolloutTree.fixture";
import type { TimelineResult } from "../../query/timeline/load";
import { createObservedHistoryIngestor } from "../sources/observedHistoryIngestor";
import { observeKubernetesEvent } from "./observeEvent";
import type { ObservedHistoryEntry } from "../../plugins/types";

/**
 * Kubernetes Events beside audit history, end to end: the real Events of the must-gather's
 * openshift-apiserver namespace (shared/fixtures/real/openshift-must-gather-azure) stored on the
 * objects of the rollout that the same capture's Events date (server/testing/scenarios/
 * openshiftCascade.ts), posted to the webhook; read back through the object page's API.
 */

const CLUSTER = "openshift";
const realEvents = () => loadYamlList(`openshift-must-gather-azure/namespaces/${CASCADE.namespace}/core/events.yaml`);

function observed(): ObservedHistoryEntry[] {
  return realEvents().map((event) => {
    const result = observeKubernetesEvent(event);
    if (!result.ok) throw new Error(result.problem);
    return result.entry;
  });
}

describe.each(STORE_KINDS)("Kubernetes Events beside audit history (%s)", (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(cascadeEventList(openshiftCascade()), { cluster: CLUSTER })).status).toBe(200);
    const summary = await createObservedHistoryIngestor(app.context.db).ingest(CLUSTER, observed());
    expect(summary).toMatchObject({ received: realEvents().length, stored: realEvents().length, duplicates: 0, rejected: [] });
  });
  afterAll(() => app?.close());

  const count = async (sql: string, params: unknown[] = []) => Number((await app.context.db.query<{ n: number }>(sql, params)).rows[0]!.n);

  it("stores every real Event once: a second delivery (a relist) stores nothing", async () => {
    const again = await createObservedHistoryIngestor(app.context.db).ingest(CLUSTER, observed());
    expect(again).toMatchObject({ stored: 0, duplicates: realEvents().length, placeholders: 0 });
    expect(await count(`SELECT count(*)::int AS n FROM history_entries WHERE source = 'event'`)).toBe(realEvents().length);
  });

  it("puts a Pod's Events on the Pod its audit writes made, not on a second row", async () => {
    for (const name of Object.values(CASCADE_PODS)) {
      expect(await count(`SELECT count(*)::int AS n FROM objects WHERE resource = 'pods' AND name = $1`, [name]), name).toBe(1);
    }
    const pod = await objectIdOf(app.context.db, CLUSTER, "pods", CASCADE_PODS.mrn5h);
    const reasons = await app.context.db.query<{ reason: string }>(
      `SELECT details->>'reason' AS reason FROM history_entries WHERE object_id = $1 AND source = 'event' ORDER BY start_time, id`,
      [pod],
    );
    expect(reasons.rows.map((row) => row.reason)).toEqual(expect.arrayContaining(["FailedScheduling", "Scheduled", "Started"]));
  });

  it("puts a Node's Events on the Node the Pods' relations named, one row per Node", async () => {
    for (const node of Object.values(CASCADE.nodes)) {
      expect(await count(`SELECT count(*)::int AS n FROM objects WHERE resource = 'nodes' AND name = $1`, [node.name]), node.name).toBe(1);
    }
    expect(await count(`SELECT count(*)::int AS n FROM history_entries h JOIN objects o ON o.id = h.object_id WHERE o.resource = 'nodes' AND h.source = 'event'`)).toBeGreaterThan(0);
  });

  it("shows the Events on the object page, each as an event mark with its reason and message", async () => {
    const deployment = await objectIdOf(app.context.db, CLUSTER, "deployments", "apiserver");
    const response = await fetch(`${app.url}/api/trpc/objects.timeline?input=${encodeURIComponent(JSON.stringify({ id: deployment }))}`);
    expect(response.status).toBe(200);
    const page = ((await response.json()) as { result: { data: TimelineResult } }).result.data;
    const deploymentRow = page.rows[0]!;
    const scaling = deploymentRow.entries.filter((entry) => entry.mark === "event");
    expect(scaling.length).toBeGreaterThan(0);
    expect(scaling[0]).toMatchObject({ actor: "deployment-controller", title: expect.stringContaining("ScalingReplicaSet") });
    const pod = page.rows.find((row) => row.object.name === CASCADE_PODS.mrn5h)!;
    const marks = pod.entries.map((entry) => entry.mark);
    expect(marks).toContain("event");
    expect(marks).toContain("create");
  });
});
