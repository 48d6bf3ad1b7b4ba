/**
 * What a value read from an Events file holds: the Events in it, each with the apiVersion of the
 * list it came in (for items that leave theirs out). A value is an Event (or what should be one),
 * a list (`items`), an array, or a watch event `{type, object}` as `kubectl get events -o json
 * --watch-only --output-watch-events` writes them. Nothing is dropped unsaid: a watch's ERROR is
 * a rejection, a BOOKMARK (a resourceVersion, no Event) is counted as skipped.
 */

export type EventValue =
  | { kind: "event"; raw: unknown; apiVersionHint: string | undefined }
  | { kind: "skipped"; reason: string }
  | { kind: "rejected"; reason: string; example: string | null };

/** Lists in arrays in lists…: deeper than this, a value is not taken apart. */
const MAX_NESTING = 4;

export const BOOKMARK_REASON = "watch bookmarks, which hold no Event";

/** The Events in `value` (read with `listApiVersion` as its list's), in order. */
export function eventValuesOf(value: unknown, listApiVersion: string | undefined, out: EventValue[] = [], depth = 0): EventValue[] {
  if (depth > MAX_NESTING) {
    out.push({ kind: "rejected", reason: `lists nested more than ${MAX_NESTING} deep`, example: null });
    return out;
  }
  if (Array.isArray(value)) {
    for (const item of value) eventValuesOf(item, listApiVersion, out, depth + 1);
    return out;
  }
  if (!isObject(value)) {
    out.push({ kind: "event", raw: value, apiVersionHint: listApiVersion });
    return out;
  }
  if (Array.isArray(value.items)) {
    const own = typeof value.apiVersion === "string" ? value.apiVersion : listApiVersion;
    for (const item of value.items) eventValuesOf(item, own, out, depth + 1);
    return out;
  }
  const watched = watchEventOf(value);
  if (watched === null) {
    out.push({ kind: "event", raw: value, apiVersionHint: listApiVersion });
  } else if (watched.type === "ERROR") {
    // The object is a Status: why the watch ended (e.g. 410 Gone, "too old resource version").
    const message = isObject(watched.object) && typeof watched.object.message === "string" ? watched.object.message : null;
    out.push({ kind: "rejected", reason: "watch ERROR: the watch failed, no Event", example: message });
  } else if (watched.type === "BOOKMARK") {
    out.push({ kind: "skipped", reason: BOOKMARK_REASON });
  } else {
    // ADDED and MODIFIED, and DELETED too: the Event's last state still tells of an occurrence
    // (stored once, by its key, however many of these repeat it).
    eventValuesOf(watched.object, listApiVersion, out, depth + 1);
  }
  return out;
}

/** `{type, object}` of a watch, not an Event (which has a `type` of its own, "Normal" or "Warning", but no `object`). */
function watchEventOf(value: Record<string, unknown>): { type: string; object: unknown } | null {
  if (typeof value.type !== "string" || !("object" in value) || "involvedObject" in value || "regarding" in value || "kind" in value) return null;
  return { type: value.type, object: value.object };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What a value that is no Event is, for the summary of a file of which nothing could be stored:
 * `Deployment (apps/v1)`, `Event (audit.k8s.io/v1)`, `text`.
 */
export function describeFound(raw: unknown): string {
  if (typeof raw === "string") return "text (a YAML document that is only a string: a table from kubectl get without -o yaml?)";
  if (raw === null) return "an empty value";
  if (typeof raw !== "object") return `a ${typeof raw}`;
  if (Array.isArray(raw)) return "an array";
  const { kind, apiVersion } = raw as { kind?: unknown; apiVersion?: unknown };
  if (typeof kind !== "string") return "an object without a kind";
  return typeof apiVersion === "string" ? `${kind} (${apiVersion})` : kind;
}
