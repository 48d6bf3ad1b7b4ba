import { describe, expect, it } from "vitest";
import {
  BAND_HEIGHT,
  LABEL_WIDTH,
  labelWidthFor,
  MIN_LABEL_WIDTH,
  formatTick,
  rowLabel,
  lifetimeBand,
  markSpan,
  marksOf,
  maxZoom,
  minZoom,
  MIN_ZOOM,
  MIN_MARK_WIDTH,
  MIN_WINDOW_MICROS,
  OVERSCAN_ROWS,
  ROW_HEIGHT,
  rowTop,
  indentOf,
  tickCount,
  timeScale,
  visibleRows,
  xOf,
  zoomedWindow,
  zoomWindowBy,
  paintOrder,
  eventMarkShape,
  EVENT_MARK_SIZE,
  watchMarkShape,
  WATCH_MARK_SIZE,
  tooltipPlacement,
  TOOLTIP_GAP,
  type TimeWindow,
} from "./layout";
import { FIRST_STORABLE_MICROS, LAST_STORABLE_MICROS } from "@/server/model/time/instant";
import type { MarkKind } from "@/server/query/timeline/types";

/**
 * Times from the OpenShift rollout (server/testing/scenarios/openshiftCascade.ts): the
 * Deployment apiserver lived 14:53:16–15:20:00 on 2021-09-13; its writes took milliseconds.
 */
const us = (clock: string) => Date.parse(`2021-09-13T${clock}Z`) * 1000;
const HOUR: TimeWindow = { startMicros: us("14:50:00"), endMicros: us("15:50:00") };
const entry = (id: number, mark: MarkKind, start: string, end: string) => ({ id, mark, startMicros: us(start), endMicros: us(end) });
const WIDTH = 1200;

describe("timeScale", () => {
  it("places a microsecond exactly at the deepest zoom, whatever the window's ends", () => {
    // 20 ms around the deployment controller's status write at 15:01:56.996, panned to µs ends.
    const window = { startMicros: us("15:01:56.985") + 996, endMicros: us("15:01:57.005") + 996 };
    const scale = timeScale(window, 998);
    // To a twentieth of a pixel (ms with a fraction, as d3 takes them, keep about a tenth of a µs).
    expect(xOf(scale, window.startMicros)).toBeCloseTo(0, 1);
    expect(xOf(scale, window.endMicros)).toBeCloseTo(998, 1);
    expect(xOf(scale, us("15:01:56.996"))).toBeCloseTo((10_004 / 20_000) * 998, 1);
  });

  it("maps the window onto the lanes' width, in µs", () => {
    const scale = timeScale(HOUR, WIDTH);
    expect(xOf(scale, HOUR.startMicros)).toBe(0);
    expect(xOf(scale, HOUR.endMicros)).toBe(WIDTH);
    // Half an hour in: the middle.
    expect(xOf(scale, us("15:20:00"))).toBeCloseTo(600, 6);
    // Ticks in UTC: on the hour and every 5 minutes, whatever the browser's zone.
    expect(scale.ticks(tickCount(WIDTH)).map((tick) => tick.toISOString().slice(11, 16))).toEqual(["14:50", "14:55", "15:00", "15:05", "15:10", "15:15", "15:20", "15:25", "15:30", "15:35", "15:40", "15:45", "15:50"]);
  });

  it("asks for about one tick per 120 pixels, and never fewer than two", () => {
    expect(tickCount(1200)).toBe(10);
    expect(tickCount(130)).toBe(2);
    expect(tickCount(0)).toBe(2);
  });
});

describe("marks", () => {
  const scale = timeScale(HOUR, WIDTH);

  it("draws a write of a few milliseconds at least MIN_MARK_WIDTH wide, from its start", () => {
    const create = { startMicros: us("14:53:16.000"), endMicros: us("14:53:16.007") };
    const span = markSpan(scale, create);
    expect(span.x).toBeCloseTo((3 * 60 + 16) / 3, 6);
    expect(span.width).toBe(MIN_MARK_WIDTH);
  });

  it("draws a long request (an exec session of ten minutes) its whole length", () => {
    const exec = { startMicros: us("15:00:00"), endMicros: us("15:10:00") };
    expect(markSpan(scale, exec)).toEqual({ x: 200, width: 200 });
  });

  it("keeps the marks on screen, in order, with their kind, and leaves the others out", () => {
    const entries = [
      entry(1, "create", "14:40:00", "14:40:00.007"),
      entry(2, "patch", "14:55:16", "14:55:16.007"),
      entry(3, "failed", "15:00:16", "15:00:16.007"),
      // Began before the window and runs into it: on screen.
      entry(4, "update", "14:45:00", "14:51:00"),
      entry(5, "delete", "16:20:00", "16:20:00.007"),
    ];
    const marks = marksOf(scale, entries, WIDTH);
    expect(marks.map((mark) => [mark.entryId, mark.kind])).toEqual([
      [2, "patch"],
      [3, "failed"],
      [4, "update"],
    ]);
    expect(marks[2]!.x).toBeLessThan(0);
    expect(marks[2]!.x + marks[2]!.width).toBeCloseTo(20, 6);
  });

  it("draws what changed the object over the writes that fall on the same pixels", () => {
    // The Deployment's create at 14:53:16.000, and the deployment controller's status update a few milliseconds later.
    const entries = [
      entry(1, "create", "14:53:16.000", "14:53:16.004"),
      entry(2, "update", "14:53:16.006", "14:53:16.010"),
      entry(3, "noop", "14:53:16.012", "14:53:16.014"),
      entry(4, "update", "14:53:16.020", "14:53:16.024"),
      entry(5, "failed", "14:53:16.030", "14:53:16.034"),
    ];
    const marks = marksOf(scale, entries, WIDTH);
    expect(new Set(marks.map((mark) => Math.round(mark.x))).size).toBe(1);
    // Last drawn is on top.
    expect(paintOrder(marks).map((mark) => mark.entryId)).toEqual([3, 2, 4, 1, 5]);
  });
});

describe("watch marks", () => {
  const scale = timeScale(HOUR, WIDTH);
  // The Deployment's status update at 14:53:16.296 as audit reported it, and the one audit missed
  // (14:53:36) as a watch saw it 1.2 s later (server/testing/scenarios/watchedCascade.ts).
  const audited = entry(1, "update", "14:53:16.296", "14:53:16.300");
  const watched = { ...entry(2, "update", "14:53:37.200", "14:53:37.200"), source: "watch" as const };

  it("tells a watch entry's mark from a request's of the same kind", () => {
    expect(marksOf(scale, [audited, watched], WIDTH).map((mark) => [mark.entryId, mark.kind, mark.watched])).toEqual([
      [1, "update", false],
      [2, "update", true],
    ]);
  });

  it("draws it as a diamond centred on its time and on the lane", () => {
    const [, mark] = marksOf(scale, [audited, watched], WIDTH);
    const points = watchMarkShape(mark!).points.split(" ").map((point) => point.split(",").map(Number) as [number, number]);
    const cx = mark!.x + MIN_MARK_WIDTH / 2;
    const round = (n: number) => Math.round(n * 100) / 100;
    expect(points).toEqual([
      [round(cx), ROW_HEIGHT / 2 - WATCH_MARK_SIZE / 2],
      [round(cx + WATCH_MARK_SIZE / 2), ROW_HEIGHT / 2],
      [round(cx), ROW_HEIGHT / 2 + WATCH_MARK_SIZE / 2],
      [round(cx - WATCH_MARK_SIZE / 2), ROW_HEIGHT / 2],
    ]);
  });
});

describe("Event marks", () => {
  const scale = timeScale(HOUR, WIDTH);
  // The Events of Pod apiserver-5d887d5fcd-mrn5h (the must-gather's openshift-apiserver namespace):
  // the scheduler's Warning FailedScheduling at 14:59:11.708, its Normal Scheduled at 15:00:13.834.
  const failedScheduling = { ...entry(1, "event", "14:59:11.708", "14:59:11.708"), event: { reason: "FailedScheduling", type: "Warning", count: 1 } };
  const scheduled = { ...entry(2, "event", "15:00:13.834", "15:00:13.834"), event: { reason: "Scheduled", type: "Normal", count: 1 } };
  const create = entry(3, "create", "14:58:47.150", "14:58:47.157");

  it("tells a Warning Event's mark from a Normal one's, and any other mark from both", () => {
    expect(marksOf(scale, [failedScheduling, scheduled, create], WIDTH).map((mark) => [mark.entryId, mark.kind, mark.warning])).toEqual([
      [1, "event", true],
      [2, "event", false],
      [3, "create", false],
    ]);
  });

  it("draws a Normal Event as a dot and a Warning as a triangle, both centred on the Event's time and the lane", () => {
    const [warning, normal] = marksOf(scale, [failedScheduling, scheduled], WIDTH);
    const dot = eventMarkShape(normal!);
    expect(dot).toEqual({ shape: "dot", cx: normal!.x + MIN_MARK_WIDTH / 2, cy: ROW_HEIGHT / 2, r: EVENT_MARK_SIZE / 2 - 1 });
    const triangle = eventMarkShape(warning!);
    if (triangle.shape !== "triangle") throw new Error("a Warning is a triangle");
    const points = triangle.points.split(" ").map((point) => point.split(",").map(Number) as [number, number]);
    expect(points).toHaveLength(3);
    const xs = points.map(([x]) => x);
    const ys = points.map(([, y]) => y);
    // Pointing up, centred on its time, within the lane.
    expect(ys[0]).toBeLessThan(Math.min(ys[1]!, ys[2]!));
    expect((Math.min(...xs) + Math.max(...xs)) / 2).toBeCloseTo(warning!.x + MIN_MARK_WIDTH / 2, 1);
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ys)).toBeLessThanOrEqual(ROW_HEIGHT);
  });

  it("draws a Warning over the Normal Events it overlaps, and both under the writes", () => {
    const sameTime = [{ ...failedScheduling, startMicros: us("14:58:47.150"), endMicros: us("14:58:47.150") }, { ...scheduled, startMicros: us("14:58:47.151"), endMicros: us("14:58:47.151") }, create];
    expect(paintOrder(marksOf(scale, sameTime, WIDTH)).map((mark) => mark.entryId)).toEqual([2, 1, 3]);
  });
});

describe("lifetimeBand", () => {
  const scale = timeScale(HOUR, WIDTH);

  it("runs from first seen to the deletion", () => {
    const band = lifetimeBand(scale, { firstSeenMicros: us("14:53:16"), lastSeenMicros: us("15:20:00"), deletedAtMicros: us("15:20:00") }, HOUR, WIDTH)!;
    expect(band.x).toBeCloseTo(65.333, 2);
    expect(band.x + band.width).toBeCloseTo(600, 6);
    expect(band.endsInWindow).toBe(true);
  });

  it("runs to the window's end for an object that still exists, and starts at the edge when it was created before", () => {
    const node = { firstSeenMicros: us("10:00:00"), lastSeenMicros: us("15:00:00"), deletedAtMicros: null };
    expect(lifetimeBand(scale, node, HOUR, WIDTH)).toEqual({ x: 0, width: WIDTH, endsInWindow: false });
  });

  it("is absent when the object did not exist in the window", () => {
    expect(lifetimeBand(scale, { firstSeenMicros: us("12:00:00"), lastSeenMicros: us("12:30:00"), deletedAtMicros: us("12:30:00") }, HOUR, WIDTH)).toBeNull();
  });

  it("fits in its row", () => {
    expect(BAND_HEIGHT).toBeLessThanOrEqual(ROW_HEIGHT);
  });
});

describe("rows", () => {
  it("gives the tree column up to LABEL_WIDTH, at most 30% of a narrow chart, never less than MIN_LABEL_WIDTH", () => {
    expect(labelWidthFor(1500)).toBe(LABEL_WIDTH);
    expect(labelWidthFor(900)).toBe(270);
    expect(labelWidthFor(400)).toBe(MIN_LABEL_WIDTH);
  });

  it("stacks rows at ROW_HEIGHT and indents labels by depth", () => {
    expect([0, 1, 10].map(rowTop)).toEqual([0, ROW_HEIGHT, 10 * ROW_HEIGHT]);
    expect(indentOf(2)).toBe(2 * indentOf(1));
    expect(indentOf(0)).toBe(0);
  });

  it("renders only the rows on screen, with a margin either side", () => {
    // A Node's 3,000 Pods, scrolled to row 1,000, 20 rows visible.
    const rows = visibleRows(1000 * ROW_HEIGHT, 20 * ROW_HEIGHT, 3000);
    expect(rows).toEqual({ first: 1000 - OVERSCAN_ROWS, end: 1020 + OVERSCAN_ROWS });
    expect(visibleRows(0, 20 * ROW_HEIGHT, 3000)).toEqual({ first: 0, end: 20 + OVERSCAN_ROWS });
    // Near the end, and for a short list: no rows past the last.
    expect(visibleRows(2990 * ROW_HEIGHT, 20 * ROW_HEIGHT, 3000)).toEqual({ first: 2990 - OVERSCAN_ROWS, end: 3000 });
    expect(visibleRows(0, 600, 3)).toEqual({ first: 0, end: 3 });
    expect(visibleRows(0, 600, 0)).toEqual({ first: 0, end: 0 });
  });
});

describe("zoom", () => {
  it("shows the window a d3-zoom transform makes of the base one", () => {
    expect(zoomedWindow(HOUR, { k: 1, x: 0 }, WIDTH)).toEqual(HOUR);
    // Twice as close, about the left edge: the first half hour.
    expect(zoomedWindow(HOUR, { k: 2, x: 0 }, WIDTH)).toEqual({ startMicros: us("14:50:00"), endMicros: us("15:20:00") });
    // Dragged 600 px to the left at k = 2: the second half hour.
    expect(zoomedWindow(HOUR, { k: 2, x: -1200 }, WIDTH)).toEqual({ startMicros: us("15:20:00"), endMicros: us("15:50:00") });
    // Zoomed out, twice as far, about the middle.
    expect(zoomedWindow(HOUR, { k: 0.5, x: 300 }, WIDTH)).toEqual({ startMicros: us("14:20:00"), endMicros: us("16:20:00") });
  });

  it("zooms the buttons' way about the middle, never closer than MIN_WINDOW_MICROS", () => {
    expect(zoomWindowBy(HOUR, 2)).toEqual({ startMicros: us("15:05:00"), endMicros: us("15:35:00") });
    expect(zoomWindowBy(HOUR, 0.5)).toEqual({ startMicros: us("14:20:00"), endMicros: us("16:20:00") });
    const tiny = zoomWindowBy({ startMicros: us("15:00:00"), endMicros: us("15:00:00.015") }, 100);
    expect(tiny.endMicros - tiny.startMicros).toBe(MIN_WINDOW_MICROS);
    expect(maxZoom(HOUR)).toBe(3600 * 1_000_000 / MIN_WINDOW_MICROS);
    // Out to a hundred times the window, never past the years 0001–9999: beyond a Date's range a d3 time scale is NaN.
    expect(minZoom(HOUR)).toBe(MIN_ZOOM);
    const years = { startMicros: Date.parse("1000-01-01T00:00:00Z") * 1000, endMicros: Date.parse("3000-01-01T00:00:00Z") * 1000 };
    const widest = zoomedWindow(years, { k: minZoom(years), x: 0 }, WIDTH);
    expect(widest.endMicros - widest.startMicros).toBeCloseTo(LAST_STORABLE_MICROS - FIRST_STORABLE_MICROS, -9);
    expect(minZoom({ startMicros: FIRST_STORABLE_MICROS, endMicros: LAST_STORABLE_MICROS })).toBe(1);
  });
});

describe("labels", () => {
  it("writes axis ticks in UTC, 24-hour, as short as their precision allows", () => {
    const scale = timeScale(HOUR, WIDTH);
    expect(scale.ticks(tickCount(WIDTH)).slice(0, 3).map(formatTick)).toEqual(["14:50", "14:55", "15:00"]);
    expect(formatTick(new Date("2021-09-13T15:00:00Z"))).toBe("15:00");
    expect(formatTick(new Date("2021-09-14T00:00:00Z"))).toBe("2021-09-14");
    expect(formatTick(new Date("2021-09-13T14:58:37Z"))).toBe("14:58:37");
    expect(formatTick(new Date("2021-09-13T14:58:37.250Z"))).toBe("37.250");
  });

  it("names a row by namespace/name, or by name under a parent in the same namespace", () => {
    const pod = { namespace: "openshift-apiserver", name: "apiserver-5d887d5fcd-qnvqh" };
    const label = (object: { namespace: string; name: string }, parent: { namespace: string; name: string } | null) => {
      const { lead, tail } = rowLabel(object, parent);
      return `${lead}|${tail}`;
    };
    const replicaSet = { namespace: "openshift-apiserver", name: "apiserver-5d887d5fcd" };
    expect(label(pod, null)).toBe("openshift-apiserver/apiserver-5d887d5fcd-qnvqh|");
    // Under its ReplicaSet: the name alone, its own suffix kept whole when the column is narrow.
    expect(label(pod, replicaSet)).toBe("apiserver-5d887d5fcd|-qnvqh");
    expect(label(replicaSet, { namespace: "openshift-apiserver", name: "apiserver" })).toBe("apiserver|-5d887d5fcd");
    expect(label(pod, { namespace: "default", name: "apiserver-5d887d5fcd" })).toBe("openshift-apiserver/apiserver-5d887d5fcd|-qnvqh");
    // A Node is in no namespace, and its name does not extend a Pod's.
    expect(label({ namespace: "", name: "ci-ln-k7vx6h2-002ac-w7gjh-master-1" }, pod)).toBe("ci-ln-k7vx6h2-002ac-w7gjh-master-1|");
    // A suffix too long to be a generated one is cut at its end like any name.
    const long = `apiserver-5d887d5fcd-${"verylongname".repeat(19)}`;
    expect(label({ namespace: pod.namespace, name: long }, replicaSet)).toBe(`${long}|`);
  });
});

describe("tooltipPlacement", () => {
  const size = { width: 380, height: 120 };
  const viewport = { width: 1400, height: 900 };
  const pointer = (left: number, top: number) => ({ left, top, width: 0, height: 0 });

  it("puts the tooltip below and right of the pointer where it fits", () => {
    expect(tooltipPlacement(pointer(500, 300), size, viewport)).toEqual({ left: 500 + TOOLTIP_GAP, top: 300 + TOOLTIP_GAP });
  });

  it("above it on the last rows, and left of it at the right edge, inside the window", () => {
    expect(tooltipPlacement(pointer(1390, 880), size, viewport)).toEqual({ left: 1400 - TOOLTIP_GAP - 380, top: 880 - TOOLTIP_GAP - 120 });
  });

  it("below a focused mark, not over it", () => {
    const mark = { left: 700, top: 400, width: 4, height: 14 };
    expect(tooltipPlacement(mark, size, viewport)).toEqual({ left: 700 + TOOLTIP_GAP, top: 414 + TOOLTIP_GAP });
  });

  it("from the left edge in a window narrower than the tooltip, and within its height when it fits neither above nor below", () => {
    expect(tooltipPlacement(pointer(300, 100), size, { width: 360, height: 200 })).toEqual({ left: TOOLTIP_GAP, top: 200 - TOOLTIP_GAP - 120 });
  });
});
