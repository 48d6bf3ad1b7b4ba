import { describe, expect, it } from "vitest";
import { chooseParent, climb, placeDescendants, type AncestorLine, type ParentCandidate } from "./parentChoice";
import { ephemeralClaimOf, NEW_PODS, OLD_POD, RS_MIDDLE, RS_NEW, RS_OLD, SLICE } from "./rolloutTree.fixture";

/**
 * The relations of the rollout tree (rolloutTree.fixture.ts: OpenShift's Deployment
 * openshift-apiserver/apiserver, its three real ReplicaSets and their Pods, an EndpointSlice and
 * a Node), with the times loadRolloutTree gives them, as the rows PARENTS_SQL and CHILDREN_SQL
 * return; ids stand for objects.id. Each test adds the odd relations it is about.
 */
const [POD_A, POD_B, POD_C] = NEW_PODS as [string, string, string];
/** The claim of the first new Pod's generic ephemeral volume (withEphemeralVolume): owned by the Pod. */
const CLAIM = ephemeralClaimOf(POD_A);
const NAMES = ["deployment", RS_OLD, RS_MIDDLE, RS_NEW, OLD_POD, ...NEW_PODS, SLICE, "node", CLAIM];
/** objects.id of an object of the rollout tree, by name. */
function id(name: string): number {
  const index = NAMES.indexOf(name);
  if (index < 0) throw new Error(`no object ${name}`);
  return index + 1;
}
const nameOf = (objectId: number) => NAMES[objectId - 1];
const µs = (iso: string) => Date.parse(iso) * 1000;
const relation = (from: string, to: string, kind: string, at: string): ParentCandidate => ({ fromId: id(from), toId: id(to), kind, validFrom: µs(at) });

const ROLLOUT: ParentCandidate[] = [
  relation("deployment", RS_OLD, "controller-owner", "2021-09-13T14:54:20Z"),
  relation("deployment", RS_MIDDLE, "controller-owner", "2021-09-13T14:58:20Z"),
  relation("deployment", RS_NEW, "controller-owner", "2021-09-13T14:58:20Z"),
  relation(RS_OLD, OLD_POD, "controller-owner", "2021-09-13T14:54:30Z"),
  ...NEW_PODS.map((pod, i) => relation(RS_NEW, pod, "controller-owner", `2021-09-13T14:58:${30 + i * 10}Z`)),
  relation("node", POD_A, "node", "2021-09-13T14:58:30Z"),
  relation(SLICE, POD_A, "endpoint-target", "2021-09-13T14:59:00Z"),
];
// The first new Pod names its Deployment in a kubetrail.io/parent-link (withParentLinkToDeployment).
const LINKED = [...ROLLOUT, relation("deployment", POD_A, "parent-link", "2021-09-13T14:58:30Z")];

// The Deployment also names one of its Pods in a parent-link: Pod → ReplicaSet → Deployment → Pod.
const CIRCLE = [...ROLLOUT, relation(POD_C, "deployment", "parent-link", "2021-09-13T15:00:00Z")];

const parentsOf = (relations: ParentCandidate[], objectId: number) => relations.filter((r) => r.toId === objectId);

/** The ancestors' line of `name`, as walkUp and the OTLP export build it. */
function lineOf(relations: ParentCandidate[], name: string, depth = 15): AncestorLine {
  const line: AncestorLine = { ids: [id(name)], links: [] };
  for (let level = 1; level <= depth && climb(line, parentsOf(relations, line.ids[line.ids.length - 1]!)); level++);
  return line;
}
const names = (ids: number[]) => ids.map(nameOf);

/** The tree below `rootId` as assembleTrace builds it: walkDown's levels, then placeDescendants. */
function treeBelow(relations: ParentCandidate[], rootId: number, depth = 15): Map<number, { parent: string | undefined; kind: string; level: number }> {
  const seen = new Set([rootId]);
  const reached: number[] = [];
  const links: ParentCandidate[] = [];
  let frontier = [rootId];
  for (let level = 1; level <= depth && frontier.length > 0; level++) {
    const rows = relations.filter((r) => frontier.includes(r.fromId) && r.kind !== "node");
    links.push(...rows);
    frontier = [...new Set(rows.map((r) => r.toId).filter((toId) => !seen.has(toId)))].sort((a, b) => a - b);
    for (const toId of frontier) seen.add(toId);
    reached.push(...frontier);
  }
  return new Map(placeDescendants(rootId, reached, links, depth).map((p) => [p.id, { parent: nameOf(p.link.fromId), kind: p.link.kind, level: p.level }]));
}

describe("chooseParent", () => {
  it("takes the controller before a parent-link and an EndpointSlice, and never a reference", () => {
    expect(chooseParent(parentsOf(LINKED, id(POD_A)))).toMatchObject({ fromId: id(RS_NEW), kind: "controller-owner" });
    const withoutController = parentsOf(LINKED, id(POD_A)).filter((r) => r.kind !== "controller-owner");
    expect(chooseParent(withoutController)).toMatchObject({ fromId: id("deployment"), kind: "parent-link" });
    expect(chooseParent(withoutController.filter((r) => r.kind === "node"))).toBeUndefined();
  });

  it("among relations of one kind, takes the latest, then the lowest id; skips a relation to itself and what `allowed` refuses", () => {
    const pod = POD_B;
    const adopted = [relation(RS_MIDDLE, pod, "owner", "2021-09-13T14:58:40Z"), relation(RS_OLD, pod, "owner", "2021-09-13T14:58:45Z"), relation(RS_NEW, pod, "owner", "2021-09-13T14:58:45Z")];
    expect(chooseParent(adopted)?.fromId).toBe(id(RS_OLD));
    expect(chooseParent([...adopted, relation(pod, pod, "controller-owner", "2021-09-13T14:59:00Z")])?.fromId).toBe(id(RS_OLD));
    expect(chooseParent(adopted, (fromId) => fromId !== id(RS_OLD))?.fromId).toBe(id(RS_NEW));
  });
});

describe("the ancestors' line and the tree below its top agree", () => {
  it("places a Pod reachable at two depths under its ReplicaSet, in both directions", () => {
    const line = lineOf(LINKED, POD_A);
    expect(names(line.ids)).toEqual([NEW_PODS[0], RS_NEW, "deployment"]);
    const tree = treeBelow(LINKED, id("deployment"));
    expect(tree.get(id(POD_A))).toEqual({ parent: RS_NEW, kind: "controller-owner", level: 2 });
    // One level deep, the ReplicaSet's relations are not loaded: the link is the only parent the trace knows.
    expect(treeBelow(LINKED, id("deployment"), 1).get(id(POD_A))).toEqual({ parent: "deployment", kind: "parent-link", level: 1 });
  });

  it("cuts a circle at its weakest relation, whichever object of it the walk starts from", () => {
    const circle = CIRCLE;
    expect(names(lineOf(circle, POD_C).ids)).toEqual([NEW_PODS[2], RS_NEW, "deployment"]);
    expect(names(lineOf(circle, RS_NEW).ids)).toEqual([RS_NEW, "deployment"]);
    expect(names(lineOf(circle, "deployment").ids)).toEqual(["deployment"]);
    expect(lineOf(circle, "deployment").links).toEqual([]);
    expect(treeBelow(circle, id("deployment")).get(id(POD_C))).toMatchObject({ parent: RS_NEW, level: 2 });
  });

  it("for every object, puts its line under the same parents as the tree of its top", () => {
    const graphs = {
      rollout: ROLLOUT,
      linked: LINKED,
      circle: CIRCLE,
      // The old Pod owns its ReplicaSet (an odd ownerReference), which the Deployment only links to.
      circleBelow: [
        ...ROLLOUT.filter((r) => r.toId !== id(RS_OLD)),
        relation("deployment", RS_OLD, "parent-link", "2021-09-13T14:54:20Z"),
        relation(OLD_POD, RS_OLD, "controller-owner", "2021-09-13T14:54:35Z"),
      ],
    };
    for (const [graph, relations] of Object.entries(graphs)) {
      for (const name of NAMES) {
        const line = lineOf(relations, name);
        const tree = treeBelow(relations, line.ids[line.ids.length - 1]!);
        line.links.forEach((link, i) => {
          expect(tree.get(line.ids[i]!), `${graph}: ${name}'s line at ${nameOf(line.ids[i]!)}`).toEqual({ parent: nameOf(link.fromId), kind: link.kind, level: line.ids.length - 1 - i });
        });
      }
    }
  });

  it("breaks a circle below the root at the object reached first, under a parent hanging from the root", () => {
    const relations = [...ROLLOUT.filter((r) => r.toId !== id(RS_OLD)), relation("deployment", RS_OLD, "parent-link", "2021-09-13T14:54:20Z"), relation(OLD_POD, RS_OLD, "controller-owner", "2021-09-13T14:54:35Z")];
    const tree = treeBelow(relations, id("deployment"));
    expect(tree.get(id(RS_OLD))).toEqual({ parent: "deployment", kind: "parent-link", level: 1 });
    expect(tree.get(id(OLD_POD))).toEqual({ parent: RS_OLD, kind: "controller-owner", level: 2 });
    // Every object the walk reached is placed, once.
    expect(names([...tree.keys()])).toEqual([RS_OLD, RS_MIDDLE, RS_NEW, OLD_POD, ...NEW_PODS]);
  });

  it("leaves out what only objects outside the tree lead to", () => {
    // As in a full trace from the new ReplicaSet, whose ancestor (the Deployment) takes no children.
    const placed = placeDescendants(id(RS_NEW), [id(POD_A), id(RS_OLD)], LINKED, 15);
    expect(placed.map((p) => nameOf(p.id))).toEqual([NEW_PODS[0]]);
  });
});

describe("placing descendants within the trace's depth", () => {
  // The Pod that names its Deployment in a parent-link owns the claim of its ephemeral volume: the
  // Deployment reaches the claim in two hops (parent-link, then the claim's owner), while the best
  // parents put it three below (Deployment → ReplicaSet → Pod → claim).
  const CLAIMED = [...LINKED, relation(POD_A, CLAIM, "controller-owner", "2021-09-13T14:58:31Z")];
  const levels = (tree: ReturnType<typeof treeBelow>) => [...tree.values()].map((placed) => placed.level);

  it("puts no object deeper than the depth: one the best parents put deeper, with no parent within it, is left out", () => {
    const tree = treeBelow(CLAIMED, id("deployment"), 2);
    expect(Math.max(...levels(tree))).toBe(2);
    // The Pod stays under its ReplicaSet, as the ancestors' line and the OTLP export put it; its claim would be three down.
    expect(tree.get(id(POD_A))).toEqual({ parent: RS_NEW, kind: "controller-owner", level: 2 });
    expect(tree.has(id(CLAIM))).toBe(false);
    expect(names([...tree.keys()]).sort()).toEqual([RS_OLD, RS_MIDDLE, RS_NEW, OLD_POD, ...NEW_PODS].sort());
  });

  it("keeps the best parents where they fit within the depth", () => {
    expect(treeBelow(CLAIMED, id("deployment"), 3).get(id(POD_A))).toEqual({ parent: RS_NEW, kind: "controller-owner", level: 2 });
    expect(treeBelow(CLAIMED, id("deployment"), 3).get(id(CLAIM))).toEqual({ parent: POD_A, kind: "controller-owner", level: 3 });
    expect(treeBelow(CLAIMED, id("deployment"), 15)).toEqual(treeBelow(CLAIMED, id("deployment"), 3));
    // One level: the walk has not gone below the ReplicaSets and the linked Pod.
    expect(treeBelow(CLAIMED, id("deployment"), 1).get(id(POD_A))).toEqual({ parent: "deployment", kind: "parent-link", level: 1 });
    expect(treeBelow(CLAIMED, id("deployment"), 1).has(id(CLAIM))).toBe(false);
  });

  it("hangs an object the best parents put too deep under its best parent within the depth, moving no other", () => {
    // The claim also names the Deployment in a parent-link: it hangs there, and its Pod stays under its ReplicaSet.
    const tree = treeBelow([...CLAIMED, relation("deployment", CLAIM, "parent-link", "2021-09-13T14:58:31Z")], id("deployment"), 2);
    expect(tree.get(id(CLAIM))).toEqual({ parent: "deployment", kind: "parent-link", level: 1 });
    expect(tree.get(id(POD_A))).toEqual({ parent: RS_NEW, kind: "controller-owner", level: 2 });
  });

  it("lifts what is too deep from the top down, so an object goes up with its best parent when that parent is lifted", () => {
    // Two levels deep: 1 → 2 → 3 → 5 → 4 by owners, and parent-links from 1 to 5 and to 4. The
    // walk reaches 4 before 5 (ids: objects.id follows when Kubetrail first saw an object, not
    // the tree). 5, three down, goes under 1; 4 comes with it, two down under its owner 5 —
    // not under 1, which would be its parent only if 5 had stayed too deep.
    const at = (from: number, to: number, kind: string): ParentCandidate => ({ fromId: from, toId: to, kind, validFrom: 0 });
    const links = [at(1, 2, "controller-owner"), at(2, 3, "controller-owner"), at(3, 5, "controller-owner"), at(5, 4, "controller-owner"), at(1, 5, "parent-link"), at(1, 4, "parent-link")];
    const placed = placeDescendants(1, [2, 4, 5, 3], links, 2);
    expect(placed.map((p) => [p.id, p.link.fromId, p.level])).toEqual([
      [2, 1, 1],
      [4, 5, 2],
      [5, 1, 1],
      [3, 2, 2],
    ]);
  });

  it("lifts a long line piece by piece: every other object under the root, the rest under their owners", () => {
    // 1 → 2 → … → 2000 by owners, each also under a parent-link from 1: two levels deep, 4 goes
    // under 1, 5 stays under 4, 6 goes under 1… (what relabelling stops short of must still come out right).
    const links: ParentCandidate[] = [];
    for (let id = 2; id <= 2000; id++) links.push({ fromId: id - 1, toId: id, kind: "controller-owner", validFrom: 0 }, { fromId: 1, toId: id, kind: "parent-link", validFrom: 0 });
    const placed = placeDescendants(1, Array.from({ length: 1999 }, (_, i) => i + 2), links, 2);
    expect(placed).toHaveLength(1999);
    for (const { id, link, level } of placed) {
      const underOwner = id <= 3 || id % 2 === 1;
      expect([link.fromId, level], String(id)).toEqual(underOwner ? [id - 1, id === 2 ? 1 : 2] : [1, 1]);
    }
  });

  it("holds on graphs of every shape: within the depth, the best parents wherever they fit, every object placed that can be", () => {
    // Deterministic pseudo-random graphs: owners a level or two up, shortcut links from further up, and circles.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const kinds = ["controller-owner", "owner", "parent-link", "endpoint-target"];
    for (let round = 0; round < 1000; round++) {
      const size = 3 + random(14);
      const relations: ParentCandidate[] = [];
      for (let to = 2; to <= size; to++) {
        for (let edges = 1 + random(3); edges > 0; edges--) {
          const from = random(5) === 0 ? 1 + random(size) : Math.max(1, to - 1 - random(3));
          relations.push({ fromId: from, toId: to, kind: kinds[random(kinds.length)]!, validFrom: random(4) });
        }
      }
      // objects.id follows when Kubetrail first saw an object, not the tree: number the objects below 1 at random.
      const renumbered = [0, 1];
      for (let next = 2; next <= size; next++) renumbered.splice(2 + random(next - 1), 0, next);
      for (const r of relations) [r.fromId, r.toId] = [renumbered[r.fromId]!, renumbered[r.toId]!];
      for (let depth = 1; depth <= 5; depth++) {
        // The walk: breadth first from object 1, `depth` levels.
        const shortest = new Map([[1, 0]]);
        const reached: number[] = [];
        const links: ParentCandidate[] = [];
        let frontier = [1];
        for (let level = 1; level <= depth && frontier.length > 0; level++) {
          const rows = relations.filter((r) => frontier.includes(r.fromId));
          links.push(...rows);
          frontier = [...new Set(rows.map((r) => r.toId).filter((to) => !shortest.has(to)))].sort((a, b) => a - b);
          for (const to of frontier) shortest.set(to, level);
          reached.push(...frontier);
        }
        const placed = placeDescendants(1, reached, links, depth);
        const at = new Map([[1, 0], ...placed.map((p): [number, number] => [p.id, p.level])]);
        const label = `round ${round}, depth ${depth}`;
        for (const p of placed) {
          expect(p.level, label).toBeLessThanOrEqual(depth);
          expect(at.get(p.link.fromId), label).toBe(p.level - 1);
          expect(links, label).toContainEqual(p.link);
        }
        // Where the best parents put an object within the depth, it stays there; where they fit everything, they are the tree.
        const unbounded = placeDescendants(1, reached, links, 15);
        for (const p of unbounded.filter((u) => u.level <= depth)) expect(placed, label).toContainEqual(p);
        if (unbounded.every((p) => p.level <= depth)) expect(placed, label).toEqual(unbounded);
        // An object moved up hangs under the parent the best parents give it when that one ends within the depth, above it.
        const parentIn = new Map(placed.map((p) => [p.id, p.link.fromId]));
        const isBelow = (id: number, ancestor: number) => {
          for (let at: number | undefined = id; at !== undefined; at = parentIn.get(at)) if (at === ancestor) return true;
          return false;
        };
        for (const best of unbounded.filter((u) => u.level > depth && (at.get(u.link.fromId) ?? Number.POSITIVE_INFINITY) < depth && !isBelow(u.link.fromId, u.id))) {
          expect(parentIn.get(best.id), `${label}: ${best.id}`).toBe(best.link.fromId);
        }
        // An object left out has no parent within the depth to hang from.
        for (const left of reached.filter((r) => !at.has(r))) {
          const parents = links.filter((l) => l.toId === left && l.fromId !== left);
          expect(parents.some((l) => (at.get(l.fromId) ?? Number.POSITIVE_INFINITY) < depth), `${label}: ${left}`).toBe(false);
        }
      }
    }
  });
});
