import { describeValue } from "../audit/eventSchema";
import { CORE_EVENT_API_VERSION, EVENTS_API_VERSIONS } from "./kubernetesEvent";

/**
 * The Kubernetes Events a posted JSON document holds, in the shapes senders use: one Event (an
 * event exporter's webhook posts each Event so, often without kind and apiVersion: a typed Go
 * client leaves them out), an `EventList` as the API lists them (its items without kind and
 * apiVersion: the list's tell them), a `List` as `kubectl get events -o json` prints (each item
 * with its own), or a JSON array of Events. Only the document's shape is checked here: each item
 * is read, and rejected on its own, by observeKubernetesEvent.
 */
export type EventsDocument =
  | {
      ok: true;
      items: unknown[];
      /** The EventList's apiVersion, for items that leave theirs out (observeKubernetesEvent's hint). */
      apiVersionHint: string | undefined;
    }
  | { ok: false; problem: string };

const EVENT_API_VERSIONS: readonly string[] = [CORE_EVENT_API_VERSION, ...EVENTS_API_VERSIONS];
const EXPECTED = "a Kubernetes Event, an EventList or List of Events, or a JSON array of Events";

export function eventsOfDocument(document: unknown): EventsDocument {
  if (Array.isArray(document)) return { ok: true, items: document, apiVersionHint: undefined };
  if (typeof document !== "object" || document === null) return { ok: false, problem: `expected ${EXPECTED}, got ${describeValue(document)}` };
  const fields = document as Record<string, unknown>;
  const { kind, apiVersion } = fields;
  if (typeof apiVersion === "string" && apiVersion.startsWith("audit.k8s.io/")) {
    // The audit webhook's kubeconfig pointed here by mistake: say where its batches go.
    return { ok: false, problem: `this is an audit ${typeof kind === "string" ? kind : "document"} (apiVersion ${apiVersion}): post audit events to /api/audit/{cluster}` };
  }
  if (kind === "EventList" || kind === "List" || (kind === undefined && "items" in fields)) {
    if (!Array.isArray(fields.items)) return { ok: false, problem: `items: expected an array of Events, got ${describeValue(fields.items)}` };
    if (kind !== "EventList" || apiVersion === undefined) return { ok: true, items: fields.items, apiVersionHint: undefined };
    // An EventList's items are Events of its own API: one it does not name is no EventList of Events.
    if (typeof apiVersion !== "string" || !EVENT_API_VERSIONS.includes(apiVersion)) {
      return { ok: false, problem: `apiVersion: expected ${EVENT_API_VERSIONS.join(", ")} for an EventList, got ${describeValue(apiVersion)}` };
    }
    return { ok: true, items: fields.items, apiVersionHint: apiVersion };
  }
  if (kind === undefined || kind === "Event") return { ok: true, items: [document], apiVersionHint: undefined };
  return { ok: false, problem: `kind: expected Event, EventList or List, got ${describeValue(kind)}` };
}
