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
/** The latest instant the API takes (a trace ID's 32-bit seconds: 2106-02-07). */
const LATEST_MS = (2 ** 32 - 1) * 1000;

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

/** An instant in µs as the URL writes it: ISO 8601, UTC, to the millisecond. */
export function isoOfMicros(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString();
}

/** A window as the URL's `from` and `to`, kept within what the API takes (1970..2106). */
export function rangeParams(window: TimeWindow): Pick<TimelineView, "from" | "to"> {
  const start = Math.min(Math.max(0, Math.floor(window.startMicros / 1000)), LATEST_MS - 1);
  const end = Math.max(start + 1, Math.min(LATEST_MS, Math.ceil(window.endMicros / 1000)));
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
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
