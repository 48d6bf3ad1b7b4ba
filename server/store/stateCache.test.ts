import { describe, expect, it } from "vitest";
import { Buffer } from "node:buffer";
import { StateCache } from "./stateCache";
import { packStates } from "./stateSharing";

describe("StateCache", () => {
  const state = (n: number) => JSON.stringify({ metadata: { resourceVersion: String(n) } });

  it("returns a state only for the resourceVersion it was stored with", () => {
    const cache = new StateCache(10);
    cache.set(1, "100", state(100));
    expect(cache.get(1, "100")).toEqual(state(100));
    expect(cache.get(1, "101")).toBeNull();
    expect(cache.get(1, null)).toBeNull();
    expect(cache.get(2, "100")).toBeNull();
  });

  it("drops the least recently used entry beyond its capacity", () => {
    const cache = new StateCache(2);
    cache.set(1, "1", state(1));
    cache.set(2, "2", state(2));
    cache.get(1, "1");
    cache.set(3, "3", state(3));
    expect(cache.size).toBe(2);
    expect(cache.get(2, "2")).toBeNull();
    expect(cache.get(1, "1")).not.toBeNull();
    expect(cache.get(3, "3")).not.toBeNull();
  });

  it("keeps nothing without a resourceVersion to check it against", () => {
    const cache = new StateCache(2);
    cache.set(1, "1", state(1));
    cache.set(1, null, state(2));
    expect(cache.get(1, "1")).toBeNull();
    expect(cache.size).toBe(0);
  });
});

describe("StateCache.setPacked (a batch's states in one buffer)", () => {
  const state = (n: number) => JSON.stringify({ metadata: { resourceVersion: String(n) }, note: "größe" });
  const packed = (...states: Array<[objectId: number, resourceVersion: number]>) =>
    packStates(states.map(([objectId, rv]) => ({ objectId, resourceVersion: String(rv), text: state(rv) })))!;

  it("keeps each state of the batch for its resourceVersion", () => {
    const cache = new StateCache(10);
    cache.setPacked(packed([1, 7], [2, 9]), { fromOtherWorker: false });
    expect(cache.get(1, "7")).toEqual(state(7));
    expect(cache.get(2, "9")).toEqual(state(9));
    expect(cache.get(2, "8")).toBeNull();
  });

  it("does not replace a newer version with another worker's older one that arrived late", () => {
    const cache = new StateCache(10);
    cache.set(1, "8", state(8));
    cache.setPacked(packed([1, 7]), { fromOtherWorker: true });
    expect(cache.get(1, "8")).toEqual(state(8));
    cache.setPacked(packed([1, 9]), { fromOtherWorker: true });
    expect(cache.get(1, "9")).toEqual(state(9));
    expect(cache.get(1, "8")).toBeNull();
    // This thread's own write is what the database now holds, whatever it replaces.
    cache.setPacked(packed([1, 5]), { fromOtherWorker: false });
    expect(cache.get(1, "5")).toEqual(state(5));
  });

  it("counts a batch's buffer once, and lets it go with its last state", () => {
    const cache = new StateCache(10);
    const batch = packed([1, 1], [2, 2]);
    cache.setPacked(batch, { fromOtherWorker: false });
    expect(cache.bytesHeld).toBe(batch.utf8.buffer.byteLength);
    cache.set(1, "3", state(3));
    expect(cache.bytesHeld).toBe(batch.utf8.buffer.byteLength + Buffer.byteLength(state(3)));
    cache.set(2, "4", state(4));
    expect(cache.bytesHeld).toBe(Buffer.byteLength(state(3)) + Buffer.byteLength(state(4)));
  });

  it("drops the least recently used states while the buffers they hold exceed the bound", () => {
    const one = packed([1, 1]).utf8.buffer.byteLength;
    const cache = new StateCache(100, 2 * one);
    cache.setPacked(packed([1, 1]), { fromOtherWorker: false });
    cache.setPacked(packed([2, 2]), { fromOtherWorker: false });
    cache.get(1, "1");
    cache.setPacked(packed([3, 3]), { fromOtherWorker: true });
    expect(cache.size).toBe(2);
    expect(cache.get(2, "2")).toBeNull();
    expect(cache.get(1, "1")).toEqual(state(1));
    expect(cache.bytesHeld).toBeLessThanOrEqual(2 * one);
    // One state larger than the bound is kept alone rather than not at all.
    const small = new StateCache(100, 10);
    small.setPacked(packed([1, 1], [2, 2]), { fromOtherWorker: false });
    expect(small.size).toBe(1);
    expect(small.get(2, "2")).toEqual(state(2));
  });

  it("keeps nothing at capacity 0", () => {
    const cache = new StateCache(0);
    cache.setPacked(packed([1, 1]), { fromOtherWorker: true });
    expect(cache.size).toBe(0);
  });
});
