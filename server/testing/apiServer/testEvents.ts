import { loadYamlList } from "../fixtures";
import type { JsonObject } from "../../ingest/audit/types";

/** The Events an OpenShift 4.8 must-gather recorded in `namespace` (PROVENANCE.md in that folder). Fresh on every call. */
export function recordedEvents(namespace: string): JsonObject[] {
  return loadYamlList(`openshift-must-gather-azure/namespaces/${namespace}/core/events.yaml`);
}

/** A new Event for scenarios: the first recorded Event of `namespace`, renamed, without its uid (the store gives it one). */
export function newEvent(namespace: string, name: string): JsonObject {
  const recorded = recordedEvents(namespace)[0]!;
  const { uid: _uid, ...metadata } = recorded.metadata as JsonObject;
  return { ...recorded, metadata: { ...metadata, name } };
}
