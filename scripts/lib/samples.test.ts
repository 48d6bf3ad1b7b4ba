import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SAMPLES_DIR, sampleFiles, sampleText } from "./samples";
import { FIXTURES_DIR } from "../../server/testing/fixtures";
import { observeKubernetesEvent } from "../../server/ingest/events/observeEvent";

describe("the sample audit logs in docs/samples", () => {
  it.each(sampleFiles().map((file) => [file.name, file] as const))("%s is what npm run sample:generate writes", (_name, file) => {
    // A scenario changed without the sample written again would leave the README's figures wrong.
    expect(fs.readFileSync(path.join(SAMPLES_DIR, file.name), "utf8")).toBe(sampleText(file));
  });

  it("every sample line is one audit event", () => {
    for (const file of sampleFiles()) {
      for (const line of file.lines) expect(JSON.parse(line)).toMatchObject({ kind: "Event", auditID: expect.any(String) });
    }
  });
});

describe("the sample Kubernetes Events in docs/samples", () => {
  it("are the must-gather's Events of the cascade's namespace, byte for byte, as PROVENANCE.md says", () => {
    const copied = fs.readFileSync(path.join(SAMPLES_DIR, "deployment-cascade-events.yaml"));
    expect(copied.equals(fs.readFileSync(path.join(FIXTURES_DIR, "openshift-must-gather-azure/namespaces/openshift-apiserver/core/events.yaml")))).toBe(true);
  });

  it("land on the cascade sample's objects: every Event converts, and names the sample's Pods by their uids", () => {
    const cascadeUids = new Set(sampleFiles().find((file) => file.name === "deployment-cascade.jsonl")!.lines.flatMap((line) => {
      const uid = (JSON.parse(line) as { responseObject?: { metadata?: { uid?: string } } }).responseObject?.metadata?.uid;
      return uid ? [uid] : [];
    }));
    const events = (parse(fs.readFileSync(path.join(SAMPLES_DIR, "deployment-cascade-events.yaml"), "utf8")) as { items: unknown[] }).items;
    const entries = events.map((event) => {
      const observed = observeKubernetesEvent(event);
      if (!observed.ok) throw new Error(observed.problem);
      return observed.entry;
    });
    expect(entries).toHaveLength(163);
    const onSampleObjects = entries.filter((entry) => entry.object.uid !== null && cascadeUids.has(entry.object.uid));
    expect(onSampleObjects.length).toBeGreaterThan(50);
  });
});
