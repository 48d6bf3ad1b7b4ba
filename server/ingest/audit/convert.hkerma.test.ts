import { describe, expect, it } from "vitest";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../../model/redact/redact";
import { loadHkermaEvents } from "../../testing/hkermaCsv";
import { convertAuditEvent } from "./convert";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "./defaults";
import { parseAuditEvent } from "./eventSchema";
import type { AuditRead, AuditWrite, ConvertOptions, ConvertedAuditEvent } from "./types";

// 16.5k real Metadata-level events from a kubeadm cluster installing Helm charts (see the
// dataset's PROVENANCE.md for the expected controller counts checked below).

const options: ConvertOptions = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-of-sixteen-chars"),
};

const raws = loadHkermaEvents();
const parsed = raws.map(parseAuditEvent);
const converted: ConvertedAuditEvent[] = parsed.flatMap((p) => (p.ok ? [convertAuditEvent(p.event, options)] : []));
const writes = converted.filter((c): c is AuditWrite => c.kind === "write");
const reads = converted.filter((c): c is AuditRead => c.kind === "read");

const SA = "system:serviceaccount:kube-system:";
const writesBy = (actor: string, verb: string, resource: string, subresource = "") =>
  writes.filter((w) => w.actor === actor && w.verb === verb && w.object.resource === resource && w.subresource === subresource);

describe("the hkerma dataset", () => {
  it("parses every complete row and rejects only the truncated last one", () => {
    expect(raws).toHaveLength(16_564);
    const rejected = parsed.flatMap((p, index) => (p.ok ? [] : [{ index, auditId: p.auditId, error: p.error }]));
    expect(rejected).toEqual([{ index: 16_563, auditId: "aa19a29f-4f4e-4f05-a756-235678", error: "stage: required" }]);
    expect(converted).toHaveLength(16_563);
  });

  it("splits into writes, reads, and skipped noise and streams", () => {
    const tally: Record<string, number> = {};
    for (const c of converted) {
      const key = c.kind === "skipped" ? c.reason : c.kind;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    expect(tally).toEqual({
      // 9 of the dataset's creates are TokenReviews/SubjectAccessReviews: counted as reads.
      write: 2155,
      read: 13_016,
      "stage ResponseStarted is not traced": 474,
      "resource coordination.k8s.io/leases is skipped": 598,
      "resource events is skipped": 316,
      "resource events.k8s.io/events is skipped": 4,
    });
  });

  it("skips exactly the rows recorded at ResponseStarted (the watches' opening)", () => {
    const started = raws.filter((raw) => (raw as { stage?: string }).stage === "ResponseStarted").length;
    expect(started).toBe(474);
  });

  it("has deployment-controller create replicasets 18 times", () => {
    const created = writesBy(`${SA}deployment-controller`, "create", "replicasets");
    expect(created).toHaveLength(18);
    for (const write of created) {
      expect(write).toMatchObject({ statusCode: 201, failed: false, title: `${SA}deployment-controller create` });
      expect(write.object).toMatchObject({ apiGroup: "apps", apiVersion: "v1", kind: "ReplicaSet" });
      expect(write.object.name).not.toBe("");
      expect(write.object.namespace).not.toBe("");
    }
  });

  it("has replicaset-controller create pods 34 times, 16 of them forbidden", () => {
    const created = writesBy(`${SA}replicaset-controller`, "create", "pods");
    expect(created).toHaveLength(34);
    const forbidden = created.filter((w) => w.failed);
    expect(forbidden).toHaveLength(16);
    for (const write of forbidden) {
      expect(write).toMatchObject({ statusCode: 403, title: `${SA}replicaset-controller create (Forbidden)` });
      expect(write.object.namespace).toBe("kube-system");
    }
    // Metadata level and generateName: the pod's name is in no column, so the create lands on the collection.
    for (const write of created) expect(write.object).toMatchObject({ kind: "Pod", name: "", uid: null, apiGroup: "" });
  });

  it("has deployment-controller update deployment status 100 times, 29 of them conflicts", () => {
    const updates = writesBy(`${SA}deployment-controller`, "update", "deployments", "status");
    expect(updates).toHaveLength(100);
    const conflicts = updates.filter((w) => w.failed);
    expect(conflicts).toHaveLength(29);
    for (const write of conflicts) expect(write.title).toBe(`${SA}deployment-controller update status (Conflict)`);
  });

  it("has replicaset-controller update replicaset status 61 times and the garbage collector delete pods 4 times", () => {
    const updates = writesBy(`${SA}replicaset-controller`, "update", "replicasets", "status");
    expect(updates).toHaveLength(61);
    expect(updates.filter((w) => w.failed)).toHaveLength(6);
    expect(writesBy(`${SA}replicaset-controller`, "update", "replicasets")).toHaveLength(0);
    expect(writesBy(`${SA}generic-garbage-collector`, "delete", "pods")).toHaveLength(4);
  });

  it("turns every 403 write into a failed write titled (Forbidden)", () => {
    const forbidden = writes.filter((w) => w.statusCode === 403);
    expect(forbidden).toHaveLength(17);
    for (const write of forbidden) {
      expect(write.failed).toBe(true);
      expect(write.title.endsWith(" (Forbidden)")).toBe(true);
    }
  });

  it("marks exactly the writes with a code >= 300 as failed, and titles them by it", () => {
    for (const write of writes) {
      expect(write.failed).toBe(write.statusCode !== null && write.statusCode >= 300);
      expect(write.title.includes("(")).toBe(write.failed);
      expect(write.bodyAfter).toBeNull(); // Metadata level carries no bodies
    }
    expect(writes.filter((w) => w.failed)).toHaveLength(321);
  });

  it("names every write's object, except creates that only have a generateName and deletecollections", () => {
    const unnamed = writes.filter((w) => w.object.name === "");
    for (const write of unnamed) expect(["create", "deletecollection"]).toContain(write.verb);
    expect(unnamed.filter((w) => w.verb === "deletecollection").length).toBeGreaterThan(0);
  });

  it("derives namespaces and groups from the URL", () => {
    for (const write of writes) {
      const inNamespace = /\/namespaces\/([^/?]+)\/[^/?]/.exec(write.details.requestURI)?.[1] ?? "";
      expect(write.object.namespace, write.details.requestURI).toBe(inNamespace);
      expect(write.details.requestURI.startsWith(write.object.apiGroup === "" ? "/api/v1/" : `/apis/${write.object.apiGroup}/`)).toBe(true);
    }
  });

  it("counts reads per minute over the five minutes recorded", () => {
    const minutes = new Set(reads.map((r) => r.minute.toISOString()));
    expect([...minutes].sort()).toEqual([
      "2023-01-27T18:28:00.000Z",
      "2023-01-27T18:29:00.000Z",
      "2023-01-27T18:30:00.000Z",
      "2023-01-27T18:31:00.000Z",
      "2023-01-27T18:32:00.000Z",
    ]);
    expect(reads.filter((r) => r.resource === "secrets" && r.verb === "get")).toHaveLength(476);
    expect(reads.filter((r) => r.resource === "/readyz")).toHaveLength(250);
    expect(reads.filter((r) => r.code === 403)).toHaveLength(36);
  });
});
