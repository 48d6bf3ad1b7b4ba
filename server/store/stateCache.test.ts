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

describe("StateCache.offer (states other workers stored)", () => {
  const state = (n: number) => JSON.stringify({ metadata: { resourceVersion: String(n) }, note: "größe" });
  const utf8 = (text: string) => new TextEncoder().encode(text);

  it("keeps an offered state for its resourceVersion, in a copy of the bytes", () => {
    const cache = new StateCache(10);
    const bytes = utf8(state(7));
    cache.offer(1, "7", bytes);
    bytes.fill(0x20);
    expect(cache.get(1, "7")).toEqual(state(7));
  });

  it("does not replace a newer version with an older one that arrived late", () => {
    const cache = new StateCache(10);
    cache.set(1, "8", state(8));
    cache.offer(1, "7", utf8(state(7)));
    expect(cache.get(1, "8")).toEqual(state(8));
    cache.offer(1, "9", utf8(state(9)));
    expect(cache.get(1, "9")).toEqual(state(9));
    expect(cache.get(1, "8")).toBeNull();
  });

  it("stays within its capacity, and keeps nothing at capacity 0", () => {
    const cache = new StateCache(2);
    for (let id = 1; id <= 3; id++) cache.offer(id, String(id), utf8(state(id)));
    expect(cache.size).toBe(2);
    expect(cache.get(1, "1")).toBeNull();
    const none = new StateCache(0);
    none.offer(1, "1", utf8(state(1)));
    expect(none.size).toBe(0);
  });
});
