import { describe, expect, it } from "vitest";
import { StateCache } from "./stateCache";

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
