import type { Config } from "../../config/config";
import type { ObservedHistoryEntry } from "../../plugins/types";
import type { AdmissionGate } from "../admission";
import type { IngestAuthorizer } from "../auth";
import { InvalidUtf8Error, parseEventListJson } from "../http/eventListJson";
import { admitPost, errorAnswer, quotedPath, type IngestPost, type JsonAnswer } from "../http/jsonPost";
import type { ObservedHistoryIngestor } from "../sources/observedHistoryIngestor";
import { eventsOfDocument } from "./eventsDocument";
import { observeKubernetesEvent } from "./observeEvent";

export interface EventsEndpointDeps {
  config: Pick<Config, "defaultCluster" | "maxBodyBytes" | "maxBatchEvents" | "retryAfterSeconds">;
  authorizer: IngestAuthorizer;
  /** Shared with the audit webhook: what the server holds of bodies in hand stays bounded whichever endpoint they came to. */
  gate: AdmissionGate;
  observedHistoryIngestor: ObservedHistoryIngestor;
}

/** One posted Event that was not stored: its place in what was posted (0 for a single Event), and why. */
export interface EventRejection {
  index: number;
  reason: string;
}

/** What a post stored, once committed: the answer's body. */
export interface EventsPostSummary {
  cluster: string;
  /** Events in the body. */
  received: number;
  /** New history entries stored. */
  stored: number;
  /** Events whose occurrence was stored before (or twice in this body): nothing changed. */
  duplicates: number;
  /** Every Event that was not stored, by index (at most KUBETRAIL_MAX_BATCH_EVENTS of them). */
  rejected: EventRejection[];
  /** Objects made because an Event named one Kubetrail had not seen. */
  placeholders: number;
}

/** The one method the endpoint's paths take: named in the Allow header of a 405. */
export const EVENTS_METHOD = "POST";
const EVENTS_PATHS = "POST /api/events or POST /api/events/{cluster}";

/** Any method but POST on the endpoint's paths: a 405 that names the one it takes. The body, if any, is not read. */
export function eventsMethodNotAllowed(method: string): JsonAnswer {
  return errorAnswer(405, "method_not_allowed", `method ${method} is not allowed here: Kubernetes Events are posted with ${EVENTS_PATHS}`, { headers: { Allow: EVENTS_METHOD } });
}

/** A path below `/api/events/{cluster}/`, with any method: a JSON 404 that names the endpoint's paths. */
export function eventsPathNotFound(path: string): JsonAnswer {
  return errorAnswer(404, "not_found", `no such endpoint: ${quotedPath(path)}; Kubernetes Events are posted with ${EVENTS_PATHS}`);
}

/**
 * `POST /api/events[/{cluster}]`: Kubernetes Events pushed by whoever can read them (an event
 * exporter's webhook, a script for a cluster Kubetrail cannot reach), stored as history of the
 * objects they are about, as the built-in watcher stores them (eventsSource.ts). Authenticated
 * and limited as the audit webhook is. Each Event that cannot be read or stored is rejected on
 * its own, by index, and the rest are stored; 200 only once they are committed. Storing an
 * occurrence again changes nothing (its key: observeEvent.ts), so a sender may retry.
 */
export async function answerEventsPost(post: IngestPost, deps: EventsEndpointDeps): Promise<JsonAnswer> {
  const { config } = deps;
  return admitPost(post, deps, { encodingAdvice: "send the body uncompressed", busy: "too many posts in progress; retry later" }, async (cluster, bytes) => {
    let document: unknown;
    try {
      document = parseEventListJson(bytes);
    } catch (error) {
      if (error instanceof InvalidUtf8Error) return errorAnswer(400, "invalid_encoding", error.message);
      return errorAnswer(400, "invalid_json", `request body is not valid JSON: ${(error as Error).message}`);
    }
    const found = eventsOfDocument(document);
    if (!found.ok) return errorAnswer(400, "invalid_document", found.problem);
    if (found.items.length > config.maxBatchEvents) {
      return errorAnswer(413, "too_many_events", `the body has ${found.items.length} Events, more than the limit of ${config.maxBatchEvents} per request (KUBETRAIL_MAX_BATCH_EVENTS)`);
    }

    let summary: EventsPostSummary;
    try {
      summary = await storeEvents(deps.observedHistoryIngestor, cluster, found.items, found.apiVersionHint);
    } catch (error) {
      // The store failed, not the input: the sender may post the same Events again later.
      console.error(`Kubernetes Events ingest for cluster ${cluster} failed: ${(error as Error).stack ?? error}`);
      return errorAnswer(503, "store_unavailable", "the Events could not be stored; retry later", { headers: { "Retry-After": String(config.retryAfterSeconds) } });
    }
    if (summary.received > 0 && summary.rejected.length === summary.received) {
      const only = summary.received === 1 ? `the Event was rejected: ${summary.rejected[0]!.reason}` : `all ${summary.received} Events were rejected`;
      return errorAnswer(400, "invalid_events", only, { details: { ...summary } });
    }
    return { status: 200, headers: {}, body: summary };
  });
}

/**
 * Reads each item as an Event and stores those that read, in one transaction. Rejections, the
 * reader's and the store's, name the item's index in `items`.
 */
export async function storeEvents(ingestor: ObservedHistoryIngestor, cluster: string, items: readonly unknown[], apiVersionHint: string | undefined): Promise<EventsPostSummary> {
  const entries: ObservedHistoryEntry[] = [];
  /** entries[i] came from items[itemIndexOf[i]]. */
  const itemIndexOf: number[] = [];
  const rejected: EventRejection[] = [];
  items.forEach((item, index) => {
    const observed = observeKubernetesEvent(item, apiVersionHint === undefined ? undefined : { apiVersion: apiVersionHint });
    if (!observed.ok) return void rejected.push({ index, reason: observed.problem });
    entries.push(observed.entry);
    itemIndexOf.push(index);
  });
  const stored = entries.length > 0 ? await ingestor.ingest(cluster, entries) : { stored: 0, duplicates: 0, rejected: [], placeholders: 0 };
  for (const rejection of stored.rejected) rejected.push({ index: itemIndexOf[rejection.index]!, reason: rejection.reason });
  rejected.sort((a, b) => a.index - b.index);
  return { cluster, received: items.length, stored: stored.stored, duplicates: stored.duplicates, rejected, placeholders: stored.placeholders };
}
