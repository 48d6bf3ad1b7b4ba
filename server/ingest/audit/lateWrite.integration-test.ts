import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { NEW_IMAGE, rolloutScenario } from "../../testing/scenarios/rollout";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../../model/redact/redact";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "./defaults";
import { createAuditIngestor } from "./ingest";
import type { DiffEntry } from "./types";

const options = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-0123456789"),
};

interface Entry {
  auditId: string;
  diff: DiffEntry[] | null;
  details: Record<string, unknown>;
}

/**
 * The apiserver's webhook sends batches concurrently, and a log can be imported out of order:
 * a write may reach Kubetrail after a newer version of its object. The rollout's scale-up patch
 * here arrives after the controller's status update that followed it.
 */
describe.each(STORE_KINDS)("a write that arrives after a newer version of its object, on %s", (kind) => {
  let test: TestDatabase;
  let entries: Map<string, Entry>;
  const steps = rolloutScenario();
  const event = (label: string) => steps.find((s) => s.label === label)!.event;
  const versionAfter = (label: string) => event(label).responseObject.metadata.resourceVersion as string;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    const order = ["create", "status generation 1", "status generation 2", "scale up", "image change", "scale down"];
    for (const label of order) {
      const summary = await ingestor.ingest("late", [event(label)]);
      expect(summary, label).toMatchObject({ accepted: 1, history: 1 });
    }
    const rows = await test.db.query<{ audit_id: string; diff: DiffEntry[] | null; details: Record<string, unknown> }>(`SELECT audit_id, diff, details FROM history_entries`);
    entries = new Map(rows.rows.map((r) => [r.audit_id, { auditId: r.audit_id, diff: r.diff, details: r.details }]));
  });
  afterAll(() => test.dispose());

  const entry = (label: string) => entries.get(event(label).auditID as string)!;
  const paths = (label: string) => (entry(label).diff ?? []).map((d) => d.path);

  it("keeps the late write, without a diff, saying which newer version was known", () => {
    const late = entry("scale up");
    expect(late.diff).toBeNull();
    expect(late.details.arrivedAfterResourceVersion).toBe(versionAfter("status generation 2"));
    // It did not happen on top of that version: the details must not say so.
    expect(late.details.resourceVersionBefore).toBeUndefined();
    expect(late.details.resourceVersionAfter).toBe(versionAfter("scale up"));
  });

  it("diffs the write that overtook it against the version before both", () => {
    expect(paths("status generation 2")).toContain("spec.replicas");
    expect(entry("status generation 2").details.resourceVersionBefore).toBe(versionAfter("status generation 1"));
  });

  it("keeps the newer version as the state the next write is diffed against", () => {
    expect(paths("image change")).toEqual(["metadata.generation", "spec.template.spec.containers[name=openshift-apiserver].image"]);
    expect(entry("image change").diff?.find((d) => d.path.endsWith(".image"))?.new).toBe(NEW_IMAGE);
    expect(entry("image change").details.resourceVersionBefore).toBe(versionAfter("status generation 2"));
    expect(entry("image change").details.arrivedAfterResourceVersion).toBeUndefined();
  });
});
