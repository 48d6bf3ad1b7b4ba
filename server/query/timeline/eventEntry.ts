import { isJsonObject, type JsonObject, type JsonValue } from "../../ingest/audit/types";
import { instantMicros } from "../../model/time/instant";
import type { TimelineEventDetails, TimelineEventRelated, TimelineEventSummary } from "./types";

/**
 * A Kubernetes Event's history entry read back for the object page: the details that
 * server/ingest/events/observeEvent.ts stores, as typed fields. Lenient: details are JSON that
 * any data source may have written, so a field of another type reads as absent.
 */

/** The details keys read into named fields; any other goes to the panel's "Also recorded". */
export const EVENT_DETAIL_KEYS: ReadonlySet<string> = new Set([
  "reason",
  "message",
  "messageTruncated",
  "messageBytes",
  "count",
  "type",
  "action",
  "reportingInstance",
  "host",
  "fieldPath",
  "firstTimestamp",
  "eventTime",
  "series",
  "related",
  "event",
]);

const text = (value: JsonValue | undefined): string | null => (typeof value === "string" && value !== "" ? value : null);
const whole = (value: JsonValue | undefined): number | null => (typeof value === "number" && Number.isSafeInteger(value) ? value : null);
const micros = (value: JsonValue | undefined): number | null => {
  const written = text(value);
  return written === null ? null : instantMicros(written);
};

/** Reason, type and count: what a mark and its tooltip say. */
export function eventSummaryOf(details: JsonObject): TimelineEventSummary {
  const count = whole(details.count);
  return { reason: text(details.reason), type: text(details.type), count: count !== null && count > 0 ? count : 1 };
}

/** Every field of the Event, for the side panel. `actor` is the entry's: the component that reported it. */
export function eventDetailsOf(details: JsonObject, actor: string): TimelineEventDetails {
  const series = isJsonObject(details.series) ? details.series : null;
  const eventObject = isJsonObject(details.event) ? details.event : {};
  return {
    ...eventSummaryOf(details),
    message: typeof details.message === "string" ? details.message : null,
    messageCutFromBytes: details.messageTruncated === true ? whole(details.messageBytes) : null,
    action: text(details.action),
    reportedBy: actor,
    reportingInstance: text(details.reportingInstance),
    host: text(details.host),
    fieldPath: text(details.fieldPath),
    firstMicros: micros(details.firstTimestamp) ?? micros(details.eventTime),
    series: series ? { count: whole(series.count), lastObservedMicros: micros(series.lastObservedTime) } : null,
    related: isJsonObject(details.related) ? relatedOf(details.related) : null,
    eventObject: { namespace: text(eventObject.namespace), name: text(eventObject.name), uid: text(eventObject.uid) },
  };
}

function relatedOf(related: JsonObject): TimelineEventRelated | null {
  const fields = { kind: text(related.kind), apiVersion: text(related.apiVersion), namespace: text(related.namespace), name: text(related.name), uid: text(related.uid) };
  return fields.kind === null && fields.name === null && fields.uid === null ? null : fields;
}
