import { describe, expect, it } from "vitest";
import { chooseParent, climb, placeDescendants, type AncestorLine, type ParentCandidate } from "./parentChoice";
import { NEW_PODS, OLD_POD, RS_MIDDLE, RS_NEW, RS_OLD, SLICE } from "./rolloutTree.fixture";

/**
 * The relations of the rollout tree (rolloutTree.fixture.ts: OpenShift's Deployment
 * openshift-apiserver/apiserver, its three real ReplicaSets and their Pods, an EndpointSlice and
 * a Node), with the times loadRolloutTree gives them, as the rows PARENTS_SQL and CHILDREN_SQL
 * return; ids stand for objects.id. Each test adds the odd relations it is about.
 */
const NAMES = ["deployment", RS_OLD, RS_MIDDLE, RS_NEW, OLD_POD, ...NEW_PODS, SLICE, "node"];
const [POD_A, POD_B, POD_C] = NEW_PODS as [string, string, string];
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
  return new Map(placeDescendants(rootId, reached, links).map((p) => [p.id, { parent: nameOf(p.link.fromId), kind: p.link.kind, level: p.level }]));
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
    const placed = placeDescendants(id(RS_NEW), [id(POD_A), id(RS_OLD)], LINKED);
    expect(placed.map((p) => nameOf(p.id))).toEqual([NEW_PODS[0]]);
  });
});
