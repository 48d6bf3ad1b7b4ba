import { objectPageHref } from "@/components/timeline/urlState";

/** The least an object's activity is widened by on each side. */
export const ACTIVITY_MARGIN_MS = 60_000;

/** The time range an object page opens on: ISO-8601 instants, `from` before `to`. */
export interface LinkRange {
  from: string;
  to: string;
}

/** A found object's matching activity (epoch ms), as search.objects answers it. */
interface Activity {
  firstEntry: number;
  lastEntry: number;
}

/** The range searched, [from, to) in epoch ms, as search.objects answers it (an open end filled in). */
interface SearchedRange {
  from: number;
  to: number;
}

/**
 * The range to open a found object in: its matching activity (its first and last matching
 * entry) widened by a tenth of its span, at least ACTIVITY_MARGIN_MS, so that the first and last
 * entries are not on the edges; within the searched range. Not the searched range itself: a
 * search over years (or any time, 0001 to tomorrow) would open a page on years where the object
 * did something for a minute.
 */
export function objectRangeOf(object: Activity, searched: SearchedRange): LinkRange {
  const margin = Math.max(ACTIVITY_MARGIN_MS, Math.round((object.lastEntry - object.firstEntry) / 10));
  const from = Math.max(searched.from, object.firstEntry - margin);
  // An object whose only entries began before the searched range and ran into it: from its start on.
  const to = Math.min(searched.to, Math.max(object.lastEntry, from) + margin);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** The object page's URL over the range to open a found object in (objectRangeOf). */
export function objectHrefOf(object: Activity & { id: number }, searched: SearchedRange): string {
  return objectPageHref(object.id, objectRangeOf(object, searched));
}
