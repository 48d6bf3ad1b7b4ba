import type { JsonObject, JsonValue } from "../../ingest/audit/types";
import { instantMicros } from "../../model/time/instant";
import { WATCH_DETAIL_KEYS } from "../trace/display/common";
import { WATCH_EVENTS, type TimelineWatchDetails, type TimelineWatchSummary, type WatchEventType } from "./types";

/**
 * A watch's history entry read back for the object page: the details the store keeps of it
 * (server/plugins/types.ts ObservedHistoryEntry: watchEvent, managers, managedAt, subresource,
 * resourceVersionBefore/After) as typed fields. Lenient, as eventEntry.ts is: a field of another
 * type reads as absent.
 */

/** The details keys read into named fields; any other goes to the panel's "Also recorded". */
export const WATCH_ENTRY_DETAIL_KEYS: ReadonlySet<string> = new Set([...WATCH_DETAIL_KEYS, "resourceVersionBefore", "resourceVersionAfter"]);

const text = (value: JsonValue | undefined): string | null => (typeof value === "string" && value !== "" ? value : null);
const isWatchEvent = (value: string | null): value is WatchEventType => value !== null && (WATCH_EVENTS as readonly string[]).includes(value);

/** The watch event, managers and subresource: what a mark and its tooltip say. `subresource` is the entry's column, which the details' may fill. */
export function watchSummaryOf(details: JsonObject, subresource: string): TimelineWatchSummary {
  const event = text(details.watchEvent);
  const managers = Array.isArray(details.managers) ? details.managers.filter((m): m is string => typeof m === "string" && m !== "") : [];
  return { event: isWatchEvent(event) ? event : null, managers, subresource: subresource !== "" ? subresource : text(details.subresource) };
}

/** Every field of the watch entry, for the side panel. */
export function watchDetailsOf(details: JsonObject, subresource: string): TimelineWatchDetails {
  const managedAt = text(details.managedAt);
  return {
    ...watchSummaryOf(details, subresource),
    managedAtMicros: managedAt === null ? null : instantMicros(managedAt),
    resourceVersionBefore: text(details.resourceVersionBefore),
    resourceVersionAfter: text(details.resourceVersionAfter),
  };
}
