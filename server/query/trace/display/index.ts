import type { AssembledTrace } from "../assembled";
import type { DisplayMode, TraceSpan } from "../types";
import { groupedSpans } from "./grouped";
import { timelineSpans } from "./timeline";
import { tracingSpans } from "./tracing";
import { treeSpans } from "./tree";

/** Lays out an assembled trace as spans, one function per display mode. */
export const DISPLAY: Record<DisplayMode, (trace: AssembledTrace, traceId: string) => TraceSpan[]> = {
  tracing: tracingSpans,
  grouped: groupedSpans,
  tree: treeSpans,
  timeline: timelineSpans,
};
