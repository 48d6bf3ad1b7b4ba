import { readFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import type { JsonObject } from "../ingest/audit/types";
import { FIXTURES_DIR, loadYamlList } from "./fixtures";

/**
 * The real must-gather Events files (OpenShift 4.8.11, Kubernetes 1.21: 395 core/v1 Events in
 * four `events.yaml`, each a `---` document holding an EventList) and the other shapes people
 * have Events in, derived here from their items: these are the forms `kubectl get events`
 * writes, built the way kubectl builds them (the derivation is the test's, the Events are real).
 */

export const MUST_GATHER_EVENT_NAMESPACES = ["openshift-apiserver", "openshift-authentication", "openshift-console", "openshift-image-registry"] as const;

/** The path, under fixtures/real, of one namespace's events.yaml. */
export function mustGatherEventsPath(namespace: string): string {
  return `openshift-must-gather-azure/namespaces/${namespace}/core/events.yaml`;
}

/** The absolute path of one namespace's events.yaml. */
export function mustGatherEventsFile(namespace: string): string {
  return path.join(FIXTURES_DIR, mustGatherEventsPath(namespace));
}

/** One namespace's events.yaml as recorded. */
export function mustGatherEventsYaml(namespace: string): string {
  return readFileSync(mustGatherEventsFile(namespace), "utf8");
}

/** One namespace's Events, as the YAML 1.2 core schema reads them (times stay strings). */
export function mustGatherEventItems(namespace: string): JsonObject[] {
  return loadYamlList(mustGatherEventsPath(namespace));
}

/** `kubectl get events -o json`: a `List`, pretty-printed with four spaces as kubectl's JSON printer does. */
export function kubectlJsonList(items: readonly JsonObject[]): string {
  return `${JSON.stringify({ apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } }, null, 4)}\n`;
}

/**
 * What the API itself serves (`kubectl get --raw /api/v1/events`): a compact EventList on one
 * line, kind and apiVersion first, items without either (the API leaves them out of list items).
 */
export function apiEventList(items: readonly JsonObject[], apiVersion = "v1"): string {
  const bare = items.map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
  return `${JSON.stringify({ kind: "EventList", apiVersion, metadata: { resourceVersion: "36352" }, items: bare })}\n`;
}

/** Newline-delimited JSON: one Event per line. */
export function ndjson(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join("\n") + "\n";
}

/** `kubectl get events -o json --watch-only`: each object pretty-printed, one after another with nothing between. */
export function watchOnlyJson(items: readonly unknown[]): string {
  return items.map((item) => `${JSON.stringify(item, null, 4)}\n`).join("");
}

/** `--output-watch-events`: each Event wrapped in a watch event, `type` first, as kubectl prints them. */
export function watchEvents(items: readonly JsonObject[], type = "ADDED"): JsonObject[] {
  return items.map((object) => ({ type, object }));
}

/** `kubectl get events -o yaml --watch-only`: one YAML document per object, `---` between them. */
export function yamlDocuments(items: readonly unknown[]): string {
  return items.map((item) => stringify(item, { version: "1.2" })).join("---\n");
}

/** A YAML list with its items indented under `items:` (as yq and the yaml package write it, unlike kubectl). */
export function indentedYamlList(items: readonly JsonObject[]): string {
  return stringify({ apiVersion: "v1", items, kind: "EventList", metadata: { resourceVersion: "36352" } }, { version: "1.2", indentSeq: true });
}
