import { parseEventListJson } from "../../server/ingest/http/eventListJson";
import { isJsonObject, type JsonObject } from "../../server/ingest/audit/types";
import { diffObjects } from "../../server/model/diff/diff";
import { copyRow } from "../../server/store/copyText";

/**
 * The floor of `npm run bench:cpu`: the least an ingest that kept every object's latest body in
 * memory could do with the workload's batches, with the project's own parser, differ and COPY
 * text. For each write: parse, diff against the object's previous body (a snapshot when there
 * is none), and make a history row's COPY text of its details and change. Reads are skipped.
 *
 * Left out, though a real ingest must do them: validation, redaction, relations, receipts,
 * read counters, and everything between the server and Postgres. So no ingest can cost less
 * than this; the report's ingest / floor says how far the store's design is from it.
 */
export interface FloorResult {
  /** History rows made (writes with a body or without). */
  rows: number;
  /** Characters of COPY text made, so that none of the work can be optimised away. */
  chars: number;
}

const READ_VERBS = new Set(["get", "list", "watch"]);

/** A key per object; names of `generateName` creates come from their body, as ingest infers them. */
function objectKey(event: JsonObject, body: JsonObject | null): string {
  const ref = isJsonObject(event.objectRef) ? event.objectRef : {};
  const metadata = body && isJsonObject(body.metadata) ? body.metadata : {};
  return `${String(ref.resource)}/${String(ref.namespace ?? "")}/${String(ref.name ?? metadata.name ?? "")}`;
}

/** The object's body after the request: the response's, unless that is a Status (a refusal, a delete's answer). */
function bodyOf(event: JsonObject): JsonObject | null {
  for (const candidate of [event.responseObject, event.requestObject]) {
    if (isJsonObject(candidate) && candidate.kind !== "Status" && isJsonObject(candidate.metadata)) return candidate;
  }
  return null;
}

export function floorPass(bodies: readonly Uint8Array[], latest = new Map<string, JsonObject>()): FloorResult {
  const result: FloorResult = { rows: 0, chars: 0 };
  for (const bytes of bodies) {
    const list = parseEventListJson(bytes) as { items: JsonObject[] };
    let text = "";
    for (const event of list.items) {
      if (READ_VERBS.has(String(event.verb))) continue;
      const body = bodyOf(event);
      const key = objectKey(event, body);
      const previous = latest.get(key);
      let change: unknown = null;
      if (body) {
        change = previous ? diffObjects(previous, body) : body;
        latest.set(key, body);
      }
      const details = {
        auditID: event.auditID,
        user: event.user,
        userAgent: event.userAgent,
        sourceIPs: event.sourceIPs,
        responseStatus: event.responseStatus,
        annotations: event.annotations,
      };
      text += copyRow([String(event.auditID), String(event.verb), String(event.requestReceivedTimestamp), String(event.stageTimestamp), JSON.stringify(details), JSON.stringify(change)]);
      result.rows++;
    }
    result.chars += text.length;
  }
  return result;
}
