import type { Database } from "../store/database";
import type { DiffEntry, JsonObject, JsonValue } from "../ingest/audit/types";
import type { EpochMicros } from "./trace/types";
import { foldWatchTwins, loadTwinCandidates, mayHaveTwinOutside, TWIN_REACH_MICROS } from "./trace/watchTwins";
import { formatDiffEntry } from "../model/diff/diff";
import { isFailedRequest } from "../model/failedRequest";

export interface Overview {
  clusters: number;
  objects: number;
  historyEntries: number;
  recent: RecentEntry[];
}

export interface RecentEntry {
  id: number;
  objectId: number;
  cluster: string;
  resource: string;
  kind: string | null;
  namespace: string;
  name: string;
  title: string;
  startTime: Date;
  failed: boolean;
  /** An update that changed nothing. */
  noop: boolean;
  /** Up to a few diff lines, `path old -> new`. */
  changes: string[];
}

const MAX_CHANGE_LINES = 5;

/** Totals and the latest history entries, for the home page. */
export async function loadOverview(db: Database, limit = 50): Promise<Overview> {
  const [clusters, objects, historyEntries, rows] = await Promise.all([
    db.prisma.cluster.count(),
    db.prisma.kubeObject.count(),
    db.prisma.historyEntry.count(),
    db.prisma.historyEntry.findMany({
      orderBy: [{ startTime: "desc" }, { id: "desc" }],
      take: limit,
      select: {
        id: true,
        title: true,
        startTime: true,
        statusCode: true,
        source: true,
        details: true,
        diff: true,
        noop: true,
        objectId: true,
        cluster: { select: { name: true } },
        object: { select: { resource: true, kind: true, namespace: true, name: true } },
      },
    }),
  ]);
  const entries = rows.map((row) => ({
    ...row,
    id: Number(row.id),
    objectId: Number(row.objectId),
    start: (row.startTime.getTime() * 1000) as EpochMicros,
    details: (row.details ?? {}) as JsonObject,
    diff: row.diff as DiffEntry[] | null,
  }));
  // A write seen by audit and by a watch is listed once, as its audit entry (trace/watchTwins.ts).
  // The latest entries hold every twin of theirs but those older than the oldest of them, read
  // as far back as the audit entries that decide whose twin each is (TWIN_REACH_MICROS).
  const oldest = entries.at(-1)?.start;
  const nearOldest = oldest === undefined ? [] : entries.filter((entry) => mayHaveTwinOutside(entry, oldest, Number.POSITIVE_INFINITY));
  const outside = nearOldest.length === 0 ? [] : await loadTwinCandidates(db, [...new Set(nearOldest.map((entry) => entry.objectId))], oldest! - TWIN_REACH_MICROS, oldest! + 1);
  return {
    clusters,
    objects,
    historyEntries,
    recent: foldWatchTwins(entries, outside).map((row) => {
      const diff = row.diff ?? [];
      const changes = diff.slice(0, MAX_CHANGE_LINES).map(formatDiffEntry);
      if (diff.length > MAX_CHANGE_LINES) changes.push(`… ${diff.length - MAX_CHANGE_LINES} more`);
      return {
        id: row.id,
        objectId: row.objectId,
        cluster: row.cluster.name,
        ...row.object,
        title: row.title,
        startTime: row.startTime,
        failed: isFailedRequest(row.statusCode, row.details as { failure?: JsonValue } | null),
        noop: row.noop,
        changes,
      };
    }),
  };
}
