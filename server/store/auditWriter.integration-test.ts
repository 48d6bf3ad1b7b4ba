import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { createAuditIngestor } from "../ingest/audit/ingest";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "../ingest/audit/defaults";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../model/redact/redact";
import { rolloutScenario } from "../testing/scenarios/rollout";

const options = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-0123456789"),
};

describe.each(STORE_KINDS)("object states on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("diffs against what the database holds when another writer changed the state since", async () => {
    test = await openTestDatabase(kind);
    const steps = rolloutScenario();
    const step = (label: string) => steps.find((s) => s.label === label)!.event;
    const ingestor = createAuditIngestor(test.db, options);
    await ingestor.ingest("c", [step("create")]);

    // Another replica (with its own cache) records the scale-up meanwhile: replicas 3 -> 5, resourceVersion 22003.
    const otherReplica = createAuditIngestor(test.db, options);
    await otherReplica.ingest("c", [step("status generation 1"), step("scale up")]);

    // This replica's cache still holds the create's state; the next write must not diff against it.
    await ingestor.ingest("c", [step("status generation 2")]);
    const diff = (
      await test.db.query<{ diff: Array<{ path: string }> }>(
        `SELECT diff FROM history_entries WHERE title LIKE '%deployment-controller update status' ORDER BY start_time DESC LIMIT 1`,
      )
    ).rows[0]!.diff;
    expect(diff.map((d) => d.path).sort()).toEqual(["status.observedGeneration", "status.replicas", "status.updatedReplicas"]);
    expect(diff.some((d) => d.path === "spec.replicas")).toBe(false);
  });

  it("keeps each object's latest body in object_states", async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    const steps = rolloutScenario();
    await ingestor.ingest("c", steps.slice(0, 3).map((s) => s.event));
    const states = await test.db.query<{ resource_version: string; replicas: number }>(
      `SELECT resource_version, (state::jsonb->'spec'->>'replicas')::int AS replicas FROM object_states`,
    );
    expect(states.rows).toEqual([{ resource_version: "22003", replicas: 5 }]);
  });

  it("puts requests that arrive before the object's create on the same object, and keeps the newest state", async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    const steps = rolloutScenario();
    const step = (label: string) => steps.find((s) => s.label === label)!.event;
    // Concurrent batches: the scale-up (resourceVersion 22003) is stored before the create (22001).
    await ingestor.ingest("c", [step("status generation 1"), step("scale up")]);
    await ingestor.ingest("c", [step("create")]);
    const objects = await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM objects WHERE name = 'apiserver'`);
    expect(objects.rows[0]!.n).toBe(1);
    const state = await test.db.query<{ rv: string }>(`SELECT resource_version AS rv FROM object_states`);
    expect(state.rows).toEqual([{ rv: "22003" }]);
    const create = await test.db.query<{ snapshot: { spec: { replicas: number } } }>(`SELECT snapshot FROM history_entries WHERE verb = 'create'`);
    expect(create.rows[0]!.snapshot.spec.replicas).toBe(3);
    // The next write in order diffs against the newest state.
    await ingestor.ingest("c", [step("status generation 2")]);
    const diff = await test.db.query<{ diff: Array<{ path: string }> }>(`SELECT diff FROM history_entries ORDER BY start_time DESC LIMIT 1`);
    expect(diff.rows[0]!.diff.map((d) => d.path)).toContain("status.observedGeneration");
    expect(diff.rows[0]!.diff.map((d) => d.path)).not.toContain("spec.replicas");
  });

  it("adopts a uid-less row for a create that arrives after it", async () => {
    test = await openTestDatabase(kind);
    const ingestor = createAuditIngestor(test.db, options);
    const steps = rolloutScenario();
    const status = structuredClone(steps.find((s) => s.label === "status generation 1")!.event);
    // At Metadata level nothing tells the object's uid: the first row has none.
    status.level = "Metadata";
    delete status.requestObject;
    delete status.responseObject;
    await ingestor.ingest("c", [status]);
    await ingestor.ingest("c", [steps.find((s) => s.label === "create")!.event]);
    const objects = await test.db.query<{ uid: string | null; deleted: boolean; entries: number }>(
      `SELECT uid, deleted_at IS NOT NULL AS deleted, (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries FROM objects o`,
    );
    expect(objects.rows).toEqual([{ uid: "fbf76809-33a5-4017-a1f5-8be34cd2b2fd", deleted: false, entries: 2 }]);
  });
});
