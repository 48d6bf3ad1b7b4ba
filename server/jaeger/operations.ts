import { z } from "zod";
import { DISPLAY_MODES, RELATION_MODES, type DisplayMode, type RelationMode } from "../query/trace/types";

/**
 * Jaeger's "Operation" is the view of a trace: its display mode, optionally with a relation
 * mode — `tracing`, `tree (ancestors)`… With no operation (or Jaeger's "all"), a trace is
 * `tracing` over the full tree. Kelemetry's names are accepted too, so its users' habits
 * work: `tracing`, `grouped`, `tree`, `timeline`, and `<name> (exclusive)` for the object
 * and what it owns (descendants only).
 */
export interface TraceView {
  displayMode: DisplayMode;
  relationMode: RelationMode;
}

export const DEFAULT_VIEW: TraceView = { displayMode: "tracing", relationMode: "full" };

/** Every operation name we list: each display mode alone (full tree), then with each relation mode. */
export function operationNames(): string[] {
  return [...DISPLAY_MODES, ...DISPLAY_MODES.flatMap((display) => RELATION_MODES.map((relation) => `${display} (${relation})`))];
}

/** The operation name of a view: the display mode alone for the full tree, else `<display> (<relation>)`. */
export function operationNameOf(view: TraceView): string {
  return view.relationMode === DEFAULT_VIEW.relationMode ? view.displayMode : `${view.displayMode} (${view.relationMode})`;
}

const KELEMETRY_RELATIONS: Record<string, RelationMode> = { exclusive: "descendants" };

/**
 * The view an operation name asks for (case and spacing don't matter); the default for no
 * operation or "all"; null for a name we don't know.
 */
export function parseOperation(name: string | undefined): TraceView | null {
  const text = (name ?? "").trim().toLowerCase();
  if (text === "" || text === "all") return DEFAULT_VIEW;
  const match = /^([a-z]+)\s*(?:\(\s*([a-z]+)\s*\))?$/.exec(text);
  if (!match) return null;
  const display = DISPLAY_MODES.find((mode) => mode === match[1]);
  if (!display) return null;
  if (match[2] === undefined) return { displayMode: display, relationMode: DEFAULT_VIEW.relationMode };
  const relation = RELATION_MODES.find((mode) => mode === match[2]) ?? KELEMETRY_RELATIONS[match[2]];
  return relation ? { displayMode: display, relationMode: relation } : null;
}

/** For a 400: what an operation may be. */
export const OPERATION_HINT = `one of ${DISPLAY_MODES.join(", ")}, optionally followed by (${RELATION_MODES.join("|")}), e.g. "tree (ancestors)"`;

/** An operation parameter: the view it names; an issue naming the parameter when it names none. */
export const operationParam = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const view = parseOperation(value);
    if (!view) {
      ctx.addIssue({ code: "custom", message: `unknown operation ${JSON.stringify(value)}; use ${OPERATION_HINT}` });
      return z.NEVER;
    }
    return view;
  });

/** Jaeger's span kinds, as operation lists filter by them; every Kubetrail span is internal. */
const SPAN_KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;
export const spanKindParam = z.enum(SPAN_KINDS, { error: `expected one of ${SPAN_KINDS.join(", ")}` }).optional();

/** The operations of a service, as `{name, spanKind}`: all of them for no span kind or "internal", none for another. */
export function operationsOfSpanKind(spanKind: string | undefined): Array<{ name: string; spanKind: "internal" }> {
  return spanKind === undefined || spanKind === "internal" ? operationNames().map((name) => ({ name, spanKind: "internal" })) : [];
}
