import { describe, expect, it } from "vitest";
import { StateCache } from "./stateCache";
import { packStates, receiveStates } from "./stateSharing";

const state = (name: string, rv: number) => JSON.stringify({ metadata: { name, resourceVersion: String(rv) }, data: { note: "Grüße, 世界" } });

describe("packStates / receiveStates", () => {
  it("carries every state with a resourceVersion to another cache, across a structured clone", () => {
    const packed = packStates([
      { objectId: 1, resourceVersion: "10", text: state("a", 10) },
      { objectId: 2, resourceVersion: null, text: state("b", 0) },
      { objectId: 9_007_199_254, resourceVersion: "12", text: state("c", 12) },
    ]);
    const cache = new StateCache(10);
    // What a BroadcastChannel does to the message on its way to another thread.
    expect(receiveStates(cache, structuredClone(packed))).toBe(2);
    expect(cache.get(1, "10")).toBe(state("a", 10));
    expect(cache.get(9_007_199_254, "12")).toBe(state("c", 12));
    expect(cache.get(2, "0")).toBeNull();
    expect(cache.size).toBe(2);
  });

  it("packs nothing when no state can be cached", () => {
    expect(packStates([])).toBeNull();
    expect(packStates([{ objectId: 1, resourceVersion: null, text: "{}" }])).toBeNull();
  });

  it("keeps a newer version the receiving cache already holds", () => {
    const cache = new StateCache(10);
    cache.set(1, "11", state("a", 11));
    receiveStates(cache, packStates([{ objectId: 1, resourceVersion: "10", text: state("a", 10) }]));
    expect(cache.get(1, "11")).toBe(state("a", 11));
  });

  it("ignores a message that is not a well-formed set of states", () => {
    const cache = new StateCache(10);
    const good = packStates([{ objectId: 1, resourceVersion: "10", text: state("a", 10) }])!;
    const malformed: unknown[] = [
      null,
      "states",
      { ...good, ends: [good.ends[0]] },
      { ...good, resourceVersions: [10] },
      { ...good, ends: new Uint32Array([good.utf8.byteLength + 1]) },
      { ...good, objectIds: new Float64Array([1.5]) },
      { ...good, resourceVersions: [] },
    ];
    for (const message of malformed) expect(receiveStates(cache, message)).toBe(0);
    expect(cache.size).toBe(0);
  });
});
