import { describe, expect, it } from "vitest";
import type { DiffEntry, JsonObject } from "../../ingest/audit/types";
import { openshiftItems, realApiserverPod, sonobuoyItems } from "../../testing/fixtures";
import { rolloutScenario } from "../../testing/scenarios/rollout";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint, redactBody } from "../redact/redact";
import { diffObjects } from "./diff";
import { parseDiffPath, stateBefore } from "./reverse";

type Loose = Record<string, any>;

describe("parseDiffPath", () => {
  it.each<[string, unknown[]]>([
    ["spec.replicas", [{ key: "spec" }, { key: "replicas" }]],
    ["spec.template.spec.containers[name=openshift-apiserver].image", [{ key: "spec" }, { key: "template" }, { key: "spec" }, { key: "containers" }, { label: "name=openshift-apiserver" }, { key: "image" }]],
    ['metadata.labels["app.kubernetes.io/name"]', [{ key: "metadata" }, { key: "labels" }, { key: "app.kubernetes.io/name" }]],
    ['["x-y"].z', [{ key: "x-y" }, { key: "z" }]],
    ["spec.ports[port=53,protocol=UDP].targetPort", [{ key: "spec" }, { key: "ports" }, { label: "port=53,protocol=UDP" }, { key: "targetPort" }]],
    ['spec.containers[name="a]b"].image', [{ key: "spec" }, { key: "containers" }, { label: 'name="a]b"' }, { key: "image" }]],
    ['data["we\\"ird]"]', [{ key: "data" }, { key: 'we"ird]' }]],
    ["spec.args[3]", [{ key: "spec" }, { key: "args" }, { index: 3 }]],
    ["items[0][1]", [{ key: "items" }, { index: 0 }, { index: 1 }]],
  ])("reads %s", (path, segments) => {
    expect(parseDiffPath(path)).toEqual(segments);
  });

  it.each([".spec", "spec..replicas", "spec.", "spec[", "spec[x]", 'spec["x"', "spec[1]x", "1spec", "spec.1", 'spec[""x"]', "spec[[1]]"])("refuses %j", (path) => {
    expect(parseDiffPath(path)).toBeNull();
  });
});

/** The version before `b` rebuilt from `b` and the diff from `a`: no diff can tell it from `a`, and its diff to `b` is that diff. */
function expectUndone(a: JsonObject, b: JsonObject): DiffEntry[] {
  const diff = diffObjects(a, b);
  const before = stateBefore(b, diff);
  expect(before).not.toBeNull();
  expect(diffObjects(a, before!)).toEqual([]);
  expect(diffObjects(before!, b)).toEqual(diff);
  return diff;
}

describe("stateBefore on real objects", () => {
  it("undoes each step of the rollout (the real openshift-apiserver Deployment)", () => {
    const versions = rolloutScenario()
      .filter((step) => step.event.responseObject?.kind === "Deployment" && step.event.responseStatus.code < 300)
      .map((step) => step.event.responseObject as JsonObject);
    expect(versions.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < versions.length; i++) expectUndone(versions[i - 1]!, versions[i]!);
  });

  it("undoes the change from one real ReplicaSet revision to the next", () => {
    const replicaSets = openshiftItems("openshift-apiserver", "apps/replicasets.yaml") as JsonObject[];
    for (let i = 1; i < replicaSets.length; i++) expect(expectUndone(replicaSets[i - 1]!, replicaSets[i]!).length).toBeGreaterThan(5);
  });

  it("undoes the difference between any two real Pods of a namespace (keyed lists, conditions, statuses)", () => {
    for (const pods of [openshiftItems("openshift-apiserver", "core/pods.yaml"), sonobuoyItems("kube-system", "Pods")] as JsonObject[][]) {
      expect(pods.length).toBeGreaterThan(2);
      for (const a of pods) for (const b of pods) if (a !== b) expectUndone(a, b);
    }
  });

  it("undoes a diff on a version that was itself rebuilt by undoing, whose re-added keys and items come last", () => {
    // What placing late writes does: undo the newest entry's diff, then the one before it.
    let chains = 0;
    for (const pods of [openshiftItems("openshift-apiserver", "core/pods.yaml"), sonobuoyItems("kube-system", "Pods")] as JsonObject[][]) {
      for (const p of pods) for (const q of pods) for (const r of pods) {
        if (p === q || q === r) continue;
        const rebuiltQ = stateBefore(r, diffObjects(q, r));
        expect(rebuiltQ).not.toBeNull();
        const rebuiltP = stateBefore(rebuiltQ!, diffObjects(p, q));
        expect(rebuiltP).not.toBeNull();
        expect(diffObjects(p, rebuiltP!)).toEqual([]);
        chains++;
      }
    }
    expect(chains).toBeGreaterThan(100);
  });

  it("undoes added, removed and reordered list items, and keys that need quoting", () => {
    const a = realApiserverPod() as Loose;
    const b = structuredClone(a);
    const container = b.spec.containers[0];
    container.env = [...(container.env ?? []), { name: "A]B,C=D", value: "1" }];
    container.ports = container.ports.slice(1);
    b.spec.containers.reverse();
    b.metadata.labels["app.kubernetes.io/part-of"] = "apiserver";
    Object.defineProperty(b.metadata.annotations, "__proto__", { value: "data", enumerable: true, writable: true, configurable: true });
    delete b.metadata.annotations[Object.keys(a.metadata.annotations)[0]!];
    b.metadata.finalizers = ["example.com/keep"];
    b.spec.tolerations = b.spec.tolerations.slice(0, 1);
    const diff = expectUndone(a, b);
    expect(diff.map((d) => d.path)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/env\[name="A\]B,C=D"\]$/),
        "metadata.annotations.__proto__",
        'metadata.labels["app.kubernetes.io/part-of"]',
        "metadata.finalizers",
      ]),
    );
    const before = stateBefore(b, diff)!;
    expect(Object.getPrototypeOf(before.metadata)).toBe(Object.prototype);
  });
});

describe("stateBefore refuses what it cannot undo", () => {
  const pod = () => realApiserverPod() as Loose;

  it("a redacted change, whose values were never kept", () => {
    const fingerprint = hmacFingerprint("test-key-0123456789");
    const secret = (value: string) => redactBody({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n" }, data: { token: value } }, { apiGroup: "", resource: "secrets" }, DEFAULT_SENSITIVE_RULES, fingerprint);
    const diff = diffObjects(secret("b25l"), secret("dHdv"));
    expect(diff).toEqual([{ path: "data.token", redacted: true }]);
    expect(stateBefore(secret("dHdv"), diff)).toBeNull();
  });

  it("a path that is not there", () => {
    expect(stateBefore(pod(), [{ path: "spec.nothing", old: 1, new: 2 }])).toBeNull();
    expect(stateBefore(pod(), [{ path: "spec.containers[name=nothing].image", old: "a", new: "b" }])).toBeNull();
    expect(stateBefore(pod(), [{ path: "spec.nodeName", old: "a" }])).toBeNull(); // "removed", yet there
  });

  it("a diff that did not lead to this version", () => {
    const after = pod();
    expect(stateBefore(after, [{ path: "spec.nodeName", old: "node-a", new: "not-its-node" }])).toBeNull();
  });

  it("an unreadable path", () => {
    expect(stateBefore(pod(), [{ path: "spec..nodeName", old: "a", new: "b" }])).toBeNull();
  });
});
