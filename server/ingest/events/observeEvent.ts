import type { JsonObject } from "../audit/types";
import type { ObservedHistoryEntry } from "../../plugins/types";
import { CORE_EVENT_API_VERSION, parseKubernetesEvent, type KubernetesEvent, type RelatedObject } from "./kubernetesEvent";
import { regardedObjectIdentity } from "./regardedObject";

/** A title shows the message's first line up to this many characters. */
export const TITLE_MESSAGE_MAX_CHARS = 160;
/** Details keep the message up to this many bytes (UTF-8); longer ones are cut, and say so. */
export const DETAILS_MESSAGE_MAX_BYTES = 8 * 1024;

export type ObservedKubernetesEvent = { ok: true; entry: ObservedHistoryEntry } | { ok: false; problem: string };

/**
 * One Kubernetes Event (core/v1 or events.k8s.io) as one history entry of the object it is
 * about: the occurrence the Event reports as of now. Never throws; `problem` names the field.
 * `hint.apiVersion` is the list's, for items that leave theirs out (parseKubernetesEvent).
 */
export function observeKubernetesEvent(raw: unknown, hint?: { apiVersion?: string }): ObservedKubernetesEvent {
  const parsed = parseKubernetesEvent(raw, hint);
  if (!parsed.ok) return parsed;
  const event = parsed.event;
  const referenceField = event.apiVersion === CORE_EVENT_API_VERSION ? "involvedObject" : "regarding";
  const regarded = regardedObjectIdentity(event.regarding, event.metadata.namespace, referenceField);
  if (!regarded.ok) return regarded;
  const time = occurrenceTime(event);
  if (time === null) return { ok: false, problem: event.apiVersion === CORE_EVENT_API_VERSION ? MISSING_CORE_TIME : MISSING_EVENTS_API_TIME };
  const eventKey = eventIdentityKey(event);
  if (eventKey === null) return { ok: false, problem: "metadata.uid: required (or metadata.name, to tell the event apart)" };
  const count = occurrenceCount(event);
  const actor = actorOf(event);
  return {
    ok: true,
    entry: {
      source: "event",
      key: `${eventKey}:${count}:${time.toISOString()}`,
      object: regarded.object,
      startTime: time,
      endTime: time,
      actor,
      verb: "event",
      title: titleOf(actor, event.reason, event.message),
      details: detailsOf(event, count),
    },
  };
}

const MISSING_CORE_TIME = "lastTimestamp: required (or series.lastObservedTime, eventTime, firstTimestamp, metadata.creationTimestamp)";
const MISSING_EVENTS_API_TIME = "eventTime: required (or series.lastObservedTime, deprecatedLastTimestamp, deprecatedFirstTimestamp, metadata.creationTimestamp)";

/**
 * When the occurrence this observation reports happened: the latest one the Event tells of,
 * as kubectl's LAST SEEN reads it. The newer recorder (client-go tools/events) sets eventTime at
 * the first occurrence and, on repeats, series.lastObservedTime, leaving the lastTimestamp of
 * the older one (tools/record, which moves it and count on) null. The two APIs show the same
 * fields under other names, so one order serves both: an Event read through either gives the
 * same time.
 */
function occurrenceTime(event: KubernetesEvent): Date | null {
  const text =
    event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return text === null ? null : new Date(text);
}

/**
 * How many times the Event has happened, as kubectl counts: the series' count, else the older
 * recorder's count, else 1 (a singleton of the newer recorder has none, or 0).
 */
function occurrenceCount(event: KubernetesEvent): number {
  if (event.series?.count != null) return event.series.count;
  return event.count !== null && event.count > 0 ? event.count : 1;
}

/**
 * What tells this Event apart from every other: its uid; without one (a hand-made file), its
 * namespace and name, which the apiserver keeps unique among live Events. The entry's key adds
 * the occurrence's count and time (observeKubernetesEvent), so that a relist or a re-import of
 * the same state is stored once and each later occurrence is new. The count alone would not
 * do: client-go's newer recorder started a series at count 1 in older releases (the real 1.21
 * data has such series; it starts at 2 now), the count its singleton had before, and a name
 * may come back in another file for another Event.
 */
function eventIdentityKey(event: KubernetesEvent): string | null {
  if (event.metadata.uid !== null) return event.metadata.uid;
  if (event.metadata.name === null) return null;
  return `${event.metadata.namespace ?? ""}/${event.metadata.name}`;
}

/** The component that reported the Event: the newer recorder's controller, else the older's source. */
function actorOf(event: KubernetesEvent): string {
  return event.reportingController ?? event.source.component ?? "unknown";
}

/** `<actor> <reason>: <message's first line>`, the message cut at TITLE_MESSAGE_MAX_CHARS. */
function titleOf(actor: string, reason: string | null, message: string | null): string {
  const head = reason === null ? actor : `${actor} ${reason}`;
  const firstLine = message?.trim().split(/\r?\n/, 1)[0]?.trim() ?? "";
  return firstLine === "" ? head : `${head}: ${cutToChars(firstLine, TITLE_MESSAGE_MAX_CHARS)}`;
}

function detailsOf(event: KubernetesEvent, count: number): JsonObject {
  const details: JsonObject = { reason: event.reason, message: event.message, count, type: event.type };
  if (event.message !== null) {
    const cut = cutToUtf8Bytes(event.message, DETAILS_MESSAGE_MAX_BYTES);
    if (cut !== null) {
      details.message = cut.text;
      details.messageTruncated = true;
      details.messageBytes = cut.originalBytes;
    }
  }
  const optional: Array<[string, string | null]> = [
    ["action", event.action],
    ["reportingInstance", event.reportingInstance],
    ["host", event.source.host],
    ["fieldPath", event.regarding.fieldPath],
    ["firstTimestamp", event.firstTimestamp],
    ["eventTime", event.eventTime],
  ];
  for (const [key, value] of optional) if (value !== null) details[key] = value;
  if (event.series !== null) details.series = { count: event.series.count, lastObservedTime: event.series.lastObservedTime };
  if (event.related !== null) details.related = relatedDetails(event.related);
  const m = event.metadata;
  details.event = { namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion };
  return details;
}

function relatedDetails(related: RelatedObject): JsonObject {
  const fields: JsonObject = { kind: related.kind, namespace: related.namespace, name: related.name, uid: related.uid };
  // The group tells which Deployment or ReplicaSet, when a kind is served by more than one.
  if (related.apiVersion !== null) fields.apiVersion = related.apiVersion;
  return fields;
}

/** `text` cut to `max` characters (code points) with "…" as the last, or as it is when it fits. */
function cutToChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const codePoints = Array.from(text);
  return codePoints.length <= max ? text : `${codePoints.slice(0, max - 1).join("")}…`;
}

/** `text` cut to at most `maxBytes` of UTF-8, whole characters only, and its full size; null when it fits. */
function cutToUtf8Bytes(text: string, maxBytes: number): { text: string; originalBytes: number } | null {
  // A UTF-16 unit takes at most 3 bytes: most messages are known to fit without encoding them.
  if (text.length * 3 <= maxBytes) return null;
  const originalBytes = Buffer.byteLength(text, "utf8");
  if (originalBytes <= maxBytes) return null;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += Buffer.byteLength(char, "utf8");
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return { text: text.slice(0, end), originalBytes };
}
