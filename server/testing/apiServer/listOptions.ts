import { badRequest, invalidListOptions, StatusError, unsupportedOption, type FieldError } from "./status";

/**
 * The query of a list or watch request, decoded and validated as kube-apiserver does
 * (ListOptions conversion, then k8s.io/apimachinery ValidateListOptions). Parameters this server
 * does not model are refused with a 400 rather than ignored; unknown ones are ignored, as there.
 */

/** What a resourceVersion parameter asks for. */
export type RequestedVersion =
  /** Unset or "": the newest state (a consistent read). */
  | { kind: "newest" }
  /** "0": any state the server has; this server serves its newest. */
  | { kind: "any" }
  | { kind: "at"; resourceVersion: number };

export type VersionMatch = "" | "Exact" | "NotOlderThan";

interface CommonOptions {
  resourceVersion: RequestedVersion;
  /** Positive: the server ends the watch, or may end the list, after this many seconds. */
  timeoutSeconds?: number;
}

export interface ListOptions extends CommonOptions {
  watch: false;
  resourceVersionMatch: VersionMatch;
  /** 0 when unset: no limit. */
  limit: number;
  /** "" when unset. */
  continueToken: string;
}

export interface WatchOptions extends CommonOptions {
  watch: true;
  allowWatchBookmarks: boolean;
}

/** Selectors and streaming lists: refused when given a value, as this server cannot honour them. */
const UNSUPPORTED_WHEN_SET = ["labelSelector", "fieldSelector", "shardSelector"] as const;

/** The parameter's first value, as Go's url.Values.Get and the ListOptions conversion take it; undefined when absent. */
function first(query: URLSearchParams, name: string): string | undefined {
  return query.has(name) ? query.get(name)! : undefined;
}

/** apimachinery's Convert_Slice_string_To_bool: present means true, unless "0" or "false" (any case). */
function flag(query: URLSearchParams, name: string): boolean {
  const value = first(query, name);
  return value !== undefined && value !== "0" && value.toLowerCase() !== "false";
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const value = first(query, name);
  if (value === undefined || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) throw new StatusError(badRequest(`${name}: invalid value "${value}": not an integer`));
  return Number(value);
}

function requestedVersion(raw: string): RequestedVersion {
  if (raw === "") return { kind: "newest" };
  if (raw === "0") return { kind: "any" };
  if (!/^\d+$/.test(raw)) throw new StatusError(badRequest(`resourceVersion: Invalid value: "${raw}": strconv.ParseUint: parsing "${raw}": invalid syntax`));
  return { kind: "at", resourceVersion: Number(raw) };
}

/** Decodes and validates a collection request's query; throws a StatusError with the answer when it is refused. */
export function parseCollectionQuery(query: URLSearchParams): ListOptions | WatchOptions {
  for (const name of UNSUPPORTED_WHEN_SET) if (first(query, name)) throw new StatusError(unsupportedOption(name));
  const watch = flag(query, "watch");
  const rawVersion = first(query, "resourceVersion") ?? "";
  const match = first(query, "resourceVersionMatch") ?? "";
  const continueToken = first(query, "continue") ?? "";
  const timeout = integer(query, "timeoutSeconds");
  const timeoutSeconds = timeout !== undefined && timeout > 0 ? timeout : undefined;

  if (watch) {
    // WatchList (sendInitialEvents) streams a list as watch events; not modelled here.
    if (query.has("sendInitialEvents")) throw new StatusError(unsupportedOption("sendInitialEvents"));
    const errors: FieldError[] = [];
    if (match !== "") {
      errors.push({ type: "Forbidden", field: "resourceVersionMatch", detail: "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided" });
      if (match !== "NotOlderThan") errors.push({ type: "NotSupported", field: "resourceVersionMatch", value: match, supported: ["NotOlderThan"] });
      if (continueToken !== "") errors.push({ type: "Forbidden", field: "resourceVersionMatch", detail: "resourceVersionMatch is forbidden when continue is provided" });
    }
    if (errors.length > 0) throw new StatusError(invalidListOptions(errors));
    return { watch: true, resourceVersion: requestedVersion(rawVersion), allowWatchBookmarks: flag(query, "allowWatchBookmarks"), ...(timeoutSeconds ? { timeoutSeconds } : {}) };
  }

  const errors: FieldError[] = [];
  if (match !== "") {
    if (rawVersion === "") errors.push({ type: "Forbidden", field: "resourceVersionMatch", detail: "resourceVersionMatch is forbidden unless resourceVersion is provided" });
    if (continueToken !== "") errors.push({ type: "Forbidden", field: "resourceVersionMatch", detail: "resourceVersionMatch is forbidden when continue is provided" });
    if (match !== "Exact" && match !== "NotOlderThan") errors.push({ type: "NotSupported", field: "resourceVersionMatch", value: match, supported: ["Exact", "NotOlderThan", ""] });
    if (match === "Exact" && rawVersion === "0") errors.push({ type: "Forbidden", field: "resourceVersionMatch", detail: 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"' });
  }
  if (query.has("sendInitialEvents")) errors.push({ type: "Forbidden", field: "sendInitialEvents", detail: "sendInitialEvents is forbidden for list" });
  if (errors.length > 0) throw new StatusError(invalidListOptions(errors));
  const limit = integer(query, "limit") ?? 0;
  return {
    watch: false,
    resourceVersion: requestedVersion(rawVersion),
    resourceVersionMatch: match as VersionMatch,
    limit: limit > 0 ? limit : 0,
    continueToken,
    ...(timeoutSeconds ? { timeoutSeconds } : {}),
  };
}
