import { parseEventListJson } from "../../server/ingest/http/eventListJson";
import { parseAuditEvent } from "../../server/ingest/audit/eventSchema";
import { convertAuditEvent } from "../../server/ingest/audit/convert";
import { computeChange } from "../../server/ingest/audit/change";
import { unstorableText } from "../../server/ingest/audit/storableText";
import type { AuditWrite, ConvertOptions, JsonObject } from "../../server/ingest/audit/types";
// Through the namespace: bench:compare runs this checkout's bench/ against older server code,
// which did not export the last two (see leanPassAvailable).
import * as auditWriter from "../../server/store/auditWriter";
import { CopyTextBuilder } from "../../server/store/copyText";
import { objectKeyOf } from "../../server/store/objectKey";
import { observeRelations } from "../../server/store/relationWriter";
import { claimKey } from "../../server/model/links/claims";
import { toDisplay } from "../../server/model/redact/redact";
import type { Linker } from "../../server/model/links/types";

/**
 * The lean pass of `npm run bench:cpu`: what a store that kept every object in memory and wrote
 * only appends on the hot path would still have to do on the server, done with the project's own
 * code. It is the floor (floor.ts) plus what the floor leaves out but no design can:
 *
 * - validation and conversion of every event (parseAuditEvent, convertAuditEvent: redaction,
 *   titles, details, the linkers' claims on a write's body), and the check for unstorable text;
 * - dedup by receipt, against a set here where a store would have an index, and the receipts' COPY text;
 * - per write: the change against the object's state held in memory (computeChange, as
 *   planWrites calls it), the state kept without managedFields, the details' JSON with the patch,
 *   a snapshot for display, the history row's COPY text (historyCopyRow);
 * - relations: the claims of each new body (observeRelations), compared with the object's open
 *   ones held in memory, as a relation writer working from memory would;
 * - read counters, per minute, verb, resource, user and code, in memory.
 *
 * Left out: Postgres and its protocol (bench:cpu measures Postgres's CPU for ingest alone),
 * object ids, placeholders, late writes (placing them among stored versions), and the
 * bookkeeping a write-behind store needs (what to flush, recovery). So a store of that design
 * costs more than this, never less; ingest / lean says how much of ingest's CPU is the
 * present store's reads, updates and locks rather than work any design must do.
 */
export interface LeanResult {
  /** History rows made. */
  rows: number;
  /** Relations opened and closed against the objects' open ones. */
  relationChanges: number;
  /** Characters of COPY text made (history and receipts), so that none of the work can be optimised away. */
  chars: number;
}

/** What the lean pass holds between batches: every object's latest state, open relations, receipts, counters. */
export class LeanMemory {
  readonly objects = new Map<string, { id: number; state: JsonObject | null; resourceVersion: string | null }>();
  readonly openClaims = new Map<number, Set<string>>();
  readonly receipts = new Set<string>();
  readonly readCounts = new Map<string, number>();
  nextId = 1;
}

const CLUSTER_ID = 1;
const { detailsJson } = auditWriter;

/** Whether the server code at hand exports what the lean pass needs (from 2026-12-06 18:00). */
export function leanPassAvailable(): boolean {
  return typeof auditWriter.historyCopyRow === "function" && typeof auditWriter.withoutManagedFields === "function";
}

export function leanPass(bodies: readonly Uint8Array[], options: ConvertOptions, linkers: readonly Linker[], memory = new LeanMemory()): LeanResult {
  const result: LeanResult = { rows: 0, relationChanges: 0, chars: 0 };
  for (const bytes of bodies) {
    const items = (parseEventListJson(bytes) as { items: unknown[] }).items;
    const history = new CopyTextBuilder();
    const receipts = new CopyTextBuilder();
    const observations: Parameters<typeof observeRelations>[0][number][] = [];
    for (const item of items) {
      const parsed = parseAuditEvent(item);
      if (!parsed.ok) throw new Error(`the workload holds an invalid event: ${parsed.error}`);
      const event = convertAuditEvent(parsed.event, options);
      if (unstorableText(event) !== null) throw new Error("the workload holds unstorable text");
      // Its own key, not the store's receiptId: bench:compare runs this file against older server code.
      const id = `${event.auditId}\u0000${event.stage}\u0000${event.requestReceived}`;
      if (memory.receipts.has(id)) continue;
      memory.receipts.add(id);
      receipts.addRow([CLUSTER_ID, event.auditId, event.stage, event.requestReceived]);
      if (event.kind === "read") {
        const key = `${event.minute.getTime()}\u0000${event.verb}\u0000${event.resource}\u0000${event.username}\u0000${event.code}`;
        memory.readCounts.set(key, (memory.readCounts.get(key) ?? 0) + 1);
        continue;
      }
      if (event.kind !== "write") continue;
      observations.push(...storeWriteInMemory(event, memory, history));
      result.rows++;
    }
    for (const relation of observeRelations(observations, linkers)) {
      const open = memory.openClaims.get(relation.objectId) ?? new Set<string>();
      const now = new Set((relation.claims ?? []).map(claimKey));
      for (const key of open) if (!now.has(key)) result.relationChanges++;
      for (const key of now) if (!open.has(key)) result.relationChanges++;
      memory.openClaims.set(relation.objectId, now);
    }
    for (const piece of [...history.take(), ...receipts.take()]) result.chars += piece.length;
  }
  return result;
}

/** One write against the object's state in memory: its history row, and what the relation writer is to observe. */
function storeWriteInMemory(write: AuditWrite, memory: LeanMemory, history: CopyTextBuilder): Parameters<typeof observeRelations>[0] {
  const key = objectKeyOf(CLUSTER_ID, write.object);
  let object = memory.objects.get(key);
  if (!object) memory.objects.set(key, (object = { id: memory.nextId++, state: null, resourceVersion: null }));
  const rvBefore = object.resourceVersion;
  const change = computeChange({ state: object.state, resourceVersion: object.resourceVersion }, write);
  if (change.nextState) {
    object.state = auditWriter.withoutManagedFields(change.nextState);
    object.resourceVersion = write.details.resourceVersionAfter ?? null;
  }
  const details: JsonObject = { ...(write.details as unknown as JsonObject), level: write.level, stage: write.stage };
  if (rvBefore) details.resourceVersionBefore = rvBefore;
  const detailsText = detailsJson(details, write.patch, change.diff !== null);
  history.addRow(auditWriter.historyCopyRow(object.id, CLUSTER_ID, write, detailsText, change.diff, change.snapshot ? toDisplay(change.snapshot) : null, change.noop));
  if (!change.nextState && !change.deleted) return [];
  return [{ objectId: object.id, identity: write.object, at: write.endTime, state: object.state, deleted: change.deleted, claims: change.nextState ? write.claims : undefined }];
}
