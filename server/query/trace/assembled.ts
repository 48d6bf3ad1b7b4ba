import type { DiffEntry, JsonObject, ObjectIdentity } from "../../ingest/audit/types";
import type { EpochMicros, TraceQuery } from "./types";

/**
 * What trace assembly (assemble.ts) reads from the store, before any display mode lays it out
 * as spans: the objects of the trace as a tree, each with its history entries in the range.
 */

/** An object's identity (see ObjectIdentity) and lifetime, as stored. */
export interface TraceObject extends ObjectIdentity {
  /** objects.id */
  id: number;
  cluster: string;
  firstSeen: EpochMicros;
  lastSeen: EpochMicros;
  deletedAt: EpochMicros | null;
}

export type HistorySource = "audit" | "event" | "watch";

/** One history entry, every column of history_entries. */
export interface TraceEntry {
  /** history_entries.id */
  id: number;
  objectId: number;
  source: HistorySource;
  start: EpochMicros;
  end: EpochMicros;
  /** The impersonated user when there is one, else the authenticated user. */
  actor: string;
  verb: string;
  /** "" when none. */
  subresource: string;
  statusCode: number | null;
  title: string;
  auditId: string | null;
  stage: string | null;
  userAgent: string | null;
  /** Everything else the source said (AuditDetails for audit entries, plus level and stage). */
  details: JsonObject;
  diff: DiffEntry[] | null;
  snapshot: JsonObject | null;
  noop: boolean;
}

/**
 * A relation of a trace object other than its place in the tree: a reference (a Pod's Node,
 * its volume claims), or a hierarchical parent that is not its tree parent (a Pod's
 * EndpointSlice when the tree places it under its ReplicaSet).
 */
export interface RelatedObject {
  /** The relation kind, e.g. "node", "endpoint-target". */
  kind: string;
  hierarchical: boolean;
  /** Which side of the relation the other object is on: "parent" = the relation's from side. */
  role: "parent" | "child";
  object: TraceObject;
}

/** An object in the trace's tree. */
export interface TraceNode {
  object: TraceObject;
  /** objects.id of the tree parent; null for the topmost object. */
  parentId: number | null;
  /** Kind of the relation to the tree parent (e.g. "controller-owner"); null for the topmost object. */
  relation: string | null;
  /** Hops from the queried object: negative above it (ancestors), positive below (descendants). */
  level: number;
  /** History entries with start time in [start, end), oldest first. */
  entries: TraceEntry[];
  /** Other relations valid in the range (see RelatedObject), sorted by kind then name. */
  related: RelatedObject[];
  /** True when an object had more related objects than a trace lists (e.g. a Node's Pods). */
  relatedTruncated: boolean;
}

export interface AssembledTrace {
  /** The query with depth limited to the configured maximum. */
  query: TraceQuery;
  /** objects.id the trace was asked about (query.rootObjectId). */
  queriedObjectId: number;
  /** The tree in pre-order: nodes[0] is the topmost object (the root span); children by first activity. */
  nodes: TraceNode[];
  /** The range in µs: [start, end). */
  start: EpochMicros;
  end: EpochMicros;
}
