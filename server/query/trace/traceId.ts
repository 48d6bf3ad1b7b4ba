import { createHash } from "node:crypto";
import { DISPLAY_MODES, RELATION_MODES, type DisplayMode, type RelationMode, type TraceQuery } from "./types";

/**
 * Trace IDs are the trace query itself, packed into 128 bits (32 lowercase hex characters):
 *
 *   hex  0      version (1)
 *   hex  1      display mode (index in DISPLAY_MODES)
 *   hex  2      relation mode (index in RELATION_MODES)
 *   hex  3      depth (1..15)
 *   hex  4..15  root object id (48 bits: objects.id)
 *   hex 16..23  start, seconds since the epoch (32 bits, inclusive)
 *   hex 24..31  end, seconds since the epoch (32 bits, exclusive)
 *
 * So `GET` of an ID rebuilds its trace from the store alone: after a restart, on any replica,
 * with no cache to grow or expire (Kelemetry keeps every ID it hands out in a cache that never
 * expires). The same query always gives the same ID. The version nibble is never 0, so an ID
 * never starts with a zero: Jaeger's 1.x JSON prints IDs without leading zeros, and ours print
 * the same in every dialect.
 */

export const TRACE_ID_VERSION = 1;
/** Relation hops a trace ID can hold (4 bits); the configured maximum is at most this. */
export const MAX_ENCODABLE_DEPTH = 15;
/** Depth of a trace when the caller doesn't say. */
export const DEFAULT_TRACE_DEPTH = 3;
/** Largest objects.id an ID can hold (48 bits). */
export const MAX_ROOT_OBJECT_ID = 2 ** 48 - 1;
/** Largest time an ID can hold (32-bit seconds: 2106-02-07). */
export const MAX_SECONDS = 2 ** 32 - 1;

/** A trace ID that can't be read, with a message for a 400. */
export class TraceIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TraceIdError";
  }
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}

/** Throws TraceIdError when a field of `query` can't be encoded (or would not decode back). */
export function validateTraceQuery(query: TraceQuery): void {
  const { rootObjectId, depth, startSeconds, endSeconds } = query;
  if (!DISPLAY_MODES.includes(query.displayMode)) throw new TraceIdError(`unknown display mode ${JSON.stringify(query.displayMode)}`);
  if (!RELATION_MODES.includes(query.relationMode)) throw new TraceIdError(`unknown relation mode ${JSON.stringify(query.relationMode)}`);
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_ENCODABLE_DEPTH) throw new TraceIdError(`depth must be 1..${MAX_ENCODABLE_DEPTH}, got ${depth}`);
  if (!Number.isInteger(rootObjectId) || rootObjectId < 1 || rootObjectId > MAX_ROOT_OBJECT_ID) {
    throw new TraceIdError(`root object id must be 1..${MAX_ROOT_OBJECT_ID}, got ${rootObjectId}`);
  }
  for (const [name, value] of [["start", startSeconds], ["end", endSeconds]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > MAX_SECONDS) throw new TraceIdError(`${name} must be whole seconds 0..${MAX_SECONDS}, got ${value}`);
  }
  if (endSeconds <= startSeconds) throw new TraceIdError(`end (${endSeconds}) must be after start (${startSeconds})`);
}

/** The trace ID of `query`: 32 lowercase hex characters. Throws TraceIdError on a field out of range. */
export function encodeTraceId(query: TraceQuery): string {
  validateTraceQuery(query);
  return (
    hex(TRACE_ID_VERSION, 1) +
    hex(DISPLAY_MODES.indexOf(query.displayMode), 1) +
    hex(RELATION_MODES.indexOf(query.relationMode), 1) +
    hex(query.depth, 1) +
    hex(query.rootObjectId, 12) +
    hex(query.startSeconds, 8) +
    hex(query.endSeconds, 8)
  );
}

/** The trace ID of `query`, or null when a field is beyond what an ID holds (a range before 1970 or after 2106). */
export function traceIdOrNull(query: TraceQuery): string | null {
  try {
    return encodeTraceId(query);
  } catch (error) {
    if (error instanceof TraceIdError) return null;
    throw error;
  }
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

/** The query a trace ID stands for. Accepts any case; throws TraceIdError saying what is wrong. */
export function decodeTraceId(id: string): TraceQuery {
  if (id.length !== 32) throw new TraceIdError(`trace ID must be 32 hex characters, got ${id.length}`);
  if (!HEX32.test(id)) throw new TraceIdError(`trace ID must be 32 hex characters (0-9, a-f), got ${JSON.stringify(id)}`);
  const field = (from: number, to: number) => parseInt(id.slice(from, to), 16);
  const version = field(0, 1);
  if (version !== TRACE_ID_VERSION) throw new TraceIdError(`trace ID ${id} is not a Kubetrail trace ID (version ${version}, expected ${TRACE_ID_VERSION})`);
  const displayMode: DisplayMode | undefined = DISPLAY_MODES[field(1, 2)];
  if (displayMode === undefined) throw new TraceIdError(`trace ID ${id} names an unknown display mode (${field(1, 2)})`);
  const relationMode: RelationMode | undefined = RELATION_MODES[field(2, 3)];
  if (relationMode === undefined) throw new TraceIdError(`trace ID ${id} names an unknown relation mode (${field(2, 3)})`);
  const query: TraceQuery = {
    rootObjectId: field(4, 16),
    relationMode,
    displayMode,
    depth: field(3, 4),
    startSeconds: field(16, 24),
    endSeconds: field(24, 32),
  };
  try {
    validateTraceQuery(query);
  } catch (error) {
    throw new TraceIdError(`trace ID ${id}: ${(error as Error).message}`);
  }
  return query;
}

/** Whether `id` is a trace ID this version of Kubetrail made (any case). */
export function isTraceId(id: string): boolean {
  try {
    decodeTraceId(id);
    return true;
  } catch {
    return false;
  }
}

/**
 * What identifies a span inside its trace: the object span ("object"), a group row of an
 * object ("group:audit"), or one history entry ("entry:<id>").
 */
export type SpanRole = "object" | `group:${string}` | `entry:${number}`;

/**
 * A span's ID: 16 lowercase hex characters from a hash of the trace ID, the object and the
 * span's role, so building the same trace twice (or on another replica) gives the same IDs.
 * Never all zeros (an invalid span ID in Jaeger and OTLP).
 */
export function spanIdFor(traceId: string, objectId: number, role: SpanRole): string {
  const digest = createHash("sha256").update(`${traceId.toLowerCase()}/${objectId}/${role}`).digest("hex");
  const id = digest.slice(0, 16);
  return id === "0000000000000000" ? digest.slice(16, 32) : id;
}

/** What a caller knows when asking for a trace: times as Dates, mode and depth optional. */
export interface TraceQueryInput {
  rootObjectId: number;
  relationMode?: RelationMode;
  displayMode?: DisplayMode;
  depth?: number;
  start: Date;
  end: Date;
}

/**
 * A TraceQuery for a time range given to the millisecond: start rounded down and end rounded
 * up to whole seconds (the range only grows), defaults full tree / tracing / depth 3.
 * Throws TraceIdError when the result can't be a trace ID.
 */
export function traceQueryOf(input: TraceQueryInput): TraceQuery {
  const startSeconds = Math.floor(input.start.getTime() / 1000);
  let endSeconds = Math.ceil(input.end.getTime() / 1000);
  if (endSeconds === startSeconds) endSeconds += 1;
  const query: TraceQuery = {
    rootObjectId: input.rootObjectId,
    relationMode: input.relationMode ?? "full",
    displayMode: input.displayMode ?? "tracing",
    depth: input.depth ?? DEFAULT_TRACE_DEPTH,
    startSeconds,
    endSeconds,
  };
  validateTraceQuery(query);
  return query;
}
