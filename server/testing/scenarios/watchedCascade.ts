import { isJsonObject, type DiffEntry, type JsonObject } from "../../ingest/audit/types";
import { diffObjects } from "../../model/diff/diff";
import type { Sql } from "../../store/database";
import type { CascadeStep } from "./openshiftCascade";

/**
 * What a watch of one object of the OpenShift rollout (./openshiftCascade.ts) would have stored:
 * the history entries the watch contract (store: source "watch") describes, one per version of
 * the object, from the real successive bodies the scenario's audit events return. For the views'
 * tests while the store's watch writer is not on this branch: the rows go in by SQL.
 *
 * Derived, per version, from the audit event that made it:
 * - resourceVersion and body: the response's (the real objects' bodies; they carry no
 *   managedFields, which the store strips anyway);
 * - when observed: the write's stageTimestamp plus WATCH_DELAY_MS (a watch sees a write after it is stored);
 * - manager: what kube-apiserver names a write's field manager when the client gives none, the
 *   user agent up to its first "/" (`kube-controller-manager`, `kubectl`); its subresource the request's;
 * - diff against the previous version the watch saw, snapshot on first sight (ADDED).
 */

/** How long after a write the watch reports it: well under a second normally; more makes a range's edge fall between the two. */
export const WATCH_DELAY_MS = 1200;

/** A watch entry as history_entries holds it (the columns the views read). */
export interface WatchRow {
  startTime: Date;
  actor: string;
  verb: string;
  subresource: string;
  title: string;
  details: JsonObject;
  diff: DiffEntry[] | null;
  snapshot: JsonObject | null;
}

/** The versions of object `resource`/`name` the scenario's writes made, oldest first: its body after each write that returned it. */
export function versionsOf(steps: CascadeStep[], resource: string, name: string): Array<{ step: CascadeStep; body: JsonObject; resourceVersion: string }> {
  const versions: Array<{ step: CascadeStep; body: JsonObject; resourceVersion: string }> = [];
  for (const step of steps) {
    const event = step.event as JsonObject;
    const ref = event.objectRef as JsonObject;
    const body = event.responseObject;
    if (ref.resource !== resource || ref.name !== name || !isJsonObject(body) || body.kind === "Status") continue;
    const metadata = body.metadata as JsonObject;
    versions.push({ step, body, resourceVersion: String(metadata.resourceVersion) });
  }
  return versions;
}

/** The field manager kube-apiserver defaults a write's to: its user agent up to the first "/". */
export const managerOf = (userAgent: string) => userAgent.split("/")[0]!;

/**
 * The watch entries of `versions` (a watch that saw them all, the first as ADDED): actor, verb,
 * title and details as the watch contract has them.
 */
export function watchRowsOf(versions: ReturnType<typeof versionsOf>): WatchRow[] {
  return versions.map(({ step, body, resourceVersion }, index) => {
    const event = step.event as JsonObject;
    const subresource = typeof (event.objectRef as JsonObject).subresource === "string" ? ((event.objectRef as JsonObject).subresource as string) : "";
    const manager = managerOf(String(event.userAgent));
    const previous = index > 0 ? versions[index - 1]! : null;
    const added = previous === null;
    const verb = added ? "create" : "update";
    return {
      startTime: new Date(Date.parse(String(event.stageTimestamp)) + WATCH_DELAY_MS),
      actor: manager,
      verb,
      subresource,
      title: `${manager} ${verb}${subresource ? ` ${subresource}` : ""} (watched)`,
      details: {
        watchEvent: added ? "ADDED" : "MODIFIED",
        resourceVersionAfter: resourceVersion,
        ...(previous ? { resourceVersionBefore: previous.resourceVersion } : {}),
        managers: [manager],
        managedAt: new Date(Date.parse(String(event.stageTimestamp))).toISOString().replace(/\.\d+Z$/, "Z"),
        ...(subresource ? { subresource } : {}),
      },
      diff: previous ? diffObjects(previous.body, body) : null,
      snapshot: added ? body : null,
    };
  });
}

/** Stores `rows` as watch entries of object `objectId` (its cluster's), as the store's watch writer would. Returns their ids. */
export async function insertWatchRows(sql: Sql, objectId: number, rows: WatchRow[]): Promise<number[]> {
  const ids: number[] = [];
  for (const row of rows) {
    const inserted = await sql.query<{ id: string | number }>(
      `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, subresource, title, details, diff, snapshot, noop)
       SELECT o.id, o.cluster_id, 'watch', $2, $2, $3, $4, $5, $6, $7::json, $8::json, $9::json, false FROM objects o WHERE o.id = $1
       RETURNING id`,
      [objectId, row.startTime, row.actor, row.verb, row.subresource, row.title, JSON.stringify(row.details), row.diff === null ? null : JSON.stringify(row.diff), row.snapshot === null ? null : JSON.stringify(row.snapshot)],
    );
    if (inserted.rows.length !== 1) throw new Error(`no object ${objectId} to store a watch entry of`);
    ids.push(Number(inserted.rows[0]!.id));
  }
  return ids;
}
