import { readdirSync } from "node:fs";
import path from "node:path";
import type { JsonObject } from "../ingest/audit/types";
import { FIXTURES_DIR, itemNamed, loadYamlList } from "./fixtures";

const MUST_GATHER_NAMESPACES = "openshift-must-gather-azure/namespaces";

let loaded: JsonObject[] | null = null;

/**
 * Every core/v1 Event of the real must-gather (OpenShift 4.8.11, Kubernetes 1.21; 395 in four
 * namespaces), namespace by namespace. Read once: callers that change one take realEvent's copy.
 */
export function mustGatherEvents(): readonly JsonObject[] {
  loaded ??= readdirSync(path.join(FIXTURES_DIR, MUST_GATHER_NAMESPACES))
    .sort()
    .flatMap((namespace) => loadYamlList(`${MUST_GATHER_NAMESPACES}/${namespace}/core/events.yaml`));
  return loaded;
}

/** The real Event named `name` (unique across the four namespaces), a fresh copy to change at will. */
export function mustGatherEvent(name: string): JsonObject {
  return structuredClone(itemNamed([...mustGatherEvents()], name));
}

const EVENTS_V1_NAMES: Record<string, string> = {
  involvedObject: "regarding",
  message: "note",
  source: "deprecatedSource",
  count: "deprecatedCount",
  firstTimestamp: "deprecatedFirstTimestamp",
  lastTimestamp: "deprecatedLastTimestamp",
  reportingComponent: "reportingController",
};

/**
 * A core/v1 Event as events.k8s.io/v1 serves it, by the field mapping the apiserver itself
 * applies (pkg/apis/events/v1/conversion.go): involvedObject → regarding, message → note,
 * source → deprecatedSource, count → deprecatedCount, firstTimestamp/lastTimestamp →
 * deprecatedFirstTimestamp/deprecatedLastTimestamp, and core's `reportingComponent` (Go's
 * ReportingController) → reportingController. The other fields have the same names in both.
 */
export function asEventsV1(core: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(core)) result[EVENTS_V1_NAMES[key] ?? key] = structuredClone(value);
  result.apiVersion = "events.k8s.io/v1";
  return result;
}
