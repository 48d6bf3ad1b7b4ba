import { scaleUtc, type ScaleTime } from "d3";
import { FIRST_STORABLE_MICROS, LAST_STORABLE_MICROS } from "@/server/model/time/instant";
import { WARNING_EVENT_TYPE, type MarkKind, type TimelineEntry, type TimelineLifetime } from "@/server/query/timeline/types";

/**
 * The object page's rendering math, free of React and the DOM: the time scale, where each lane
 * and mark goes, which rows are on screen, what a zoom shows. Times are µs since the epoch, as
 * in the payload (server/query/timeline/payload.ts); pixels are CSS pixels from the left edge
 * of the lanes (x) or the top of the rows (y).
 */

/** A span of time shown or asked for, in µs since the epoch: [startMicros, endMicros). */
export interface TimeWindow {
  startMicros: number;
  endMicros: number;
}

/** Width of the tree column where there is room; the lanes take the rest. */
export const LABEL_WIDTH = 360;
/**
 * The tree column never takes less, so that a kind and a name's tail (rowLabel) still fit; on a
 * phone (a chart 350 pixels wide) the lanes keep the larger part.
 */
export const MIN_LABEL_WIDTH = 160;

/** The tree column's width in a chart `chartWidth` wide: up to LABEL_WIDTH, at most 30% of it. */
export function labelWidthFor(chartWidth: number): number {
  return Math.round(Math.min(LABEL_WIDTH, Math.max(MIN_LABEL_WIDTH, chartWidth * 0.3)));
}

/** Height of one object's row: its label on the left, its lane on the right. */
export const ROW_HEIGHT = 26;
/** Height of a mark inside its lane, centred. */
export const MARK_HEIGHT = 14;
/** Height of the lifetime band, centred. */
export const BAND_HEIGHT = 20;
/** An entry of a few milliseconds still gets a mark one can see and hover. */
export const MIN_MARK_WIDTH = 4;
/** Rows rendered above and below the visible ones, so that scrolling shows no gap. */
export const OVERSCAN_ROWS = 8;
/** Indentation per level of the tree. */
export const INDENT_PER_DEPTH = 14;
/** The narrowest window a zoom reaches: 10 ms. */
export const MIN_WINDOW_MICROS = 10_000;
/** Roughly one axis tick per this many pixels. */
export const PIXELS_PER_TICK = 120;

export type TimeScale = ScaleTime<number, number>;

/**
 * The UTC time scale of `window` over `width` pixels: its start at 0, its end at `width`. d3's
 * time scales hold their domain as Dates, which round it to the millisecond: a window's µs ends
 * would move every mark by up to half a millisecond, a twentieth of the lanes at the deepest
 * zoom. So the domain is the window widened to whole milliseconds, and the range stretched past
 * [0, width] to match.
 */
export function timeScale(window: TimeWindow, width: number): TimeScale {
  const pixelsPerMicro = Math.max(1, width) / Math.max(1, window.endMicros - window.startMicros);
  const startMs = Math.floor(window.startMicros / 1000);
  const endMs = Math.max(startMs + 1, Math.ceil(window.endMicros / 1000));
  return scaleUtc()
    .domain([startMs, endMs])
    .range([(startMs * 1000 - window.startMicros) * pixelsPerMicro, (endMs * 1000 - window.startMicros) * pixelsPerMicro]);
}

/** x of a time in µs. */
export function xOf(scale: TimeScale, micros: number): number {
  return scale(micros / 1000);
}

/** How many ticks the axis asks d3 for: about one per PIXELS_PER_TICK, at least two. */
export function tickCount(width: number): number {
  return Math.max(2, Math.floor(width / PIXELS_PER_TICK));
}

/** Where row `index` starts. */
export function rowTop(index: number): number {
  return index * ROW_HEIGHT;
}

/** Left padding of a row's label for its depth in the tree. */
export function indentOf(depth: number): number {
  return depth * INDENT_PER_DEPTH;
}

/**
 * The rows to render for a viewport scrolled to `scrollTop` showing `viewportHeight` pixels:
 * [first, end) with OVERSCAN_ROWS either side, within [0, rowCount). Only these are in the DOM,
 * so a Deployment with thousands of Pods scrolls as lightly as one with three.
 */
export function visibleRows(scrollTop: number, viewportHeight: number, rowCount: number, overscan = OVERSCAN_ROWS): { first: number; end: number } {
  const first = Math.max(0, Math.floor(Math.max(0, scrollTop) / ROW_HEIGHT) - overscan);
  const end = Math.min(rowCount, Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / ROW_HEIGHT) + overscan);
  return { first, end: Math.max(first, end) };
}

/** A horizontal extent in pixels. */
export interface Span {
  x: number;
  width: number;
}

/** Whether any of `span` is within [0, width]. */
function onScreen(span: Span, width: number): boolean {
  return span.x + span.width >= 0 && span.x <= width;
}

/** `span` cut to [0, width] (a band that starts long before the window starts at its edge). */
function clip(span: Span, width: number): Span {
  const x = Math.max(0, span.x);
  return { x, width: Math.max(0, Math.min(width, span.x + span.width) - x) };
}

/** One entry's mark. */
export interface Mark extends Span {
  entryId: number;
  kind: MarkKind;
  /** A Kubernetes Event of type Warning (kind "event"): drawn apart from Normal ones, and over them. */
  warning: boolean;
  /** Observed by a watch (source "watch"): a diamond in its kind's colour, apart from a request's bar. */
  watched: boolean;
}

/** What of an entry its mark needs: `event` only for a Kubernetes Event, `source` to tell a watch's. */
export type MarkedEntry = Pick<TimelineEntry, "id" | "mark" | "startMicros" | "endMicros"> & { event?: TimelineEntry["event"]; source?: TimelineEntry["source"] };

/**
 * Where an entry's mark goes: from its start to its end, at least MIN_MARK_WIDTH wide (a write
 * takes milliseconds; over an hour that is less than a pixel), starting at its start.
 */
export function markSpan(scale: TimeScale, entry: Pick<TimelineEntry, "startMicros" | "endMicros">): Span {
  const x = xOf(scale, entry.startMicros);
  return { x, width: Math.max(MIN_MARK_WIDTH, xOf(scale, Math.max(entry.endMicros, entry.startMicros)) - x) };
}

/** The marks of a lane that are (partly) within [0, width], in the entries' order. */
export function marksOf(scale: TimeScale, entries: readonly MarkedEntry[], width: number): Mark[] {
  const marks: Mark[] = [];
  for (const entry of entries) {
    const span = markSpan(scale, entry);
    if (onScreen(span, width)) marks.push({ entryId: entry.id, kind: entry.mark, warning: entry.event?.type === WARNING_EVENT_TYPE, watched: entry.source === "watch", ...span });
  }
  return marks;
}

/** How wide and high an Event's mark is: larger than a write's, whose shape it does not share. */
export const EVENT_MARK_SIZE = 12;

/** An Event's mark: a dot for a Normal Event, a triangle (a warning sign's shape) for a Warning. */
export type EventMarkShape = { shape: "dot"; cx: number; cy: number; r: number } | { shape: "triangle"; points: string };

/**
 * Where an Event's mark goes in its lane: centred on its span (an Event is an instant, its span
 * MIN_MARK_WIDTH wide) and on the lane. A Warning differs from a Normal Event by its shape as
 * well as its colour, for whoever does not tell the colours apart; its triangle is a little
 * larger than the dot, as a triangle of the same width looks smaller.
 */
export function eventMarkShape(mark: Pick<Mark, "x" | "width" | "warning">, rowHeight: number = ROW_HEIGHT): EventMarkShape {
  const cx = mark.x + mark.width / 2;
  const cy = rowHeight / 2;
  if (!mark.warning) return { shape: "dot", cx, cy, r: EVENT_MARK_SIZE / 2 - 1 };
  const half = EVENT_MARK_SIZE / 2 + 1;
  const round = (n: number) => Math.round(n * 100) / 100;
  return { shape: "triangle", points: [[cx, cy - half], [cx + half, cy + half - 1], [cx - half, cy + half - 1]].map(([x, y]) => `${round(x!)},${round(y!)}`).join(" ") };
}

/** How wide and high a watch entry's diamond is: an instant, like an Event, whose shapes it does not share. */
export const WATCH_MARK_SIZE = 12;

/**
 * Where a watch entry's mark goes: a diamond centred on its span and on the lane, in the colour
 * of what it saw (create, update, delete). Its shape tells it apart from a request's bar and an
 * Event's dot or triangle, for whoever does not tell the colours apart: the write was seen by a
 * watch, not reported by the apiserver's audit.
 */
export function watchMarkShape(mark: Pick<Mark, "x" | "width">, rowHeight: number = ROW_HEIGHT): { points: string } {
  const cx = mark.x + mark.width / 2;
  const cy = rowHeight / 2;
  const half = WATCH_MARK_SIZE / 2;
  const round = (n: number) => Math.round(n * 100) / 100;
  return { points: [[cx, cy - half], [cx + half, cy], [cx, cy + half], [cx - half, cy]].map(([x, y]) => `${round(x!)},${round(y!)}`).join(" ") };
}

/**
 * The order marks are drawn in, last on top: what changed the object (create, delete, a failure)
 * over a session opened through it (exec, attach, …), that over its updates, and those over no-ops
 * and Events. A create and the controller's status write
 * a millisecond later fall on the same pixels; drawn in time order, the update hid the create.
 */
const PAINT_RANK: Record<MarkKind, number> = { noop: 0, event: 1, update: 2, patch: 3, connect: 4, create: 5, delete: 6, failed: 7 };

/** `marks` in the order to draw them (PAINT_RANK, Warning Events over Normal ones, then time). Keyboard focus still moves in time order. */
export function paintOrder<M extends Pick<Mark, "kind"> & Partial<Pick<Mark, "warning">>>(marks: readonly M[]): M[] {
  const rank = (mark: M) => PAINT_RANK[mark.kind] + (mark.warning ? 0.5 : 0);
  return [...marks].sort((a, b) => rank(a) - rank(b));
}

/** An object's lifetime on its lane, and whether it ends there (deleted) or runs on. */
export interface Band extends Span {
  /** The object was deleted at the band's right end (within the window). */
  endsInWindow: boolean;
}

/**
 * The lifetime band of a lane: from first seen to deletion, or to the window's end while the
 * object exists; cut to the lane. Null when the object did not exist in the window.
 */
export function lifetimeBand(scale: TimeScale, lifetime: TimelineLifetime, window: TimeWindow, width: number): Band | null {
  const end = lifetime.deletedAtMicros ?? Math.max(window.endMicros, lifetime.lastSeenMicros);
  const x = xOf(scale, lifetime.firstSeenMicros);
  const span = { x, width: Math.max(1, xOf(scale, end) - x) };
  if (!onScreen(span, width)) return null;
  const endsInWindow = lifetime.deletedAtMicros !== null && lifetime.deletedAtMicros <= window.endMicros;
  return { ...clip(span, width), endsInWindow };
}

/** A d3-zoom transform's parts that matter on one axis: scale k, then translate x. */
export interface ZoomTransform {
  k: number;
  x: number;
}

/** The window a zoom transform shows of `base` drawn over `width` pixels (d3's rescaleX, in µs). */
export function zoomedWindow(base: TimeWindow, transform: ZoomTransform, width: number): TimeWindow {
  const span = base.endMicros - base.startMicros;
  const at = (pixel: number) => base.startMicros + (((pixel - transform.x) / transform.k) * span) / Math.max(1, width);
  return { startMicros: Math.round(at(0)), endMicros: Math.round(at(width)) };
}

/** `window` zoomed by `factor` (2: twice as close) about the fraction `anchor` of it (0.5: the middle). */
export function zoomWindowBy(window: TimeWindow, factor: number, anchor = 0.5): TimeWindow {
  const span = window.endMicros - window.startMicros;
  const next = Math.max(MIN_WINDOW_MICROS, span / factor);
  const pivot = window.startMicros + span * anchor;
  const startMicros = Math.round(pivot - next * anchor);
  return { startMicros, endMicros: startMicros + Math.round(next) };
}

/** How far d3-zoom may zoom in on `window`: until MIN_WINDOW_MICROS fills the lanes. */
export function maxZoom(window: TimeWindow): number {
  return Math.max(1, (window.endMicros - window.startMicros) / MIN_WINDOW_MICROS);
}

/** The farthest zoom out: a window a hundred times as long as the one shown… */
export const MIN_ZOOM = 0.01;

/**
 * …but never longer than the years the store holds (0001–9999), whose instants a Date can still
 * hold: a window of centuries zoomed out a hundredfold ran past the year 275760, where a d3
 * time scale's domain, and every mark's position, became NaN.
 */
export function minZoom(window: TimeWindow): number {
  return Math.min(1, Math.max(MIN_ZOOM, (window.endMicros - window.startMicros) / (LAST_STORABLE_MICROS - FIRST_STORABLE_MICROS)));
}

/** A rectangle on screen, in CSS pixels from the viewport's top left. */
export interface ScreenBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Space kept between a tooltip and what it describes, and between it and the window's edges. */
export const TOOLTIP_GAP = 12;

/**
 * Where a tooltip `size` goes for `anchor` (the pointer, a point; or a focused mark) in a
 * viewport `viewport` wide and high: below and right of it where it fits, else above it
 * (a mark on the last rows), and always inside the window, the left edge first when it is
 * narrower than the tooltip.
 */
export function tooltipPlacement(anchor: ScreenBox, size: { width: number; height: number }, viewport: { width: number; height: number }): { left: number; top: number } {
  const below = anchor.top + anchor.height + TOOLTIP_GAP;
  const above = anchor.top - TOOLTIP_GAP - size.height;
  const top = below + size.height <= viewport.height - TOOLTIP_GAP || above < TOOLTIP_GAP ? below : above;
  const rightmost = viewport.width - TOOLTIP_GAP - size.width;
  const left = Math.max(TOOLTIP_GAP, Math.min(anchor.left + TOOLTIP_GAP, rightmost));
  return { left, top: Math.max(TOOLTIP_GAP, Math.min(top, viewport.height - TOOLTIP_GAP - size.height)) };
}

/**
 * An axis tick in UTC, 24-hour, as short as its precision allows: `2021-09-13` at midnight,
 * `14:55` on a minute, `14:55:30` on a second, `30.250` (seconds) below.
 */
export function formatTick(tick: Date): string {
  const iso = tick.toISOString();
  if (tick.getUTCMilliseconds() !== 0) return iso.slice(17, 23);
  if (tick.getUTCSeconds() !== 0) return iso.slice(11, 19);
  if (tick.getUTCHours() !== 0 || tick.getUTCMinutes() !== 0) return iso.slice(11, 16);
  return iso.slice(0, 10);
}

/** A tail longer than this is no generated suffix: the label then gives way at its end. */
export const MAX_LABEL_TAIL = 16;

/**
 * A row's label: `namespace/name`, or the name alone under a parent in the same namespace (a
 * Deployment's ReplicaSets and Pods share it), which the reader has just read one row up. In
 * two parts, so that a narrow column cuts `lead` and keeps `tail`: the suffix a name adds to its
 * parent's (a ReplicaSet's `-5d887d5fcd`, a Pod's `-qnvqh`), which is what tells siblings apart.
 */
export function rowLabel(object: { namespace: string; name: string }, parent: { namespace: string; name: string } | null): { lead: string; tail: string } {
  const namespace = object.namespace === "" || object.namespace === parent?.namespace ? "" : `${object.namespace}/`;
  const suffix = parent !== null && object.name.startsWith(`${parent.name}-`) ? object.name.slice(parent.name.length) : "";
  return suffix.length > 1 && suffix.length <= MAX_LABEL_TAIL
    ? { lead: `${namespace}${parent!.name}`, tail: suffix }
    : { lead: `${namespace}${object.name}`, tail: "" };
}
