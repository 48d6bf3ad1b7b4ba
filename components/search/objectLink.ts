/** The least an object's activity is widened by on each side when the search gave no range. */
export const ACTIVITY_MARGIN_MS = 60_000;

/** The time range an object page opens on: ISO-8601 instants, `from` before `to`. */
export interface LinkRange {
  from: string;
  to: string;
}

/** An instant the API accepted, as milliseconds; null for an open end or one it would refuse. */
function millisOf(text: string): number | null {
  if (text.trim() === "") return null;
  const ms = Date.parse(text.trim());
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The range to open a found object in: each end of the search's range where it gave one;
 * otherwise the object's matching activity (its first and last matching entry), widened by a
 * tenth of its span, at least ACTIVITY_MARGIN_MS, so that the first and last entries are not
 * on the edges.
 */
export function objectRangeOf(object: { firstEntry: number; lastEntry: number }, search: { from: string; to: string }): LinkRange {
  const margin = Math.max(ACTIVITY_MARGIN_MS, Math.round((object.lastEntry - object.firstEntry) / 10));
  const from = millisOf(search.from) ?? object.firstEntry - margin;
  let to = millisOf(search.to) ?? object.lastEntry + margin;
  // An object whose only entry began before the searched range and ran into it.
  if (to <= from) to = from + margin;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** The object page's URL: `/objects/{id}?from=…&to=…`. */
export function objectHrefOf(object: { id: number; firstEntry: number; lastEntry: number }, search: { from: string; to: string }): string {
  const range = objectRangeOf(object, search);
  return `/objects/${object.id}?${new URLSearchParams({ from: range.from, to: range.to })}`;
}
