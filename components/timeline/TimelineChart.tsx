"use client";

import { axisTop, select, zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior } from "d3";
import Link from "next/link";
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent, type MouseEvent } from "react";
import type { TimelineEntry, TimelineRow } from "@/server/query/timeline/types";
import { formatDuration, formatInstant, OPEN_SESSION_TEXT } from "./format";
import { eventKindName, isWarning, markLabel, timesText } from "./eventText";
import { watchSummaryText } from "./watchText";
import {
  BAND_HEIGHT,
  eventMarkShape,
  watchMarkShape,
  formatTick,
  indentOf,
  labelWidthFor,
  lifetimeBand,
  marksOf,
  MARK_HEIGHT,
  maxZoom,
  minZoom,
  paintOrder,
  ROW_HEIGHT,
  rowLabel,
  rowTop,
  tickCount,
  timeScale,
  tooltipPlacement,
  visibleRows,
  zoomedWindow,
  type Mark,
  type ScreenBox,
  type TimeScale,
  type TimeWindow,
  type ZoomTransform,
} from "./layout";
import { axisLabelShift } from "./axisLabels";
import { markGroups, nextInGroup, placeInGroup, type MarkGroup } from "./markGroups";
import { objectPageHref } from "./urlState";
import styles from "./TimelineChart.module.css";

const AXIS_HEIGHT = 28;
/** A shaky click is still a click, not a pan. */
const CLICK_DISTANCE = 4;

/** A mark under the pointer or with the keyboard's focus: its tooltip. */
interface Hover {
  entry: TimelineEntry;
  row: TimelineRow;
  /** The pointer (a point), or the focused mark's box. */
  anchor: ScreenBox;
}

export interface TimelineChartProps {
  rows: TimelineRow[];
  /** The range the URL names: what the lanes show when not being zoomed. */
  range: TimeWindow;
  selectedEntryId: number | null;
  onSelect(entryId: number | null): void;
  /** A zoom or pan ended: the window it shows. */
  onWindowChange(shown: TimeWindow): void;
  /** A new range is loading: the lanes show the previous one meanwhile. */
  loading: boolean;
}

/**
 * The timeline: the tree of objects on the left, one lane per object on the right under a
 * shared UTC axis, each entry a mark. Only the rows on screen are rendered (visibleRows), and
 * each lane only the marks within the window (marksOf): a Node's hundreds of Pods scroll as
 * lightly as three. d3 draws the axis and handles zoom and pan; React draws the rest.
 */
export function TimelineChart({ rows, range, selectedEntryId, onSelect, onWindowChange, loading }: TimelineChartProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const axisRef = useRef<SVGGElement>(null);
  const zoomRef = useRef<ZoomBehavior<HTMLDivElement, unknown> | null>(null);
  const [chartWidth, setChartWidth] = useState(1160);
  const labelWidth = labelWidthFor(chartWidth);
  const laneWidth = Math.max(100, chartWidth - labelWidth);
  const [viewport, setViewport] = useState({ top: 0, height: 600 });
  const [transform, setTransform] = useState<ZoomTransform>({ k: 1, x: 0 });
  const [hover, setHover] = useState<Hover | null>(null);

  // The latest props for d3's handlers, which are bound once.
  const latest = useRef({ range, laneWidth, labelWidth, onWindowChange });
  latest.current = { range, laneWidth, labelWidth, onWindowChange };

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const measure = () => {
      setChartWidth(element.clientWidth);
      setViewport({ top: element.scrollTop, height: element.clientHeight });
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Zoom and pan: the wheel with Ctrl (or over the axis) zooms about the pointer, a drag on the
  // lanes pans; the transform is relative to the whole chart, whose lanes start labelWidth in.
  useEffect(() => {
    const root = rootRef.current;
    if (!root) return;
    const lanesTransform = (t: { k: number; x: number }): ZoomTransform => ({ k: t.k, x: t.x + (t.k - 1) * latest.current.labelWidth });
    const behaviour = zoom<HTMLDivElement, unknown>()
      .clickDistance(CLICK_DISTANCE)
      .filter((event: Event) => {
        const target = event.target as Element | null;
        const onLanes = !!target?.closest?.("[data-lanes]");
        if (event.type === "wheel") {
          const wheel = event as WheelEvent;
          return onLanes && (wheel.ctrlKey || wheel.metaKey || !!target?.closest?.("[data-axis]"));
        }
        if (event.type === "mousedown") return onLanes && (event as globalThis.MouseEvent).button === 0;
        return onLanes;
      })
      .on("zoom", (event: D3ZoomEvent<HTMLDivElement, unknown>) => {
        setHover(null);
        setTransform(lanesTransform(event.transform));
      })
      .on("end", (event: D3ZoomEvent<HTMLDivElement, unknown>) => {
        // Resets after a new window (below) come without a source event.
        if (!event.sourceEvent) return;
        const t = lanesTransform(event.transform);
        if (t.k === 1 && t.x === 0) return;
        const { range: base, laneWidth: width, onWindowChange: change } = latest.current;
        change(zoomedWindow(base, t, width));
      });
    select(root).call(behaviour).on("dblclick.zoom", null);
    zoomRef.current = behaviour;
    return () => {
      select(root).on(".zoom", null);
    };
  }, []);

  // A new window (the URL changed): drawn as it is, zoomable from there. Before the browser
  // paints, or the new window would show for a frame with the old zoom applied on top of it.
  useLayoutEffect(() => {
    const root = rootRef.current;
    const behaviour = zoomRef.current;
    if (!root || !behaviour) return;
    behaviour.scaleExtent([minZoom(range), maxZoom(range)]);
    select(root).call(behaviour.transform, zoomIdentity);
    setTransform({ k: 1, x: 0 });
  }, [range.startMicros, range.endMicros]);

  const visibleWindow = useMemo(() => zoomedWindow(range, transform, laneWidth), [range, transform, laneWidth]);
  const scale = useMemo(() => timeScale(visibleWindow, laneWidth), [visibleWindow, laneWidth]);
  const ticks = useMemo(() => scale.ticks(tickCount(laneWidth)).map((tick) => scale(tick)), [scale, laneWidth]);

  useEffect(() => {
    if (!axisRef.current) return;
    select(axisRef.current).call(
      axisTop(scale)
        .ticks(tickCount(laneWidth))
        .tickFormat((tick) => formatTick(tick as Date))
        .tickSizeOuter(0),
    );
    // A label centred on a tick near an edge would be cut there: moved inside, its tick stays put.
    select(axisRef.current)
      .selectAll<SVGGElement, Date>(".tick")
      .select<SVGTextElement>("text")
      .attr("x", function (tick) {
        // Where d3 put the tick: scale(tick), half a pixel on for crisp lines on a low-density screen.
        const tickX = (this.parentNode as SVGGElement).transform.baseVal.consolidate()?.matrix.e ?? scale(tick);
        return axisLabelShift(tickX, this.getComputedTextLength(), laneWidth);
      });
  }, [scale, laneWidth]);

  const entries = useMemo(() => new Map(rows.flatMap((row) => row.entries.map((entry) => [entry.id, { entry, row }] as const))), [rows]);
  const objects = useMemo(() => new Map(rows.map((row) => [row.object.id, row.object])), [rows]);

  // A selection made elsewhere (a link, a reload) scrolls its row into view, once.
  const scrolledTo = useRef<number | null>(null);
  useEffect(() => {
    const element = scrollRef.current;
    if (!element || selectedEntryId === null || scrolledTo.current === selectedEntryId) return;
    const index = rows.findIndex((row) => row.entries.some((e) => e.id === selectedEntryId));
    if (index < 0) return;
    scrolledTo.current = selectedEntryId;
    const top = rowTop(index);
    if (top < element.scrollTop || top + ROW_HEIGHT > element.scrollTop + element.clientHeight) element.scrollTop = Math.max(0, top - element.clientHeight / 2);
  }, [rows, selectedEntryId]);

  const { first, end } = visibleRows(viewport.top, viewport.height, rows.length);
  const hovered = (entryId: number, anchor: ScreenBox) => {
    const found = entries.get(entryId);
    if (found) setHover({ ...found, anchor });
  };

  return (
    <div ref={rootRef} className={loading ? `${styles.chart} ${styles.loading}` : styles.chart} aria-busy={loading}>
      <div className={styles.axisRow}>
        <div className={styles.corner} style={{ width: labelWidth }}>
          {rows.length === 1 ? "1 object" : `${rows.length} objects`}
        </div>
        <svg data-lanes data-axis className={styles.axis} width={laneWidth} height={AXIS_HEIGHT} aria-label="Time (UTC)">
          <g ref={axisRef} transform={`translate(0,${AXIS_HEIGHT - 1})`} />
        </svg>
      </div>
      <div ref={scrollRef} className={styles.scroll} onScroll={(event) => setViewport({ top: event.currentTarget.scrollTop, height: event.currentTarget.clientHeight })}>
        <div className={styles.rows} style={{ height: rows.length * ROW_HEIGHT }}>
          {rows.slice(first, end).map((row, i) => (
            <Lane
              key={row.object.id}
              row={row}
              labelWidth={labelWidth}
              label={rowLabel(row.object, row.parentId === null ? null : (objects.get(row.parentId) ?? null))}
              top={rowTop(first + i)}
              scale={scale}
              shown={visibleWindow}
              width={laneWidth}
              ticks={ticks}
              selectedEntryId={selectedEntryId}
              onHover={hovered}
              onLeave={() => setHover(null)}
              onSelect={onSelect}
            />
          ))}
        </div>
      </div>
      {hover ? <Tooltip hover={hover} /> : null}
    </div>
  );
}

interface LaneProps {
  row: TimelineRow;
  /** The object's name as the tree shows it (rowLabel). */
  label: { lead: string; tail: string };
  labelWidth: number;
  top: number;
  scale: TimeScale;
  /** The window the lanes show now (zoomed). */
  shown: TimeWindow;
  width: number;
  ticks: number[];
  selectedEntryId: number | null;
  onHover(entryId: number, anchor: ScreenBox): void;
  onLeave(): void;
  onSelect(entryId: number): void;
}

/** The relation almost every row of a hierarchy has to the row above it: its indentation says it, the row's title names it. */
const USUAL_RELATION = "controller-owner";

const pointAt = (event: MouseEvent): ScreenBox => ({ left: event.clientX, top: event.clientY, width: 0, height: 0 });
const boxOf = (event: FocusEvent<Element>): ScreenBox => {
  const { left, top, width, height } = event.currentTarget.getBoundingClientRect();
  return { left, top, width, height };
};

/**
 * One object's row: its place in the tree, and its lane with its lifetime and its marks. The
 * lane is one stop of the Tab key (its selected mark, else the one last focused, else its
 * first), so that Tab goes from lane to lane; the left and right arrow keys, Home and End move
 * between its marks in time order, Enter or Space opens one.
 */
const Lane = memo(function Lane({ row, label, labelWidth, top, scale, shown, width, ticks, selectedEntryId, onHover, onLeave, onSelect }: LaneProps) {
  const o = row.object;
  const svgRef = useRef<SVGSVGElement>(null);
  const [focusedId, setFocusedId] = useState<number | null>(null);
  const band = lifetimeBand(scale, row.lifetime, shown, width);
  const marks = marksOf(scale, row.entries, width);
  const groups = markGroups(marks);
  const groupOf = new Map(groups.flatMap((group) => group.entryIds.map((id) => [id, group] as const)));
  const labels = useMemo(() => new Map(row.entries.map((entry) => [entry.id, markLabel(entry)])), [row.entries]);
  const startOf = useMemo(() => new Map(row.entries.map((entry) => [entry.id, entry.startMicros])), [row.entries]);
  const selected = selectedEntryId !== null && row.entries.some((entry) => entry.id === selectedEntryId);
  const deleted = row.lifetime.deletedAtMicros !== null;
  const fullName = `${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
  const describe = [
    `${o.kind} ${fullName} (cluster ${o.cluster})`,
    row.relation ? `${row.relation} of the object above` : null,
    deleted ? `deleted ${formatInstant(row.lifetime.deletedAtMicros!)}` : null,
    row.related.length > 0 ? `related: ${row.related.map((r) => `${r.relation} ${r.object.kind} ${r.object.name}`).join(", ")}${row.relatedTruncated ? ", …" : ""}` : null,
  ]
    .filter(Boolean)
    .join("\n");
  const onLane = (id: number | null) => (id !== null && marks.some((mark) => mark.entryId === id) ? id : null);
  const tabStop = onLane(selected ? selectedEntryId : null) ?? onLane(focusedId) ?? marks[0]?.entryId ?? null;
  const focusMark = (index: number) => {
    const mark = marks[Math.max(0, Math.min(marks.length - 1, index))];
    if (mark) svgRef.current?.querySelector<SVGElement>(`[data-entry-id="${mark.entryId}"]`)?.focus();
  };
  const keyed = (entryId: number) => (event: KeyboardEvent) => {
    const index = marks.findIndex((mark) => mark.entryId === entryId);
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: marks.length - 1 };
    if (event.key === "Enter" || event.key === " ") onSelect(entryId);
    else if (event.key in moves) focusMark(moves[event.key]!);
    else return;
    event.preventDefault();
  };
  const className = [styles.row, row.queried ? styles.queried : "", selected ? styles.rowSelected : ""].filter(Boolean).join(" ");
  return (
    <div className={className} style={{ top, height: ROW_HEIGHT }} data-object-id={o.id} data-kind={o.kind} data-name={o.name}>
      <div className={styles.label} style={{ width: labelWidth, paddingLeft: 8 + indentOf(row.depth) }} title={describe}>
        <span className={styles.kind}>{o.kind}</span>
        <Link href={objectPageHref(o.id)} className={styles.name} aria-label={`${o.kind} ${fullName}`}>
          <span className={styles.lead}>{label.lead}</span>
          {label.tail ? <span className={styles.tail}>{label.tail}</span> : null}
        </Link>
        {deleted ? (
          <span className={styles.deletedMark} aria-label="deleted">
            ✕
          </span>
        ) : null}
        {row.relation && row.relation !== USUAL_RELATION ? <span className={styles.relation}>{row.relation}</span> : null}
      </div>
      <svg ref={svgRef} data-lanes className={styles.lane} width={width} height={ROW_HEIGHT}>
        {ticks.map((x) => (
          <line key={x} className={styles.grid} x1={x} x2={x} y1={0} y2={ROW_HEIGHT} />
        ))}
        {band ? (
          <>
            <rect className={styles.band} x={band.x} y={(ROW_HEIGHT - BAND_HEIGHT) / 2} width={band.width} height={BAND_HEIGHT} rx={3} />
            {band.endsInWindow ? <line className={styles.bandEnd} x1={band.x + band.width} x2={band.x + band.width} y1={(ROW_HEIGHT - BAND_HEIGHT) / 2} y2={(ROW_HEIGHT + BAND_HEIGHT) / 2} /> : null}
          </>
        ) : null}
        {paintOrder(marks).map((mark) => (
          <MarkShape
            key={mark.entryId}
            mark={mark}
            label={[labels.get(mark.entryId), placeInGroup(groupOf.get(mark.entryId)!, mark.entryId)].filter(Boolean).join(", ")}
            tabStop={mark.entryId === tabStop}
            selected={mark.entryId === selectedEntryId}
            onMouseEnter={(event) => onHover(mark.entryId, pointAt(event))}
            onMouseMove={(event) => onHover(mark.entryId, pointAt(event))}
            onMouseLeave={onLeave}
            onFocus={(event) => {
              setFocusedId(mark.entryId);
              onHover(mark.entryId, boxOf(event));
            }}
            onBlur={onLeave}
            onClick={() => onSelect(mark.entryId)}
            onKeyDown={keyed(mark.entryId)}
          />
        ))}
        {groups.map((group) =>
          group.entryIds.length > 1 ? <GroupBadge key={group.entryIds[0]} group={group} startMicros={startOf.get(group.entryIds[0]!)!} laneWidth={width} onClick={() => onSelect(nextInGroup(group, selectedEntryId))} /> : null,
        )}
      </svg>
    </div>
  );
});

/** Radius of a group's count badge, at the top right of its marks. */
const BADGE_RADIUS = 6;

/**
 * How many entries are drawn on one spot (markGroups), over their marks' top right: of marks
 * in the same pixels only one shows. A click selects the next of them; the keyboard reaches each
 * with the arrows, their labels saying `1 of 2 here`. Not a stop of the Tab key: the lane has one.
 */
function GroupBadge({ group, startMicros, laneWidth, onClick }: { group: MarkGroup; /** The first entry's. */ startMicros: number; laneWidth: number; onClick(): void }) {
  const count = group.entryIds.length;
  const cx = Math.max(BADGE_RADIUS, Math.min(laneWidth - BADGE_RADIUS, group.x + group.width + 2));
  const cy = BADGE_RADIUS;
  return (
    <g role="button" tabIndex={-1} aria-label={`${count} entries at ${formatInstant(startMicros)}: show the next`} data-group-count={count} className={styles.groupBadge} onClick={onClick}>
      <title>{`${count} entries here: click for the next, or use the arrow keys along the lane`}</title>
      <circle cx={cx} cy={cy} r={BADGE_RADIUS} />
      <text x={cx} y={cy} dy="0.35em" textAnchor="middle">
        {count > 9 ? "9+" : count}
      </text>
    </g>
  );
}

interface MarkShapeProps {
  mark: Mark;
  label: string | undefined;
  /** The lane's one stop of the Tab key. */
  tabStop: boolean;
  selected: boolean;
  onMouseEnter(event: MouseEvent): void;
  onMouseMove(event: MouseEvent): void;
  onMouseLeave(): void;
  onFocus(event: FocusEvent<Element>): void;
  onBlur(): void;
  onClick(): void;
  onKeyDown(event: KeyboardEvent): void;
}

/**
 * One entry's mark, a button: a bar from its start to its end for a request (a failure's the
 * lane's full height, square), a dot for a Kubernetes Event, a triangle for a Warning Event, a
 * diamond in its kind's colour for what a watch observed.
 */
function MarkShape({ mark, label, tabStop, selected, ...handlers }: MarkShapeProps) {
  const common = {
    role: "button",
    tabIndex: tabStop ? 0 : -1,
    "aria-label": label,
    "aria-pressed": selected,
    "data-entry-id": mark.entryId,
    "data-mark": mark.kind,
    "data-source": mark.watched ? "watch" : undefined,
    className: [styles.mark, styles[`mark-${mark.kind}`], mark.warning ? styles.markWarning : "", mark.watched ? styles.markWatched : "", selected ? styles.selected : ""].filter(Boolean).join(" "),
    ...handlers,
  };
  if (mark.watched) return <polygon {...common} points={watchMarkShape(mark).points} />;
  if (mark.kind === "event") {
    const shape = eventMarkShape(mark);
    const eventType = mark.warning ? "Warning" : "Normal";
    return shape.shape === "dot" ? <circle {...common} data-event-type={eventType} cx={shape.cx} cy={shape.cy} r={shape.r} /> : <polygon {...common} data-event-type={eventType} points={shape.points} />;
  }
  const failed = mark.kind === "failed";
  const height = failed ? BAND_HEIGHT : MARK_HEIGHT;
  return <rect {...common} x={mark.x} y={(ROW_HEIGHT - height) / 2} width={mark.width} height={height} rx={failed ? 0 : 2} />;
}

/** What a hovered or focused mark is: its title, when, who, and the first changes. Placed where it fits in the window (tooltipPlacement). */
function Tooltip({ hover }: { hover: Hover }) {
  const { entry, row } = hover;
  const ref = useRef<HTMLDivElement>(null);
  const [position, setPosition] = useState<{ left: number; top: number } | null>(null);
  // Measured before the browser paints, so that it never shows where it does not fit.
  useLayoutEffect(() => {
    const element = ref.current;
    if (element) setPosition(tooltipPlacement(hover.anchor, { width: element.offsetWidth, height: element.offsetHeight }, { width: window.innerWidth, height: window.innerHeight }));
  }, [hover]);
  return (
    <div ref={ref} className={styles.tooltip} style={position ?? { left: 0, top: 0, visibility: "hidden" }} role="tooltip">
      <div className={styles.tooltipTitle}>{entry.title}</div>
      <div>
        {formatInstant(entry.startMicros)}
        {/* An Event, and what a watch saw, is an instant: no duration to tell. */}
        {entry.event || entry.watch ? null : entry.session === "open" ? ` · ${OPEN_SESSION_TEXT}` : ` · ${formatDuration(entry.endMicros - entry.startMicros)}`}
      </div>
      <div className="muted">
        {row.object.kind} {row.object.name}
      </div>
      {entry.event ? (
        <div>
          <span className={isWarning(entry.event) ? styles.tooltipWarning : undefined}>{eventKindName(entry.event)}</span>
          {entry.event.reason ? ` · ${entry.event.reason}` : ""}
          {entry.event.count > 1 ? ` · seen ${timesText(entry.event.count)}` : ""}
        </div>
      ) : null}
      {entry.watch ? <div>{watchSummaryText(entry.watch)}</div> : null}
      {entry.diffFrom === "watch" && entry.diff.length > 0 ? <div className="muted">changes as a watch saw them</div> : null}
      {entry.failure ? (
        <div className="failed">
          {entry.statusCode} {entry.failure.reason ?? ""}
        </div>
      ) : null}
      {entry.diff.slice(0, 4).map((line) => (
        <code key={line} className={styles.tooltipLine}>
          {line}
        </code>
      ))}
      {entry.diffLineCount > 4 ? <div className="muted">… {entry.diffLineCount - 4} more</div> : null}
    </div>
  );
}
