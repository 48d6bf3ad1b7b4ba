import { MIN_MARK_WIDTH, type Span } from "./layout";

/**
 * Marks that start within this many pixels of a group's first mark are drawn over it: a write's
 * bar is MIN_MARK_WIDTH wide, and two entries in the same second over an hour fall on one pixel.
 */
export const COINCIDENT_PIXELS = MIN_MARK_WIDTH;

/** Marks of one lane drawn on the same spot: one of them shows, the badge says how many there are. */
export interface MarkGroup {
  /** The entries, in time order (their marks' order). */
  entryIds: number[];
  /** Where the group's first mark starts, and how far its widest one reaches. */
  x: number;
  width: number;
}

/**
 * A lane's marks grouped by where they are drawn now: a mark joins the group of the one before it
 * when it starts within COINCIDENT_PIXELS of that group's first mark. Pixels, not a time bucket:
 * zooming in pulls a group apart. Measured from the group's first mark, so that a run of marks a
 * few pixels apart each does not chain into one group across the lane. `marks` in time order.
 */
export function markGroups(marks: readonly (Span & { entryId: number })[]): MarkGroup[] {
  const groups: MarkGroup[] = [];
  let current: MarkGroup | null = null;
  for (const mark of [...marks].sort((a, b) => a.x - b.x)) {
    if (current && mark.x - current.x <= COINCIDENT_PIXELS) {
      current.entryIds.push(mark.entryId);
      current.width = Math.max(current.width, mark.x + mark.width - current.x);
    } else {
      current = { entryIds: [mark.entryId], x: mark.x, width: mark.width };
      groups.push(current);
    }
  }
  return groups;
}

/** What entry a click on a group's badge selects: the one after the selected one, around to the first. */
export function nextInGroup(group: Pick<MarkGroup, "entryIds">, selectedEntryId: number | null): number {
  const index = selectedEntryId === null ? -1 : group.entryIds.indexOf(selectedEntryId);
  return group.entryIds[(index + 1) % group.entryIds.length]!;
}

/** `1 of 2 here`: a mark's place in its group, for its accessible label. Null when alone. */
export function placeInGroup(group: Pick<MarkGroup, "entryIds">, entryId: number): string | null {
  if (group.entryIds.length < 2) return null;
  return `${group.entryIds.indexOf(entryId) + 1} of ${group.entryIds.length} here`;
}
