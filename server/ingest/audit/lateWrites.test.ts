import { describe, expect, it } from "vitest";
import { diffObjects } from "../../model/diff/diff";
import { rolloutScenario } from "../../testing/scenarios/rollout";
import { placeLateWrites, type ObjectVersion, type VersionStep } from "./lateWrites";
import type { JsonObject } from "./types";

// The rollout's versions of the real openshift-apiserver Deployment, by step: each write's response.
const steps = rolloutScenario();
const body = (label: string) => steps.find((s) => s.label === label)!.event.responseObject as JsonObject;
const rv = (label: string) => (body(label).metadata as JsonObject).resourceVersion as string;
const version = (label: string): ObjectVersion => ({ resourceVersion: rv(label), state: body(label) });
const late = (label: string) => ({ resourceVersion: rv(label), body: body(label) });

/** The entry the store kept for `label`, diffed against `base` (null: against nothing). */
function step(label: string, base: string | null): VersionStep<string> {
  if (label === "create") return { ref: label, resourceVersionBefore: null, resourceVersionAfter: rv(label), diff: null, creates: true };
  return { ref: label, resourceVersionBefore: base === null ? null : rv(base), resourceVersionAfter: rv(label), diff: base === null ? null : diffObjects(body(base), body(label)), creates: false };
}

describe("placeLateWrites", () => {
  it("puts a write that was overtaken on the version before it, and rediffs the write that overtook it", () => {
    // Arrived: create, status 1, status 2 (diffed against status 1), then the scale-up between them.
    const stored = [step("create", null), step("status generation 1", "create"), step("status generation 2", "status generation 1")];
    const { placements, rediffed } = placeLateWrites(version("status generation 2"), stored, [late("scale up")]);
    expect(placements).toHaveLength(1);
    const placement = placements[0]!;
    expect(placement.placed && placement.base?.resourceVersion).toBe(rv("status generation 1"));
    expect(placement.placed && diffObjects(body("status generation 1"), placement.base!.state)).toEqual([]);
    expect(rediffed).toEqual(new Map([["status generation 2", { resourceVersionBefore: rv("scale up"), diff: diffObjects(body("scale up"), body("status generation 2")) }]]));
    // The overtaking write's diff no longer shows the scale-up.
    expect(rediffed.get("status generation 2")!.diff.map((d) => d.path)).not.toContain("spec.replicas");
  });

  it("places several late writes, in resourceVersion order whatever order they come in", () => {
    // The image change overtook both the scale-up and the controller's status update after it.
    const stored = [step("create", null), step("status generation 1", "create"), step("image change", "status generation 1")];
    const { placements, rediffed } = placeLateWrites(version("image change"), stored, [late("status generation 2"), late("scale up")]);
    expect(placements.map((p) => p.placed && p.base?.resourceVersion)).toEqual([rv("scale up"), rv("status generation 1")]);
    expect(rediffed).toEqual(new Map([["image change", { resourceVersionBefore: rv("status generation 2"), diff: diffObjects(body("status generation 2"), body("image change")) }]]));
  });

  it("rebuilds versions back over several stored entries", () => {
    const stored = [step("create", null), step("status generation 1", "create"), step("status generation 2", "status generation 1"), step("image change", "status generation 2"), step("scale down", "image change")];
    const { placements, rediffed } = placeLateWrites(version("scale down"), stored, [late("scale up")]);
    expect(placements[0]!.placed && placements[0]!.base?.resourceVersion).toBe(rv("status generation 1"));
    expect([...rediffed.keys()]).toEqual(["status generation 2"]);
  });

  it("puts a write under an entry that was diffed against nothing, which it becomes the base of", () => {
    // The create never arrived; the status update was the first write seen.
    const stored = [step("status generation 2", null)];
    const { placements, rediffed } = placeLateWrites(version("status generation 2"), stored, [late("scale up")]);
    expect(placements).toEqual([{ placed: true, base: null }]);
    expect(rediffed.get("status generation 2")).toEqual({ resourceVersionBefore: rv("scale up"), diff: diffObjects(body("scale up"), body("status generation 2")) });
  });

  it("puts a create that arrived after the object's later writes before them all (an old log imported after a newer one)", () => {
    const stored = [step("status generation 2", null)];
    const create = { ...late("create"), creates: true };
    const { placements, rediffed } = placeLateWrites(version("status generation 2"), stored, [late("status generation 1"), create]);
    expect(placements[1]).toEqual({ placed: true, base: null });
    // The status update goes on the create's version, and the first write known is rediffed from it.
    expect(placements[0]!.placed && placements[0]!.base?.resourceVersion).toBe(rv("create"));
    expect(rediffed.get("status generation 2")).toEqual({ resourceVersionBefore: rv("status generation 1"), diff: diffObjects(body("status generation 1"), body("status generation 2")) });
    // Nothing goes before a create.
    const older = { resourceVersion: "1", body: body("create") };
    expect(placeLateWrites(version("status generation 2"), stored, [create, older]).placements).toEqual([{ placed: true, base: null }, { placed: false }]);
  });

  it("leaves a create unplaced when versions of the object are known before it", () => {
    const stored = [step("create", null), step("status generation 2", "create")];
    const { placements } = placeLateWrites(version("status generation 2"), stored, [{ ...late("status generation 1"), creates: true }]);
    expect(placements).toEqual([{ placed: false }]);
  });

  it("puts a write that made no new version (a no-op) on the version it left alone", () => {
    const stored = [step("create", null), step("status generation 1", "create"), step("scale up", "status generation 1"), step("status generation 2", "scale up")];
    const noop = { resourceVersion: rv("scale up"), body: body("scale up") };
    const { placements, rediffed } = placeLateWrites(version("status generation 2"), stored, [noop]);
    expect(placements[0]!.placed && placements[0]!.base?.resourceVersion).toBe(rv("scale up"));
    expect(rediffed.size).toBe(0);
  });

  it("leaves a write unplaced when the versions before it cannot be rebuilt", () => {
    const newest = version("status generation 2");
    const unplaced = [{ placed: false }];
    // No stored entry made the newest version.
    expect(placeLateWrites(newest, [step("create", null)], [late("scale up")]).placements).toEqual(unplaced);
    // A gap: the entry that made the version it would go on is missing.
    expect(placeLateWrites(version("image change"), [step("image change", "status generation 2")], [late("scale up")]).placements).toEqual(unplaced);
    // Older than the create.
    expect(placeLateWrites(version("create"), [step("create", null)], [{ resourceVersion: "1", body: body("create") }]).placements).toEqual(unplaced);
    // A diff that does not lead to the newest version.
    const wrong = { ...step("status generation 2", "status generation 1"), diff: [{ path: "spec.replicas", old: 1, new: 2 }] };
    expect(placeLateWrites(newest, [wrong], [late("scale up")]).placements).toEqual(unplaced);
    // Two entries claiming the same version.
    const twice = [step("status generation 2", "status generation 1"), { ...step("status generation 2", "status generation 1"), ref: "again" }];
    expect(placeLateWrites(newest, twice, [late("scale up")]).placements).toEqual(unplaced);
  });

  it("places no write directly under a Scale's version, made of the one before: the write would be missing from it", () => {
    // The scale-up through deployments/scale: its state is the create's with the Scale's replicas.
    const scaled = { ...step("scale up", "create"), madeOfPrevious: true };
    const { placements, rediffed } = placeLateWrites(version("scale up"), [step("create", null), scaled], [late("status generation 1")]);
    expect(placements).toEqual([{ placed: false }]);
    expect(rediffed.size).toBe(0);
    // The version it was made of is rebuilt through it as ever (its diff is exact): a no-op of that version goes there.
    const through = [step("create", null), { ...step("scale up", "status generation 1"), madeOfPrevious: true }, step("status generation 2", "scale up")];
    const [placement] = placeLateWrites(version("status generation 2"), through, [late("status generation 1")]).placements;
    expect(placement!.placed && placement!.base?.resourceVersion).toBe(rv("status generation 1"));
    expect(placement!.placed && diffObjects(body("status generation 1"), placement!.base!.state)).toEqual([]);
  });

  it("places on a version made without telling it (a binding's: `<rv>+<n>`) only a newer write that shows what made it", () => {
    // Status 2 was diffed against the state a Request-level Scale made of status 1's version.
    const afterUntold = { ...step("status generation 2", "scale up"), resourceVersionBefore: `${rv("status generation 1")}+1`, toldBefore: rv("status generation 1") };
    const stored = [step("create", null), step("status generation 1", "create"), afterUntold];
    // A write made on it (its generation, 2, is the one the Scale made): placed there.
    const madeOn = { resourceVersion: rv("scale up"), body: body("scale up") };
    const { placements, rediffed } = placeLateWrites(version("status generation 2"), stored, [madeOn]);
    expect(placements.map((p) => p.placed && p.base?.resourceVersion)).toEqual([`${rv("status generation 1")}+1`]);
    expect(rediffed.get("status generation 2")).toEqual({ resourceVersionBefore: rv("scale up"), diff: diffObjects(body("scale up"), body("status generation 2")) });
    // Older than the Scale (generation 1), or of the version it was made of, or older still: not placed.
    const olderGeneration = { resourceVersion: rv("scale up"), body: body("status generation 1") };
    for (const write of [olderGeneration, late("status generation 1"), { ...late("create"), resourceVersion: "21999" }]) {
      expect(placeLateWrites(version("status generation 2"), stored, [write]).placements).toEqual([{ placed: false }]);
    }
  });

  describe("a write whose body is made of the version it goes on (a Scale)", () => {
    /** The scale-up through deployments/scale: its answer tells the version it made, and its replicas. */
    const scaleUp = (made: JsonObject[] = []) => ({
      resourceVersion: rv("scale up"),
      body: (base: JsonObject) => {
        made.push(base);
        const metadata = base.metadata as Record<string, any>;
        return { ...base, metadata: { ...metadata, generation: metadata.generation + 1, resourceVersion: rv("scale up") }, spec: { ...(base.spec as JsonObject), replicas: 5 } } as JsonObject;
      },
    });

    it("is placed on the version it was made on, and the write that overtook it rediffed against what it made", () => {
      const stored = [step("create", null), step("status generation 1", "create"), step("status generation 2", "status generation 1")];
      const made: JsonObject[] = [];
      const { placements, rediffed } = placeLateWrites(version("status generation 2"), stored, [scaleUp(made)]);
      expect(placements[0]!.placed && placements[0]!.base?.resourceVersion).toBe(rv("status generation 1"));
      expect(made).toHaveLength(1);
      expect(diffObjects(body("status generation 1"), made[0]!)).toEqual([]);
      const scaled = scaleUp().body(body("status generation 1"));
      expect(rediffed).toEqual(new Map([["status generation 2", { resourceVersionBefore: rv("scale up"), diff: diffObjects(scaled, body("status generation 2")) }]]));
      expect(rediffed.get("status generation 2")!.diff.map((d) => d.path)).not.toContain("spec.replicas");
    });

    it("is placed on a late write placed below it in the same batch", () => {
      const stored = [step("create", null), step("status generation 2", "create")];
      const made: JsonObject[] = [];
      const { placements } = placeLateWrites(version("status generation 2"), stored, [scaleUp(made), late("status generation 1")]);
      expect(placements.map((p) => p.placed && p.base?.resourceVersion)).toEqual([rv("status generation 1"), rv("create")]);
      expect(made).toEqual([body("status generation 1")]);
    });

    it("is not placed where no version to make it of is known: below every one, or on one made without telling it", () => {
      expect(placeLateWrites(version("status generation 2"), [step("status generation 2", null)], [scaleUp()]).placements).toEqual([{ placed: false }]);
      const afterUntold = { ...step("status generation 2", "scale up"), resourceVersionBefore: `${rv("status generation 1")}+1`, toldBefore: rv("status generation 1") };
      const stored = [step("create", null), step("status generation 1", "create"), afterUntold];
      expect(placeLateWrites(version("status generation 2"), stored, [scaleUp()]).placements).toEqual([{ placed: false }]);
      // Nor when it cannot make its state of the version below.
      const full = [step("create", null), step("status generation 1", "create"), step("status generation 2", "status generation 1")];
      expect(placeLateWrites(version("status generation 2"), full, [{ resourceVersion: rv("scale up"), body: () => null }]).placements).toEqual([{ placed: false }]);
    });
  });
});

