import { describe, expect, it } from "vitest";
import { StateCache } from "./stateCache";

describe("StateCache", () => {
  const state = (n: number) => JSON.stringify({ metadata: { resourceVersion: String(n) } });

  it("returns a state only for the resourceVersion it was stored with", () => {
    const cache = new StateCache({ objects: 10, bytes: 1 << 20 });
    cache.set(1, "100", state(100));
    expect(cache.get(1, "100")).toEqual(state(100));
    expect(cache.get(1, "101")).toBeNull();
    expect(cache.get(1, null)).toBeNull();
    expect(cache.get(2, "100")).toBeNull();
  });

  it("drops the least recently used entry beyond its capacity", () => {
    const cache = new StateCache({ objects: 2, bytes: 1 << 20 });
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
    const cache = new StateCache({ objects: 2, bytes: 1 << 20 });
    cache.set(1, "1", state(1));
    cache.set(1, null, state(2));
    expect(cache.get(1, "1")).toBeNull();
    expect(cache.size).toBe(0);
  });

  it("drops the least recently used entries beyond its bytes, counted in UTF-8", () => {
    const cache = new StateCache({ objects: 100, bytes: 100 });
    const body = (n: number, bytes: number) => JSON.stringify({ n, pad: "x".repeat(bytes - 16) });
    expect(Buffer.byteLength(body(1, 40))).toBe(40);
    cache.set(1, "1", body(1, 40));
    cache.set(2, "2", body(2, 40));
    cache.get(1, "1");
    cache.set(3, "3", body(3, 40));
    expect(cache.byteSize).toBe(80);
    expect(cache.get(2, "2")).toBeNull();
    expect(cache.get(1, "1")).toBe(body(1, 40));
    // A new version of a kept object replaces its bytes rather than adding to them.
    cache.set(1, "1b", body(1, 60));
    expect(cache.byteSize).toBe(100);
    expect(cache.size).toBe(2);
    // "名" is one UTF-16 unit and three bytes: 68 bytes, 28 units. Counted in units, object 1's
    // 60 bytes would still fit beside it.
    cache.set(4, "4", JSON.stringify({ s: "名".repeat(20) }));
    expect(cache.byteSize).toBe(68);
    expect(cache.get(1, "1b")).toBeNull();
    expect(cache.get(4, "4")).not.toBeNull();
  });

  it("keeps no state larger than all its bytes, and forgets the object's older one", () => {
    const cache = new StateCache({ objects: 100, bytes: 100 });
    cache.set(1, "1", state(1));
    cache.set(1, "2", JSON.stringify({ pad: "x".repeat(200) }));
    expect(cache.get(1, "1")).toBeNull();
    expect(cache.get(1, "2")).toBeNull();
    expect(cache.size).toBe(0);
    expect(cache.byteSize).toBe(0);
  });
});
