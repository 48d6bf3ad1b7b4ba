import { isJsonObject, type JsonObject } from "../audit/types";

/** Who wrote an object last, as its metadata.managedFields tell. */
export interface LatestWriters {
  /** The managers of the entries with the latest time, each once, in the order the object lists them. */
  managers: string[];
  /** That time (ISO 8601, as managedFields give it: to the second). */
  at: string;
  /** The subresource those entries were written through, when they all say the same one ("status"). */
  subresource: string | null;
}

/**
 * The field managers whose managedFields entries carry the object's latest `time`: kube-apiserver
 * stamps the entry of the manager that writes (refreshing its time), so the latest one names the
 * last writer, to the second. Null when the object has no entry with a readable time (managed
 * fields turned off, a body from a client that strips them). Two managers at the same second
 * are both named: which of them wrote last is not known.
 */
export function latestWriters(object: JsonObject): LatestWriters | null {
  const metadata = isJsonObject(object.metadata) ? object.metadata : null;
  const entries = Array.isArray(metadata?.managedFields) ? metadata.managedFields.filter(isJsonObject) : [];
  let latest = Number.NEGATIVE_INFINITY;
  let chosen: Array<{ manager: string; subresource: string | null; time: string }> = [];
  for (const entry of entries) {
    if (typeof entry.manager !== "string" || entry.manager === "" || typeof entry.time !== "string") continue;
    const time = Date.parse(entry.time);
    if (Number.isNaN(time) || time < latest) continue;
    const written = { manager: entry.manager, subresource: typeof entry.subresource === "string" && entry.subresource !== "" ? entry.subresource : null, time: entry.time };
    if (time > latest) chosen = [];
    latest = time;
    chosen.push(written);
  }
  if (chosen.length === 0) return null;
  const subresources = new Set(chosen.map((entry) => entry.subresource));
  return {
    managers: [...new Set(chosen.map((entry) => entry.manager))],
    at: new Date(latest).toISOString().replace(".000Z", "Z"),
    subresource: subresources.size === 1 ? [...subresources][0]! : null,
  };
}
