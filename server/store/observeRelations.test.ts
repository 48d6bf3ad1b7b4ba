import { describe, expect, it } from "vitest";
import type { Linker, RelationClaim } from "../model/links/types";
import { observeRelations } from "./relationWriter";

describe("observeRelations", () => {
  const identity = { apiGroup: "", apiVersion: "v1", resource: "pods", kind: "Pod", namespace: "ns", name: "p", uid: "u" };
  const stated: RelationClaim = { kind: "node", role: "parent", other: { apiGroup: "", resource: "nodes", namespace: "", name: "n" } };
  let calls = 0;
  const linker: Linker = { name: "counting", claims: () => (calls++, [stated]) };

  it("uses the claims already known for a state, and runs the linkers only where none are", () => {
    const known: RelationClaim = { kind: "node", role: "parent", other: { apiGroup: "", resource: "nodes", namespace: "", name: "known" } };
    const observations = observeRelations(
      [
        { objectId: 1, identity, at: new Date(0), state: { kind: "Pod" }, deleted: false, claims: [known] },
        { objectId: 2, identity, at: new Date(0), state: { kind: "Pod" }, deleted: false },
      ],
      [linker],
    );
    expect(observations.map((o) => o.claims)).toEqual([[known], [stated]]);
    expect(calls).toBe(1);
  });
});
