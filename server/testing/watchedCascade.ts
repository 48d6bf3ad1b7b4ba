import { readFileSync } from "node:fs";
import path from "node:path";
import { isJsonObject, type JsonObject } from "../ingest/audit/types";
import type { ServedResource } from "./apiServer/resources";

/**
 * The successive bodies of the Deployment `openshift-apiserver/apiserver`, its ReplicaSets and
 * Pods, as a watch on them would have seen them: the responseObjects of the real
 * RequestResponse audit events of docs/samples/deployment-cascade.jsonl (PROVENANCE.md there),
 * one write each.
 *
 * One thing is added: metadata.managedFields. The capture's bodies have none (`oc adm
 * must-gather` strips them), so each write adds or refreshes the entry kube-apiserver's field
 * manager records for it: manager = the writer's user agent up to its first "/" (the apiserver's
 * default field manager name), operation Update (no write here is a server-side apply),
 * subresource as the request's, time = the write's stageTimestamp to the second, apiVersion as the
 * request's. fieldsV1 is left out (which fields each manager owns is not recorded in the capture).
 * Deletions add none (they do not go through the field manager), nor do pods/binding writes.
 */
export interface CascadeWrite {
  /** "deployments.apps", "replicasets.apps" or "pods", as the test API server names them. */
  groupResource: "deployments.apps" | "replicasets.apps" | "pods";
  /** What the write did to the object: created it, changed it, or removed it (its final delete). */
  change: "ADDED" | "MODIFIED" | "DELETED";
  /** The object after the write (for a removal, its last state); with the managedFields described above. */
  body: JsonObject;
  /** The audit event's verb and subresource, for test names. */
  verb: string;
  subresource: string | null;
  /** The field manager that wrote it (null for deletes). */
  manager: string | null;
  /** When the write completed: its audit event's stageTimestamp. */
  at: string;
}

/** The resources the cascade writes, as the test API server serves them. */
export const CASCADE_RESOURCES: Record<CascadeWrite["groupResource"], ServedResource> = {
  "deployments.apps": { apiGroup: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true },
  "replicasets.apps": { apiGroup: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true },
  pods: { apiGroup: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true },
};

const SAMPLE = path.resolve(import.meta.dirname, "../../docs/samples/deployment-cascade.jsonl");

const GROUP_RESOURCES: Record<string, CascadeWrite["groupResource"]> = { deployments: "deployments.apps", replicasets: "replicasets.apps", pods: "pods" };

/** The cascade's writes in order, fresh on every call. */
export function cascadeWrites(): CascadeWrite[] {
  const events = readFileSync(SAMPLE, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as JsonObject);
  const objectRef = (event: JsonObject) => event.objectRef as { resource: string; subresource?: string; name?: string; namespace?: string; apiGroup?: string; apiVersion?: string };
  const uidOf = (event: JsonObject) => ((event.responseObject as JsonObject | undefined)?.metadata as JsonObject | undefined)?.uid;
  const nameKey = (event: JsonObject) => `${objectRef(event).resource}/${objectRef(event).namespace}/${objectRef(event).name}`;
  // The last write of each object (by name): a delete there is the object's removal.
  const lastIndex = new Map<string, number>();
  events.forEach((event, index) => {
    const ref = objectRef(event);
    if (ref.subresource === "binding") return;
    const key = ref.name !== undefined ? nameKey(event) : null;
    if (key !== null) lastIndex.set(key, index);
    else if (typeof uidOf(event) === "string") lastIndex.set(`uid/${String(uidOf(event))}`, index);
  });
  // Each object's managedFields so far, by uid; and the last body, for deletes answered with a Status.
  const managed = new Map<string, JsonObject[]>();
  const lastBody = new Map<string, JsonObject>();
  const writes: CascadeWrite[] = [];
  events.forEach((event, index) => {
    const ref = objectRef(event);
    const groupResource = GROUP_RESOURCES[ref.resource];
    if (groupResource === undefined || ref.subresource === "binding") return;
    const response = event.responseObject as JsonObject | undefined;
    const isObject = isJsonObject(response) && response.kind !== "Status";
    const key = `${ref.resource}/${ref.namespace}/${isObject ? (response.metadata as JsonObject).name : ref.name}`;
    if (event.verb === "delete") {
      const final = lastIndex.get(nameKey(event)) === index;
      const body = isObject ? structuredClone(response) : lastBody.get(key);
      if (body === undefined) throw new Error(`${key}: deleted before any body of it was seen`);
      const uid = (body.metadata as JsonObject).uid as string;
      (body.metadata as JsonObject).managedFields = structuredClone(managed.get(uid) ?? []);
      if (!final) lastBody.set(key, body);
      writes.push({ groupResource, change: final ? "DELETED" : "MODIFIED", body: structuredClone(body), verb: "delete", subresource: null, manager: null, at: String(event.stageTimestamp) });
      return;
    }
    if (!isObject) throw new Error(`${key}: a ${String(event.verb)} answered without the object`);
    const body = structuredClone(response);
    const metadata = body.metadata as JsonObject;
    const uid = metadata.uid as string;
    const manager = String(event.userAgent).split("/")[0]!;
    const subresource = ref.subresource ?? null;
    const entries = managed.get(uid) ?? [];
    const apiVersion = ref.apiGroup ? `${ref.apiGroup}/${ref.apiVersion}` : ref.apiVersion!;
    const time = String(event.stageTimestamp).replace(/\.\d+Z$/, "Z");
    const existing = entries.find((entry) => entry.manager === manager && entry.operation === "Update" && (entry.subresource ?? null) === subresource);
    if (existing) existing.time = time;
    else entries.push({ manager, operation: "Update", apiVersion, time, fieldsType: "FieldsV1", ...(subresource ? { subresource } : {}) });
    managed.set(uid, entries);
    metadata.managedFields = structuredClone(entries);
    lastBody.set(key, body);
    writes.push({ groupResource, change: event.verb === "create" ? "ADDED" : "MODIFIED", body: structuredClone(body), verb: String(event.verb), subresource, manager, at: String(event.stageTimestamp) });
  });
  return writes;
}
