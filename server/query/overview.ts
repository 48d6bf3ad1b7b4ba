import type { Database } from "../store/database";
import type { DiffEntry, JsonValue } from "../ingest/audit/types";
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
        details: true,
        diff: true,
        noop: true,
        objectId: true,
        cluster: { select: { name: true } },
        object: { select: { resource: true, kind: true, namespace: true, name: true } },
      },
    }),
  ]);
  return {
    clusters,
    objects,
    historyEntries,
    recent: rows.map((row) => {
      const diff = (row.diff as DiffEntry[] | null) ?? [];
      const changes = diff.slice(0, MAX_CHANGE_LINES).map(formatDiffEntry);
      if (diff.length > MAX_CHANGE_LINES) changes.push(`… ${diff.length - MAX_CHANGE_LINES} more`);
      return {
        id: Number(row.id),
        objectId: Number(row.objectId),
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
