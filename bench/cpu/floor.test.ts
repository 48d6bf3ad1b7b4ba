import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../server/ingest/audit/types";
import { eventList, rolloutScenario } from "../../server/testing/scenarios/rollout";
import { floorPass } from "./floor";

const body = (events: unknown[]) => Buffer.from(JSON.stringify(eventList(events)));

describe("bench:cpu's floor", () => {
  // The real OpenShift Deployment's rollout (server/testing/scenarios/rollout.ts), in two batches.
  const steps = rolloutScenario();
  const [create, status, scale] = steps.map((s) => s.event) as [JsonObject, JsonObject, JsonObject];

  it("makes a row per write, keeps each object's latest body, and diffs the next write against it", () => {
    const latest = new Map<string, JsonObject>();
    const result = floorPass([body([create]), body([status, scale, { ...create, verb: "get", auditID: "read-1" }])], latest);
    expect(result.rows).toBe(3); // the read is not history
    expect([...latest.keys()]).toEqual(["deployments/openshift-apiserver/apiserver"]);
    expect((latest.get("deployments/openshift-apiserver/apiserver")!.spec as JsonObject).replicas).toBe(
      (scale.responseObject as { spec: { replicas: number } }).spec.replicas,
    );
  });

  it("writes a diff, not the whole body, once the object is known", () => {
    const first = floorPass([body([create])]);
    const latest = new Map<string, JsonObject>();
    floorPass([body([create])], latest);
    const again = floorPass([body([scale])], latest);
    const alone = floorPass([body([scale])]);
    expect(again.rows).toBe(1);
    expect(again.chars).toBeLessThan(alone.chars / 2); // a snapshot without the earlier body
    expect(first.chars).toBeGreaterThan(again.chars);
  });
});
