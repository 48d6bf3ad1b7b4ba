import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { NEW_IMAGE, rolloutScenario } from "../../testing/scenarios/rollout";
import { secretScenario } from "../../testing/scenarios/secret";
import { createAuditIngestor, type AuditIngestor } from "./ingest";
import { LATE_WRITE_MAX_ENTRIES } from "../../store/lateWriteHistory";
import type { DiffEntry } from "./types";
import { TEST_CONVERT_OPTIONS } from "../../testing/convertOptions";

const options = TEST_CONVERT_OPTIONS;

interface Entry {
  diff: DiffEntry[] | null;
  noop: boolean;
  details: Record<string, unknown>;
}

type Event = Record<string, any>;

const steps = rolloutScenario();
const event = (label: string) => steps.find((s) => s.label === label)!.event;
const versionAfter = (label: string) => event(label).responseObject.metadata.resourceVersion as string;
/** The writes between the rollout's create and its delete that may arrive in any order. */
const MIDDLE = ["status generation 1", "scale up", "status generation 2", "image change", "scale down", "conflict"];

/** Seeded (mulberry32), so that a failing order can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/**
 * The rollout's steps in `middle`'s order between its create and its delete. The no-op update
 * goes right after the scale-down, whose version it repeats: had it come first, nothing could
 * tell which of the two made the version.
 */
function rolloutIn(middle: readonly string[]): string[] {
  return ["create", ...middle.flatMap((label) => (label === "scale down" ? [label, "no-op update"] : [label])), "delete"];
}

/**
 * The apiserver's webhook sends batches concurrently, Kubetrail stores several at once, and a log
 * can be imported out of order: a write may reach Kubetrail after a newer version of its object.
 */
describe.each(STORE_KINDS)("writes that arrive after a newer version of their object, on %s", (kind) => {
  let test: TestDatabase;
  let ingestor: AuditIngestor;
  let inOrder: Map<string, Entry>;

  async function historyOf(cluster: string): Promise<Map<string, Entry>> {
    const rows = await test.db.query<{ audit_id: string; diff: DiffEntry[] | null; noop: boolean; details: Record<string, unknown> }>(
      `SELECT h.audit_id, h.diff, h.noop, h.details FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1`,
      [cluster],
    );
    return new Map(rows.rows.map((r) => [r.audit_id, { diff: r.diff, noop: r.noop, details: r.details }]));
  }

  /** Each batch stored before the next is sent. */
  async function ingestBatches(cluster: string, batches: Event[][]): Promise<Map<string, Entry>> {
    for (const batch of batches) expect(await ingestor.ingest(cluster, batch)).toMatchObject({ accepted: batch.length, rejected: [] });
    return historyOf(cluster);
  }

  /** What arrival order cannot change: each write's diff, whether it was a no-op, and the version it was made on. */
  function comparable(history: Map<string, Entry>) {
    return Object.fromEntries(
      [...history].map(([auditId, entry]) => [
        auditId,
        // A failed request made no version: the version it names is whichever was known when it arrived.
        { diff: entry.diff, noop: entry.noop, before: entry.details.failure ? undefined : entry.details.resourceVersionBefore },
      ]),
    );
  }

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    ingestor = createAuditIngestor(test.db, options);
    inOrder = await ingestBatches("in-order", rolloutIn(MIDDLE).map((label) => [event(label)]));
  });
  afterAll(() => test.dispose());

  describe("the scale-up, overtaken by the controller's status update after it", () => {
    let history: Map<string, Entry>;
    const entry = (label: string) => history.get(event(label).auditID as string)!;
    const paths = (label: string) => (entry(label).diff ?? []).map((d) => d.path);

    beforeAll(async () => {
      const order = ["create", "status generation 1", "status generation 2", "scale up", "image change", "scale down"];
      history = await ingestBatches("overtaken", order.map((label) => [event(label)]));
    });

    it("gets the diff it has in order, on the version it was made on", () => {
      expect(entry("scale up").diff).toEqual(inOrder.get(event("scale up").auditID)!.diff);
      expect(paths("scale up")).toEqual(["metadata.generation", "spec.replicas"]);
      expect(entry("scale up").details.resourceVersionBefore).toBe(versionAfter("status generation 1"));
      // The mark is for a late write that could not be placed: this one is where it belongs.
      expect(entry("scale up").details.arrivedAfterResourceVersion).toBeUndefined();
    });

    it("no longer shows its change in the diff of the write that overtook it", () => {
      expect(paths("status generation 2")).not.toContain("spec.replicas");
      expect(entry("status generation 2").diff).toEqual(inOrder.get(event("status generation 2").auditID)!.diff);
      expect(entry("status generation 2").details.resourceVersionBefore).toBe(versionAfter("scale up"));
    });

    it("leaves the newer version as the state the next write is diffed against", () => {
      expect(paths("image change")).toEqual(["metadata.generation", "spec.template.spec.containers[name=openshift-apiserver].image"]);
      expect(entry("image change").diff?.find((d) => d.path.endsWith(".image"))?.new).toBe(NEW_IMAGE);
      expect(entry("image change").details.resourceVersionBefore).toBe(versionAfter("status generation 2"));
      expect(entry("image change").details.arrivedAfterResourceVersion).toBeUndefined();
    });
  });

  it("gives the same history as in order, whatever order the rollout's writes arrive in", async () => {
    const orders = [[...MIDDLE].reverse(), ...Array.from({ length: 24 }, (_, seed) => shuffled(MIDDLE, seed + 1))];
    for (const [n, middle] of orders.entries()) {
      const history = await ingestBatches(`shuffled-${n}`, rolloutIn(middle).map((label) => [event(label)]));
      expect(comparable(history), `arrival order ${middle.join(", ")}`).toEqual(comparable(inOrder));
    }
  });

  it("gives the same history when a batch's requests completed out of order", async () => {
    // One batch, in which the scale-up's response completed after the status update that followed it.
    const batch = rolloutIn(MIDDLE).map((label) => structuredClone(event(label)));
    const scaleUp = batch.find((e) => e.auditID === event("scale up").auditID)!;
    scaleUp.stageTimestamp = new Date(Date.parse(event("status generation 2").stageTimestamp) + 1).toISOString();
    const history = await ingestBatches("one-batch", [batch]);
    expect(comparable(history)).toEqual(comparable(inOrder));
  });

  it("tells a no-op update from the write that made its version when it completed first in one batch", async () => {
    // The no-op update read the scaled-down version, so it started after the scale-down; its
    // response completed before the scale-down's did.
    const batch = rolloutIn(MIDDLE).map((label) => structuredClone(event(label)));
    const scaleDown = batch.find((e) => e.auditID === event("scale down").auditID)!;
    const noop = batch.find((e) => e.auditID === event("no-op update").auditID)!;
    noop.requestReceivedTimestamp = new Date(Date.parse(scaleDown.requestReceivedTimestamp) + 1).toISOString();
    noop.stageTimestamp = new Date(Date.parse(noop.requestReceivedTimestamp) + 1).toISOString();
    scaleDown.stageTimestamp = new Date(Date.parse(noop.stageTimestamp) + 1).toISOString();
    const history = await ingestBatches("noop-first", [batch]);
    expect(comparable(history)).toEqual(comparable(inOrder));
    expect(history.get(noop.auditID)!.noop).toBe(true);
  });

  it("keeps a late write without a diff when the versions before it cannot be rebuilt: a Secret's redacted data", async () => {
    const { create, passwordChange, labelChange } = secretScenario();
    const history = await ingestBatches("secret", [[create], [labelChange], [passwordChange]]);
    const late = history.get(passwordChange.auditID)!;
    expect(late.diff).toBeNull();
    expect(late.details.arrivedAfterResourceVersion).toBe("102");
    expect(late.details.resourceVersionBefore).toBeUndefined();
    // The write that overtook it keeps the diff it got, over both changes.
    expect(history.get(labelChange.auditID)!.diff).toEqual(
      expect.arrayContaining([{ path: "data.password", redacted: true }, { path: "metadata.labels", new: { tier: "backend" } }]),
    );
  });

  it(`rebuilds versions back over at most ${LATE_WRITE_MAX_ENTRIES} entries, and keeps a write later than that many without a diff`, async () => {
    /** `count` status updates of the rollout's Deployment, each a new version, all after the scale-up. */
    const statusUpdates = (count: number) =>
      Array.from({ length: count }, (_, i) => {
        const update = structuredClone(event("status generation 2"));
        update.auditID = `0b1d9e7a-0000-4000-8000-${String(i).padStart(12, "0")}`;
        const body = update.responseObject;
        body.metadata.resourceVersion = String(30_000 + i);
        body.status.readyReplicas = i;
        update.requestObject = body;
        const at = Date.parse(update.stageTimestamp) + i;
        update.requestReceivedTimestamp = update.stageTimestamp = new Date(at).toISOString();
        return update;
      });
    // More than are read at first (32): the rest are read too.
    const placed = await ingestBatches("within", [[event("create"), event("status generation 1")], statusUpdates(40), [event("scale up")]]);
    expect(placed.get(event("scale up").auditID)!.diff).toEqual(inOrder.get(event("scale up").auditID)!.diff);

    const unplaced = await ingestBatches("beyond", [[event("create"), event("status generation 1")], statusUpdates(LATE_WRITE_MAX_ENTRIES + 1), [event("scale up")]]);
    expect(unplaced.get(event("scale up").auditID)!.diff).toBeNull();
    expect(unplaced.get(event("scale up").auditID)!.details.arrivedAfterResourceVersion).toBe(String(30_000 + LATE_WRITE_MAX_ENTRIES));
  });

  it("stores nothing twice when a late batch is sent again", async () => {
    const before = comparable(await historyOf("overtaken"));
    expect(await ingestor.ingest("overtaken", [event("scale up")])).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(comparable(await historyOf("overtaken"))).toEqual(before);
  });
});
