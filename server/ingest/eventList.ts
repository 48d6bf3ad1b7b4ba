import type { AuditIngestor, IngestSummary } from "./audit/ingest";
import { DEFAULT_MAX_BATCH_EVENTS } from "./audit/defaults";
import { parseEventListEnvelope } from "./audit/eventSchema";
import { InvalidUtf8Error, parseEventListJson } from "./http/eventListJson";

/**
 * What became of one webhook body: stored (a summary, which may still reject some events), or
 * refused whole because it is not an EventList. A failing store is neither: the promise
 * rejects, and the caller answers "retry later".
 */
export type EventListOutcome =
  | { ok: true; summary: IngestSummary }
  | { ok: false; code: EventListErrorCode; message: string };

/** Why a body was refused whole (answered 413 for too many events, else 400). */
export type EventListErrorCode = "invalid_encoding" | "invalid_json" | "invalid_event_list" | "too_many_events";

/** Stores the audit events of one webhook body (an `audit.k8s.io` EventList as UTF-8 JSON). */
export interface EventListIngestor {
  ingest(cluster: string, body: Uint8Array): Promise<EventListOutcome>;
}

/**
 * Parses, checks and stores one body on this thread. The body is parsed once the batch's
 * transaction is on its way (AuditIngestor.ingest), so that parsing hides the round trip of
 * its BEGIN; a body that is no EventList is refused whole, and then nothing is stored.
 */
export async function ingestEventList(
  ingestor: AuditIngestor,
  cluster: string,
  body: Uint8Array,
  maxEvents: number = DEFAULT_MAX_BATCH_EVENTS,
): Promise<EventListOutcome> {
  let refusal: Extract<EventListOutcome, { ok: false }> | null = null;
  const summary = await ingestor.ingest(cluster, () => {
    const read = readEventList(body, maxEvents);
    if (read.ok) return read.items;
    refusal = read;
    return [];
  });
  return refusal ?? { ok: true, summary };
}

/** The items of an EventList body of at most `maxEvents` items, or why it is none. */
function readEventList(body: Uint8Array, maxEvents: number): { ok: true; items: unknown[] } | Extract<EventListOutcome, { ok: false }> {
  let document: unknown;
  try {
    document = parseEventListJson(body);
  } catch (error) {
    if (error instanceof InvalidUtf8Error) return { ok: false, code: "invalid_encoding", message: error.message };
    return { ok: false, code: "invalid_json", message: `request body is not valid JSON: ${(error as Error).message}` };
  }
  const envelope = parseEventListEnvelope(document);
  if (!envelope.ok) return { ok: false, code: "invalid_event_list", message: envelope.error };
  if (envelope.items.length > maxEvents) {
    return { ok: false, code: "too_many_events", message: `the EventList has ${envelope.items.length} events, more than the limit of ${maxEvents} per request (KUBETRAIL_MAX_BATCH_EVENTS)` };
  }
  return { ok: true, items: envelope.items };
}
