import { parentPrecedence, relationKindInfo } from "../../model/links/kinds";

/**
 * Which parent an object sits under in a trace: one rule for trace assembly (assemble.ts — the
 * ancestors' line and the descendants' tree) and for the OTLP export (../../export/otlp/
 * committedEntries.ts), so that the exported trace and the query API's trace of the same ID put
 * every object under the same parent. docs/relations.md, "The parent in a trace", states it.
 *
 * - An object's parent is its best-ranked hierarchical parent among the relations valid in the
 *   trace's range: the kind's parentPrecedence (its controller before an EndpointSlice that
 *   routes to it), then the relation that began last, then the lowest objects.id. A relation
 *   of an object to itself is no parent.
 * - Going up, each object's parent in turn makes the line of ancestors. Where that line comes
 *   back to an object already on it, the relations form a circle (only odd ownerReferences or
 *   parent-links do that); the circle is cut at its weakest relation, and the object below that
 *   cut is the top. Every object of the circle gets the same top, whichever one the walk
 *   started from.
 * - Going down, an object sits under its best-ranked parent among the objects of the trace that
 *   take children, however many levels apart the walk reached them: a Pod that names its
 *   Deployment in a parent-link sits under its ReplicaSet (controller-owner), not under the
 *   Deployment that reached it first. Where those choices go round a circle that does not reach
 *   the trace's root, the object the walk reached first sits under its best-ranked parent among
 *   the objects already hanging from the root.
 * - Going down, no object sits deeper than the trace's depth. Best-ranked parents can lead further
 *   down than the walk went: the Pod that a parent-link of its Deployment reaches one level down
 *   sits two down, under its ReplicaSet, and the claim of its ephemeral volume, which the walk
 *   reaches two down through the link, would sit three down. Every object the rule puts within
 *   the depth stays where it puts it — so the query API's trace of an exported ID still has each
 *   exported object under its exported parent. An object the rule puts deeper sits under its
 *   best-ranked parent that keeps it within the depth; with none, it is left out, with whatever
 *   can only hang below it, as beyond the depth asked for: in a trace two levels deep, that claim
 *   (its only parent, the Pod, is two down). Moving the Pod up for it would take the Pod off the
 *   parent its exported trace gives it.
 */

/** A relation that could make `fromId` the parent of `toId` in a trace: a row of PARENTS_SQL or CHILDREN_SQL. */
export interface ParentCandidate {
  /** objects.id of the parent side. */
  fromId: number;
  /** objects.id of the child side. */
  toId: number;
  /** The relation kind, e.g. "controller-owner". */
  kind: string;
  /** When the relation began, µs since the epoch. */
  validFrom: number;
}

/** Best first: the kind's precedence, then the latest relation, then the lowest parent id; kind and child id make it total. */
export function compareParentCandidates(a: ParentCandidate, b: ParentCandidate): number {
  return (
    parentPrecedence(a.kind) - parentPrecedence(b.kind) ||
    b.validFrom - a.validFrom ||
    a.fromId - b.fromId ||
    (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) ||
    a.toId - b.toId
  );
}

/**
 * The parent an object takes among `candidates` (relations naming it as the child, of any kind):
 * the best-ranked hierarchical one whose parent `allowed` accepts; undefined when there is none.
 */
export function chooseParent<C extends ParentCandidate>(candidates: Iterable<C>, allowed: (fromId: number) => boolean = () => true): C | undefined {
  let best: C | undefined;
  for (const candidate of candidates) {
    if (candidate.fromId === candidate.toId || !relationKindInfo(candidate.kind).hierarchical || !allowed(candidate.fromId)) continue;
    if (best === undefined || compareParentCandidates(candidate, best) < 0) best = candidate;
  }
  return best;
}

/** An object and its ancestors while they are walked. */
export interface AncestorLine {
  /** objects.id: the object, its parent, its grandparent, … */
  ids: number[];
  /** links[i]: the relation that puts ids[i] under ids[i + 1]. */
  links: ParentCandidate[];
}

/**
 * Adds the parent of the line's last object, given the relations naming that object as the
 * child (those of other objects and of reference kinds are ignored). True when it did; false
 * when the line is complete: the last object has no parent, or its parent is on the line
 * already — then the line ends at the object below the weakest relation of that circle.
 */
export function climb(line: AncestorLine, candidates: Iterable<ParentCandidate>): boolean {
  const head = line.ids[line.ids.length - 1]!;
  const best = chooseParent([...candidates].filter((candidate) => candidate.toId === head));
  if (best === undefined) return false;
  const onLine = line.ids.indexOf(best.fromId);
  if (onLine < 0) {
    line.ids.push(best.fromId);
    line.links.push(best);
    return true;
  }
  const circle = [...line.links.slice(onLine), best];
  const weakest = circle.reduce((a, b) => (compareParentCandidates(a, b) >= 0 ? a : b));
  const top = line.ids.indexOf(weakest.toId);
  line.ids.length = top + 1;
  line.links.length = top;
  return false;
}

/** Where a descendant sits: under `link.fromId`, `level` steps below the root. */
export interface Placed {
  id: number;
  link: ParentCandidate;
  level: number;
}

/**
 * Places the objects a downward walk from `rootId` reached (`reached`, in the order the walk
 * reached them: level by level, at most `depth`) given the relations the walk followed
 * (`candidates`, from the root or a reached object to a reached object). Only the root and the
 * reached objects take children, and none sits more than `depth` levels below the root. Returns
 * the placed objects in walk order; an object no reached object or root leads to (its only
 * parents were left out by the caller), or only from `depth` levels down, is not placed.
 */
export function placeDescendants(rootId: number, reached: readonly number[], candidates: Iterable<ParentCandidate>, depth: number): Placed[] {
  const inTree = new Set([rootId, ...reached]);
  const byChild = new Map<number, ParentCandidate[]>();
  for (const candidate of candidates) {
    if (candidate.toId === rootId || !inTree.has(candidate.toId) || !inTree.has(candidate.fromId)) continue;
    const list = byChild.get(candidate.toId);
    if (list) list.push(candidate);
    else byChild.set(candidate.toId, [candidate]);
  }
  const link = new Map<number, ParentCandidate>();
  for (const id of reached) {
    const best = chooseParent(byChild.get(id) ?? []);
    if (best) link.set(id, best);
  }

  // Levels of the objects whose parents lead to the root; undefined for those caught in a circle.
  const levels = new Map<number, number>([[rootId, 0]]);
  // Objects whose parents lead nowhere with the links as they are: each such walk up is taken
  // once, not once per object below it (a long chain cut off from the root would cost its
  // length squared). Forgotten whenever a link changes.
  const stranded = new Set<number>();
  const levelOf = (id: number): number | undefined => {
    const path: number[] = [];
    const onPath = new Set<number>();
    let at = id;
    while (!levels.has(at)) {
      const up = link.get(at);
      if (up === undefined || onPath.has(at) || stranded.has(at)) {
        for (const below of path) stranded.add(below);
        stranded.add(at);
        return undefined;
      }
      path.push(at);
      onPath.add(at);
      at = up.fromId;
    }
    let level = levels.get(at)!;
    for (let i = path.length - 1; i >= 0; i--) levels.set(path[i]!, ++level);
    return levels.get(id);
  };
  // Break the circles: the first object in walk order whose parents don't lead to the root goes
  // under its best parent that does — at worst the one the walk reached it from, which came earlier.
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of reached) {
      if (levelOf(id) !== undefined) continue;
      const best = chooseParent(byChild.get(id) ?? [], (fromId) => levelOf(fromId) !== undefined);
      if (best === undefined) continue;
      link.set(id, best);
      stranded.clear();
      levelOf(id);
      changed = true;
    }
  }

  if (reached.some((id) => (levels.get(id) ?? 0) > depth)) fitWithin(depth, reached, byChild, link, levels);

  const placed: Placed[] = [];
  for (const id of reached) {
    const level = levels.get(id);
    if (level !== undefined && level <= depth) placed.push({ id, link: link.get(id)!, level });
  }
  return placed;
}

/**
 * Moves each object that `link` puts deeper than `depth` under its best-ranked parent within the
 * depth, when it has one (the rule in the comment at the top), updating `link` and `levels`. The
 * objects within the depth never move (moving an object only lifts it and what hangs from it), so
 * a pass can make room for objects an earlier pass could not place: passes go on until one moves
 * nothing. Each pass lifts the shallowest objects first. What stays too deep is for the caller to
 * leave out.
 */
function fitWithin(depth: number, reached: readonly number[], byChild: Map<number, ParentCandidate[]>, link: Map<number, ParentCandidate>, levels: Map<number, number>): void {
  const children = new Map<number, Set<number>>();
  const adopt = (parentId: number, id: number) => {
    const set = children.get(parentId);
    if (set) set.add(id);
    else children.set(parentId, new Set([id]));
  };
  for (const [id, parent] of link) if (levels.has(id)) adopt(parent.fromId, id);
  const hang = (id: number, parent: ParentCandidate) => {
    children.get(link.get(id)!.fromId)?.delete(id);
    link.set(id, parent);
    adopt(parent.fromId, id);
    levels.set(id, levels.get(parent.fromId)! + 1);
    // Down to the first level still too deep: further down, the old levels are larger than the
    // new ones but still too deep, and still larger than their parents' — all that is read of
    // them. So each object is relabelled within the depth once, and a long line of objects
    // lifted one after another costs its length, not its length squared.
    for (const stack = [id]; stack.length > 0; ) {
      const at = stack.pop()!;
      for (const child of children.get(at) ?? []) {
        levels.set(child, levels.get(at)! + 1);
        if (levels.get(child)! <= depth) stack.push(child);
      }
    }
  };
  let tooDeep = reached.filter((id) => (levels.get(id) ?? 0) > depth);
  for (let moved = true; moved && tooDeep.length > 0; tooDeep = tooDeep.filter((id) => levels.get(id)! > depth)) {
    moved = false;
    // The shallowest first (then in walk order): lifting an object lifts what hangs from it, which
    // may then fit under its own best parent — taken elsewhere first, it would not be under it.
    tooDeep.sort((a, b) => levels.get(a)! - levels.get(b)!);
    for (const id of tooDeep) {
      if (levels.get(id)! <= depth) continue;
      // A parent above the depth is not below `id`, which is deeper: no circle.
      const within = chooseParent(byChild.get(id) ?? [], (fromId) => (levels.get(fromId) ?? Number.POSITIVE_INFINITY) < depth);
      if (!within) continue;
      hang(id, within);
      moved = true;
    }
  }
}
