import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { isJsonObject, type JsonObject, type JsonValue } from "../ingest/audit/types";

/**
 * Real recorded Kubernetes data for tests (each folder has a PROVENANCE.md). The repository
 * is checked out next to `shared/`, locally and on CI, so this relative path holds in both.
 */
export const FIXTURES_DIR = path.resolve(import.meta.dirname, "../../../shared/fixtures/real");

const FALCO_TRACES = "falco-k8s-audit-traces";


/** The items of a `kind: List`-style YAML file (e.g. `kubectl get -o yaml` output), as JSON objects. */
export function loadYamlList(relativePathUnderReal: string): JsonObject[] {
  const file = path.join(FIXTURES_DIR, relativePathUnderReal);
  // The default YAML 1.2 core schema keeps quoted "true" and timestamps as strings, as the API serves them.
  const document = parse(readFileSync(file, "utf8")) as JsonValue;
  const items = isJsonObject(document) ? document.items : undefined;
  if (!Array.isArray(items) || !items.every(isJsonObject)) {
    throw new Error(`${file}: expected a YAML list with an items array of objects`);
  }
  return items;
}

/** One JSON object per non-empty line (an audit log file), with its 1-based line number. */
function readJsonLines(relativePathUnderReal: string): Array<{ line: number; value: JsonObject }> {
  const file = path.join(FIXTURES_DIR, relativePathUnderReal);
  return readFileSync(file, "utf8")
    .split("\n")
    .map((text, index) => ({ text, line: index + 1 }))
    .filter(({ text }) => text.trim() !== "")
    .map(({ text, line }) => {
      const value = JSON.parse(text) as JsonValue;
      if (!isJsonObject(value)) throw new Error(`${file}:${line}: expected a JSON object`);
      return { line, value };
    });
}

/** One JSON object per non-empty line, e.g. an audit log file. */
export function loadJsonLines(relativePathUnderReal: string): JsonObject[] {
  return readJsonLines(relativePathUnderReal).map(({ value }) => value);
}

/** The item of a list whose metadata.name is `name`; throws when there is none, so a test fails loudly. */
export function itemNamed(items: JsonObject[], name: string): JsonObject {
  const found = items.find((item) => isJsonObject(item.metadata) && item.metadata.name === name);
  if (!found) throw new Error(`no item named ${name}`);
  return found;
}

/** The (first) audit event of one Falco trace file, e.g. "create_secret.json". */
export function loadFalcoTraceEvent(file: string): JsonObject {
  const first = readJsonLines(path.join(FALCO_TRACES, file))[0];
  if (!first) throw new Error(`${file}: no audit event`);
  return first.value;
}

/** Every audit event of the Falco traces, in file-name order, with where it came from. */
export function loadFalcoTraceEvents(): Array<{ file: string; line: number; raw: JsonObject }> {
  return readdirSync(path.join(FIXTURES_DIR, FALCO_TRACES))
    .filter((file) => file.endsWith(".json"))
    .sort()
    .flatMap((file) => readJsonLines(path.join(FALCO_TRACES, file)).map(({ line, value }) => ({ file, line, raw: value })));
}

/**
 * The Secret that the real event falco-k8s-audit-traces/create_secret.json created
 * (default/example-secret, by minikube-user with kubectl 1.17 apply). That event is at
 * Metadata level and carries no body, so the body is written here as kube-apiserver returns
 * one for that request, with the values of the Kubernetes documentation's example Secret
 * (admin / 1f2d1e2e67df). Fresh on every call, so tests may change it.
 */
export function exampleSecretBody(): JsonObject {
  const event = loadFalcoTraceEvent("create_secret.json");
  const ref = event.objectRef as JsonObject;
  const name = ref.name as string;
  const namespace = ref.namespace as string;
  const data = { password: "MWYyZDFlMmU2N2Rm", username: "YWRtaW4=" };
  const applied = { apiVersion: "v1", data, kind: "Secret", metadata: { annotations: {}, name, namespace }, type: "Opaque" };
  return {
    apiVersion: "v1",
    data,
    kind: "Secret",
    metadata: {
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": `${JSON.stringify(applied)}\n` },
      creationTimestamp: "2020-04-21T17:57:05Z",
      name,
      namespace,
      resourceVersion: "1433",
      uid: "2a0cd0a7-6e0e-4d1c-9c39-1b1c2f3a4d5e",
    },
    type: "Opaque",
  };
}

const OPENSHIFT_APISERVER = "openshift-must-gather-azure/namespaces/openshift-apiserver";

/** The real Deployment openshift-apiserver/apiserver (OpenShift 4.8 must-gather): revision 3, 3 replicas. Fresh on every call. */
export function realApiserverDeployment(): JsonObject {
  return itemNamed(loadYamlList(`${OPENSHIFT_APISERVER}/apps/deployments.yaml`), "apiserver");
}

/** A real Pod of that Deployment (ReplicaSet apiserver-5d887d5fcd, two containers, one init container). Fresh on every call. */
export function realApiserverPod(): JsonObject {
  return itemNamed(loadYamlList(`${OPENSHIFT_APISERVER}/core/pods.yaml`), "apiserver-5d887d5fcd-mrn5h");
}

/** The real ReplicaSets of that Deployment, one per revision (apiserver-85b76d5494, -675785f59, -5d887d5fcd). */
export function realApiserverReplicaSets(): JsonObject[] {
  return loadYamlList(`${OPENSHIFT_APISERVER}/apps/replicasets.yaml`);
}

/** A loosely typed object: for tests that build scenario data by editing real objects. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EditableObject = Record<string, any>;

/** Every audit event of one Falco trace file (some hold several), fresh on every call. */
export function falcoEvents(file: string): EditableObject[] {
  return readJsonLines(path.join(FALCO_TRACES, file)).map(({ value }) => value);
}

/** Every Falco trace event, in file-name order. */
export function allFalcoEvents(): EditableObject[] {
  return loadFalcoTraceEvents().map(({ raw }) => raw);
}

/** Every Falco trace event as its original JSON text, in file-name order (for audit-log files). */
export function falcoEventLines(): string[] {
  return readdirSync(path.join(FIXTURES_DIR, FALCO_TRACES))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .flatMap((name) => readFileSync(path.join(FIXTURES_DIR, FALCO_TRACES, name), "utf8").split("\n"))
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** One real object from the OpenShift must-gather capture, e.g. ("openshift-apiserver", "apps/deployments.yaml", "apiserver"). */
export function openshiftObject(namespace: string, file: string, name: string): EditableObject {
  return itemNamed(loadYamlList(path.join("openshift-must-gather-azure", "namespaces", namespace, file)), name);
}

/** Every object of one OpenShift must-gather list, e.g. ("openshift-apiserver", "core/pods.yaml"). Fresh on every call. */
export function openshiftItems(namespace: string, file: string): EditableObject[] {
  return loadYamlList(path.join("openshift-must-gather-azure", "namespaces", namespace, file));
}

/**
 * The objects of a JSON array file, e.g. Sonobuoy's resource dumps
 * ("sonobuoy-results-missing-e2e/resources/ns/kube-system/Pods.json": items without kind/apiVersion).
 */
export function loadJsonArray(relativePathUnderReal: string): EditableObject[] {
  const file = path.join(FIXTURES_DIR, relativePathUnderReal);
  const document = JSON.parse(readFileSync(file, "utf8")) as JsonValue;
  if (!Array.isArray(document) || !document.every(isJsonObject)) throw new Error(`${file}: expected a JSON array of objects`);
  return document;
}

/** The Sonobuoy (Kubernetes 1.8) dump of one namespace's resource, e.g. ("kube-system", "Pods"). Fresh on every call. */
export function sonobuoyItems(namespace: string, resource: "Pods" | "ReplicaSets" | "Deployments" | "Events"): EditableObject[] {
  return loadJsonArray(path.join("sonobuoy-results-missing-e2e", "resources", "ns", namespace, `${resource}.json`));
}
