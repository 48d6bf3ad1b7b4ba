import type { TimelineEntry, TimelineWatchSummary, WatchEventType } from "@/server/query/timeline/types";

/** How the object page words a watch entry: its marks' labels, its tooltip, its panel's fields. */

/** What the source was: the panel's and the tooltip's first words for a watch entry. */
export const OBSERVED_BY_WATCH = "observed by a watch";

/** What each watch event means, in a word (and why, where the word alone would puzzle). */
const WATCH_EVENT_WORDS: Record<WatchEventType, string> = {
  LISTED: "listed (it already existed)",
  ADDED: "created",
  MODIFIED: "updated",
  DELETED: "deleted",
  GONE: "gone (deleted while not watched)",
};

/** `updated`, `listed (it already existed)`, …; `reported` when the entry names no known event. */
export function watchEventText(event: WatchEventType | null): string {
  return event === null ? "reported" : WATCH_EVENT_WORDS[event];
}

/** The managers as one line, `kube-controller-manager`, `kubectl, helm`; null when none is known. */
export function managersText(watch: Pick<TimelineWatchSummary, "managers">): string | null {
  return watch.managers.length === 0 ? null : watch.managers.join(", ");
}

/** The tooltip's line for a watch entry: `observed by a watch · updated · kube-controller-manager · status`. */
export function watchSummaryText(watch: TimelineWatchSummary): string {
  return [OBSERVED_BY_WATCH, watchEventText(watch.event), managersText(watch), watch.subresource].filter((part): part is string => part !== null).join(" · ");
}

/** A watch mark's screen-reader lead, which its diamond shows to the eye: `Watched, updated: `. */
export function watchLabelLead(watch: Pick<TimelineWatchSummary, "event">): string {
  return `Watched, ${watchEventText(watch.event)}: `;
}

/** Why a watch entry lists no change: what it holds instead. */
export function whyNoWatchDiff(entry: Pick<TimelineEntry, "hasSnapshot"> & { watch: Pick<TimelineWatchSummary, "event"> }): string {
  const snapshot = entry.hasSnapshot ? ": see the snapshot." : ".";
  switch (entry.watch.event) {
    case "ADDED":
      return `Created${snapshot}`;
    case "LISTED":
      return entry.hasSnapshot ? "First seen by the watch (it already existed): see the snapshot." : "None: the watch listed it as it had last seen it.";
    case "DELETED":
      return `Deleted${snapshot}`;
    case "GONE":
      return entry.hasSnapshot ? "Deleted while not watched: the snapshot is the last version the watch saw." : "Deleted while not watched.";
    default:
      return "None: the watch saw no change besides its resourceVersion.";
  }
}
