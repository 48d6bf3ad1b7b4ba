import { clampToStorable, instantMicros, isoOfMicros } from "@/server/model/time/instant";
import type { TimeWindow } from "./layout";

/**
 * The object page's view state lives in its URL, and only there: `?relations=&from=&to=&entry=`.
 * Any view — a relation mode, a zoomed range, a selected entry — is a link that survives a
 * reload. This module reads and writes those parameters; it never validates them beyond their
 * shape: the API answers a bad value with a message the page shows.
 */

export interface TimelineView {
  /** As written in the URL; null: the default (full). */
  relations: string | null;
  /** ISO instants, as written; both or neither (null: the object's lifetime). */
  from: string | null;
  to: string | null;
  /** history_entries.id of the selected entry; null: none. */
  entry: number | null;
}

export const EMPTY_VIEW: TimelineView = { relations: null, from: null, to: null, entry: null };

/** Window around an entry that links from elsewhere (the home page) open the object page on. */
export const AROUND_ENTRY_MS = 15 * 60_000;

const nonEmpty = (value: string | null) => (value === null || value.trim() === "" ? null : value.trim());

/** The view a URL's search parameters describe. */
export function viewOf(params: Pick<URLSearchParams, "get">): TimelineView {
  const entry = nonEmpty(params.get("entry"));
  return {
    relations: nonEmpty(params.get("relations")),
    from: nonEmpty(params.get("from")),
    to: nonEmpty(params.get("to")),
    entry: entry !== null && /^[1-9]\d{0,15}$/.test(entry) ? Number(entry) : null,
  };
}

/** The search string of a view ("" or "?…"), defaults left out, in a fixed order. */
export function searchOf(view: TimelineView): string {
  const params = new URLSearchParams();
  if (view.relations !== null && view.relations !== "full") params.set("relations", view.relations);
  if (view.from !== null) params.set("from", view.from);
  if (view.to !== null) params.set("to", view.to);
  if (view.entry !== null) params.set("entry", String(view.entry));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** The object page of `objectId` showing `view`. */
export function objectPageHref(objectId: number, view: Partial<TimelineView> = {}): string {
  return `/objects/${objectId}${searchOf({ ...EMPTY_VIEW, ...view })}`;
}

/**
 * A window as the URL's `from` and `to`: to the µs (a zoom or pan ends on any µs, and a window
 * rounded to the millisecond would grow at each one, and jump at a deep zoom), within the years
 * the API takes (0001–9999).
 */
export function rangeParams(window: TimeWindow): Pick<TimelineView, "from" | "to"> {
  const start = clampToStorable(Math.round(window.startMicros));
  const end = Math.max(start + 1, clampToStorable(Math.round(window.endMicros)));
  return { from: isoOfMicros(start), to: isoOfMicros(end) };
}

/** The window the view's `from` and `to` name, when both are instants and from is before to; else null (the API's answer tells what is wrong). */
export function windowOfView(view: Pick<TimelineView, "from" | "to">): TimeWindow | null {
  if (view.from === null || view.to === null) return null;
  const [start, end] = [instantMicros(view.from), instantMicros(view.to)];
  return start === null || end === null || start >= end ? null : { startMicros: start, endMicros: end };
}

/** The object page of `objectId` around one of its entries (AROUND_ENTRY_MS either side), with that entry selected. */
export function objectPageAround(objectId: number, at: Date, entryId: number): string {
  const ms = at.getTime();
  return objectPageHref(objectId, { ...rangeParams({ startMicros: (ms - AROUND_ENTRY_MS) * 1000, endMicros: (ms + AROUND_ENTRY_MS) * 1000 }), entry: entryId });
}

/** The input of objects.timeline for a view: what the URL says, nothing more (the API fills defaults). */
export function timelineInputOf(objectId: number, view: TimelineView): { id: number; relations?: string; from?: string; to?: string } {
  return {
    id: objectId,
    ...(view.relations !== null ? { relations: view.relations } : {}),
    ...(view.from !== null ? { from: view.from } : {}),
    ...(view.to !== null ? { to: view.to } : {}),
  };
}
