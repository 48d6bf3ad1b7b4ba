import { describe, expect, it } from "vitest";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "../../server/ingest/audit/defaults";
import type { ConvertOptions } from "../../server/ingest/audit/types";
import { BUILTIN_LINKERS } from "../../server/model/links/builtin";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../../server/model/redact/redact";
import { CASCADE, cascadeEventList, openshiftCascade } from "../../server/testing/scenarios/openshiftCascade";
import { eventList } from "../../server/testing/scenarios/rollout";
import { LeanMemory, leanPass } from "./lean";

const options: ConvertOptions = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("bench-lean-key-0123456789"),
};
const body = (list: unknown) => Buffer.from(JSON.stringify(list));

describe("bench:cpu's lean pass", () => {
  // The real OpenShift Deployment's cascade: Deployment, ReplicaSets, Pods on real Nodes.
  const steps = openshiftCascade();

  it("makes a history row per write, holds each object's state, and opens the relations its bodies claim", () => {
    // The rollout phase: everything still exists at its end (the teardown deletes it all).
    const rollout = steps.filter((step) => step.phase === "rollout");
    const memory = new LeanMemory();
    const result = leanPass([body(cascadeEventList(rollout))], options, BUILTIN_LINKERS, memory);
    expect(result.rows).toBe(rollout.filter((step) => !["get", "list", "watch"].includes(step.event.verb)).length);
    const replicaSet = memory.objects.get(`1\u0000apps\u0000replicasets\u0000${CASCADE.namespace}\u0000${CASCADE.replicaSets.rev1.name}`);
    expect(replicaSet?.state?.metadata).toMatchObject({ name: CASCADE.replicaSets.rev1.name });
    // ReplicaSets owned by the Deployment, Pods by ReplicaSets and on Nodes: relations opened.
    expect(result.relationChanges).toBeGreaterThan(0);
    expect([...memory.openClaims.values()].some((claims) => claims.size > 0)).toBe(true);
    // The teardown deletes every object: no relation stays open.
    const teardown = leanPass([body(cascadeEventList(steps.filter((step) => step.phase !== "rollout")))], options, BUILTIN_LINKERS, memory);
    expect(teardown.relationChanges).toBeGreaterThan(0);
    expect([...memory.openClaims.values()].every((claims) => claims.size === 0)).toBe(true);
  });

  it("stores an event it has seen once only, and counts reads without history", () => {
    const [first] = steps.map((step) => step.event);
    const memory = new LeanMemory();
    const once = leanPass([body(eventList([first]))], options, BUILTIN_LINKERS, memory);
    const again = leanPass([body(eventList([first, { ...first, verb: "get", auditID: "read-1", requestObject: undefined, responseObject: undefined }]))], options, BUILTIN_LINKERS, memory);
    expect(once.rows).toBe(1);
    expect(again.rows).toBe(0);
    expect([...memory.readCounts.values()]).toEqual([1]);
  });
});
