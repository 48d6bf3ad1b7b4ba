import { WARNING_EVENT_TYPE, type TimelineEntry, type TimelineEventDetails, type TimelineEventSummary } from "@/server/query/timeline/types";
import { formatInstant } from "./format";
import { watchLabelLead } from "./watchText";

/** How the object page words a Kubernetes Event: its marks' labels, its tooltip, its panel's fields. */

/** Whether the Event reports a problem. */
export function isWarning(event: Pick<TimelineEventSummary, "type"> | null): boolean {
  return event?.type === WARNING_EVENT_TYPE;
}

/** `Warning Event`, `Normal Event`, or `Event` when the reporter gave no type. */
export function eventKindName(event: Pick<TimelineEventSummary, "type">): string {
  return event.type === null ? "Event" : `${event.type} Event`;
}

/** `once`, `3 times`. */
export function timesText(count: number): string {
  return count === 1 ? "once" : `${count.toLocaleString("en-US")} times`;
}

/**
 * What a mark is, as a screen reader says it and its keyboard focus shows it: the entry's title
 * and time, led for an Event by its type (`Warning Event: default-scheduler FailedScheduling: …`)
 * and for a watch entry by what the watch saw (`Watched, updated: …`), which its colour and shape
 * say to the eye.
 */
export function markLabel(entry: Pick<TimelineEntry, "title" | "startMicros" | "event"> & { watch?: TimelineEntry["watch"] }): string {
  const lead = entry.event ? `${eventKindName(entry.event)}: ` : entry.watch ? watchLabelLead(entry.watch) : "";
  const seen = entry.event && entry.event.count > 1 ? `, seen ${timesText(entry.event.count)}` : "";
  return `${lead}${entry.title}, ${formatInstant(entry.startMicros)}${seen}`;
}

/**
 * How often the Event happened: `seen once`, or `seen 3 times since 2021-09-13 15:00:36.000000 UTC`
 * (its first occurrence, when told and earlier than the latest, which the entry is timed at).
 */
export function countText(event: Pick<TimelineEventDetails, "count" | "firstMicros">, latestMicros: number): string {
  const since = event.firstMicros !== null && event.firstMicros < latestMicros ? formatInstant(event.firstMicros) : null;
  if (event.count === 1) return since === null ? "seen once" : `seen once (first reported ${since})`;
  return `seen ${timesText(event.count)}${since === null ? "" : ` since ${since}`}`;
}

/** Which instance of the reporter, and on which host: `default-scheduler-…-master-0`, `host ci-…-master-2`; null when neither is told. */
export function reporterWhereText(event: Pick<TimelineEventDetails, "reportingInstance" | "host">): string | null {
  const parts = [event.reportingInstance, event.host === null || event.host === event.reportingInstance ? null : `host ${event.host}`].filter((part): part is string => part !== null);
  return parts.length === 0 ? null : parts.join(" · ");
}

/** An object an Event names: `Node ci-ln-…-master-2`, `Pod openshift-apiserver/apiserver-…` (the parts it has). */
export function objectReferenceText(reference: { kind?: string | null; namespace: string | null; name: string | null }): string {
  const name = reference.name === null ? "(no name)" : `${reference.namespace ? `${reference.namespace}/` : ""}${reference.name}`;
  return reference.kind ? `${reference.kind} ${name}` : name;
}
