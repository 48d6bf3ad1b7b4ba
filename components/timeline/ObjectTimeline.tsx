"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef } from "react";
import type { inferRouterInputs } from "@trpc/server";
import { useTRPC } from "@/components/trpc/client";
import type { AppRouter } from "@/server/trpc/router";
import { MARK_KINDS, type TimelineRow } from "@/server/query/timeline/types";
import { RELATION_MODES } from "@/server/query/trace/types";
import { EntryPanel } from "./EntryPanel";
import { formatRangeEnd } from "./format";
import { zoomWindowBy, type TimeWindow } from "./layout";
import { TimelineChart } from "./TimelineChart";
import { objectPageHref, rangeParams, searchOf, timelineInputOf, viewOf, windowOfView, type TimelineView } from "./urlState";
import styles from "./ObjectTimeline.module.css";

type TimelineInput = inferRouterInputs<AppRouter>["objects"]["timeline"];

/** What a relation mode shows, for the switch's tooltips. */
const RELATION_HINTS: Record<(typeof RELATION_MODES)[number], string> = {
  self: "The object alone",
  ancestors: "The object and its owners up to the top",
  descendants: "The object and what it owns (that did something in the range)",
  full: "Its owners and what it owns",
};

const MARK_LABELS: Record<(typeof MARK_KINDS)[number], string> = {
  create: "create",
  update: "update",
  patch: "patch",
  delete: "delete",
  connect: "exec / attach / port-forward / proxy",
  failed: "failed",
  noop: "no change",
  event: "Event",
};

/** A legend entry: a mark's swatch and what it means. */
interface LegendItem {
  key: string;
  swatch: string;
  label: string;
}

/**
 * The legend, in the marks' order, with Warning Events beside Normal ones, and last the shape of
 * what a watch observed (drawn in the colour of its kind).
 */
const LEGEND: LegendItem[] = [
  ...MARK_KINDS.flatMap((kind) =>
    kind === "event"
      ? [
          { key: "event", swatch: styles["swatch-event"]!, label: "Event" },
          { key: "warning", swatch: styles.swatchWarning!, label: "Warning Event" },
        ]
      : [{ key: kind, swatch: styles[`swatch-${kind}`]!, label: MARK_LABELS[kind] }],
  ),
  { key: "watch", swatch: styles.swatchWatch!, label: "observed by a watch" },
];

/** Where the details panel opens below the chart, not beside it (ObjectTimeline.module.css). */
const PANEL_BELOW_CHART = "(max-width: 1000px)";

/** A count as the page writes it: `2,000`. */
const count = (n: number) => n.toLocaleString("en-US");

/** An error of the API as the page shows it: its message (which names the problem) and whether it is the caller's. */
function describeError(error: unknown): { message: string; status: number | null } {
  const status = (error as { data?: { httpStatus?: number } } | null)?.data?.httpStatus ?? null;
  return { message: error instanceof Error ? error.message : String(error), status };
}

/** Retry what may pass a second time (the server's trouble), not a 4xx. */
const retryServerErrors = (failures: number, error: unknown) => failures < 1 && (describeError(error).status ?? 500) >= 500;

/**
 * The object page: header (the object, the relation-mode switch, the range and its controls),
 * the timeline of its hierarchy, and the selected entry's details. Every control writes the URL
 * (pushState, or replaceState for zooming), and the page renders what the URL says.
 */
export function ObjectTimeline({ objectId }: { objectId: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const searchParams = useSearchParams();
  const view = useMemo(() => viewOf(searchParams), [searchParams]);

  const timeline = useQuery({
    ...trpc.objects.timeline.queryOptions(timelineInputOf(objectId, view) as TimelineInput),
    placeholderData: keepPreviousData,
    retry: retryServerErrors,
  });
  const entry = useQuery({ ...trpc.objects.entry.queryOptions({ id: view.entry ?? 1 }), enabled: view.entry !== null, retry: retryServerErrors });

  /** Writes a change of view to the URL; read from it now, so that handlers never act on a stale view. */
  const navigate = useCallback((change: Partial<TimelineView>, how: "push" | "replace" = "push") => {
    const current = viewOf(new URLSearchParams(window.location.search));
    const url = `${window.location.pathname}${searchOf({ ...current, ...change })}`;
    if (how === "push") window.history.pushState(null, "", url);
    else window.history.replaceState(null, "", url);
  }, []);

  const data = timeline.data;
  // An id merged into another object (object_aliases) answers with that object: show its own URL.
  useEffect(() => {
    if (data && data.requestedId === objectId && data.objectId !== objectId) router.replace(`/objects/${data.objectId}${window.location.search}`);
  }, [data, objectId, router]);

  const queried = data?.rows.find((row) => row.queried);
  useEffect(() => {
    if (queried) document.title = `${queried.object.kind} ${queried.object.name} · Kubetrail`;
  }, [queried]);

  const shownWindow: TimeWindow | null = windowOfView(view) ?? (data ? data.range : null);
  const relations = view.relations ?? "full";
  const setWindow = useCallback((shown: TimeWindow) => navigate(rangeParams(shown), "replace"), [navigate]);
  const selectEntry = useCallback((entryId: number | null) => navigate({ entry: entryId }), [navigate]);

  // Below the chart the panel opens out of sight: an entry picked on the chart (click, Enter)
  // brings its heading into view and gives it the focus. Beside the chart it is in view already,
  // and a selection from the URL (a link, a reload, Back) leaves the page where it is.
  const panelHeading = useRef<HTMLHeadingElement>(null);
  const revealFor = useRef<number | null>(null);
  const revealPanel = useCallback(() => {
    panelHeading.current?.scrollIntoView({ block: "start" });
    panelHeading.current?.focus({ preventScroll: true });
  }, []);
  const selectOnChart = useCallback(
    (entryId: number | null) => {
      const below = entryId !== null && window.matchMedia(PANEL_BELOW_CHART).matches;
      // The panel shows it already when it was selected: no change of URL to wait for.
      if (below && entryId === view.entry) revealPanel();
      revealFor.current = below && entryId !== view.entry ? entryId : null;
      selectEntry(entryId);
    },
    [revealPanel, selectEntry, view.entry],
  );
  useEffect(() => {
    if (view.entry === null || revealFor.current !== view.entry) return;
    revealFor.current = null;
    revealPanel();
  }, [revealPanel, view.entry]);
  // Escape closes the panel, as it closes a dialog, and puts the keyboard back on the mark the
  // panel was about, so that the arrows go on along its lane.
  useEffect(() => {
    if (view.entry === null) return;
    const selected = view.entry;
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      selectEntry(null);
      document.querySelector<SVGElement>(`[data-entry-id="${selected}"]`)?.focus({ preventScroll: true });
    };
    document.addEventListener("keydown", closeOnEscape);
    return () => document.removeEventListener("keydown", closeOnEscape);
  }, [selectEntry, view.entry]);
  const selectedRow: TimelineRow | undefined = view.entry === null ? undefined : data?.rows.find((row) => row.entries.some((e) => e.id === view.entry));
  const error = timeline.error ? describeError(timeline.error) : null;

  return (
    <div className={styles.page}>
      <header className={styles.header}>
        <div className={styles.title}>
          {queried ? (
            <>
              <h1>
                <span className={styles.kind}>{queried.object.kind}</span> {queried.object.namespace ? `${queried.object.namespace}/` : ""}
                {queried.object.name}
              </h1>
              <span className={styles.badge} title="Cluster">
                {queried.object.cluster}
              </span>
              {queried.lifetime.deletedAtMicros !== null ? <span className={`${styles.badge} ${styles.deleted}`}>deleted</span> : null}
              {queried.object.uid ? <code className={styles.uid}>uid {queried.object.uid}</code> : null}
            </>
          ) : (
            <h1>Object {objectId}</h1>
          )}
        </div>
        <div className={styles.controls}>
          <div className={styles.segmented} role="group" aria-label="Relations">
            {RELATION_MODES.map((mode) => (
              <button key={mode} type="button" aria-pressed={relations === mode} title={RELATION_HINTS[mode]} onClick={() => navigate({ relations: mode })}>
                {mode}
              </button>
            ))}
          </div>
          <div className={styles.range} aria-label="Range">
            {shownWindow ? (
              <span>
                {formatRangeEnd(shownWindow.startMicros)} – {formatRangeEnd(shownWindow.endMicros)}
                {view.from === null ? <span className="muted"> (its history)</span> : null}
              </span>
            ) : null}
            <button type="button" title="Zoom in" aria-label="Zoom in" disabled={!shownWindow} onClick={() => shownWindow && setWindow(zoomWindowBy(shownWindow, 2))}>
              +
            </button>
            <button type="button" title="Zoom out" aria-label="Zoom out" disabled={!shownWindow} onClick={() => shownWindow && setWindow(zoomWindowBy(shownWindow, 0.5))}>
              −
            </button>
            <button type="button" title="Back to the object's lifetime" disabled={view.from === null && view.to === null} onClick={() => navigate({ from: null, to: null })}>
              Reset
            </button>
          </div>
          {data?.jaegerLink ? (
            // Without JAEGER_UI_DIR the link gives the Jaeger API's JSON: said so, not passed off as the UI.
            <a
              className={styles.jaeger}
              href={data.jaegerLink}
              title={
                data.jaegerLinkOpensUi
                  ? "The same objects and range as a trace, in the Jaeger UI"
                  : "The same objects and range as a trace, as the Jaeger API's JSON (set JAEGER_UI_DIR to open it in the Jaeger UI)"
              }
            >
              {data.jaegerLinkOpensUi ? "Jaeger trace" : "Trace JSON"}
            </a>
          ) : null}
        </div>
        <ul className={styles.legend} aria-label="Legend">
          {LEGEND.map((item) => (
            <li key={item.key}>
              <span className={`${styles.swatch} ${item.swatch}`} aria-hidden="true" />
              {item.label}
            </li>
          ))}
          <li>
            <span className={`${styles.swatch} ${styles.swatchLifetime}`} />
            lifetime
          </li>
          <li className="muted">Drag to pan · Ctrl + wheel (or wheel over the time axis) to zoom</li>
        </ul>
      </header>

      {error ? (
        <div className={styles.error} role="alert">
          {error.status === 404 ? "Not found: " : error.status === 400 ? "Can't show this view: " : "Failed to load: "}
          {error.message}
          {error.status === 400 ? (
            <>
              {" "}
              <a href={objectPageHref(objectId)}>Show the object's lifetime</a>
            </>
          ) : null}
        </div>
      ) : null}

      <div className={view.entry !== null ? `${styles.body} ${styles.withPanel}` : styles.body}>
        <div className={styles.chart}>
          {data && shownWindow ? (
            <>
              {data.omittedRows > 0 ? (
                <p className={styles.notice}>
                  Showing the first {count(data.rows.length)} objects of {count(data.rows.length + data.omittedRows)}: narrow the range or the relation mode to see the rest.
                </p>
              ) : null}
              {/* Lanes without a mark would read as a page still loading, or a broken one. */}
              {!timeline.isPlaceholderData && data.rows.every((row) => row.entries.length === 0) ? (
                <p className={styles.notice} role="status">
                  Nothing happened to {data.rows.length === 1 ? "this object" : "these objects"} in this range
                  {view.from !== null ? ": Reset shows the object's lifetime" : ""}.
                </p>
              ) : null}
              <TimelineChart rows={data.rows} range={shownWindow} selectedEntryId={view.entry} onSelect={selectOnChart} onWindowChange={setWindow} loading={timeline.isFetching} />
            </>
          ) : timeline.isPending ? (
            <p className="muted">Loading…</p>
          ) : null}
        </div>
        {view.entry !== null ? (
          <EntryPanel
            summary={selectedRow?.entries.find((e) => e.id === view.entry)}
            details={entry.data}
            error={entry.error ? describeError(entry.error).message : null}
            row={selectedRow}
            currentObjectId={data?.objectId ?? objectId}
            headingRef={panelHeading}
            onClose={() => selectEntry(null)}
          />
        ) : null}
      </div>
    </div>
  );
}
