import fs from "node:fs";
import path from "node:path";
import type { ObservedHistoryEntry } from "../../plugins/types";
import type { JsonObject } from "../../ingest/audit/types";
import type { EditableObject } from "../fixtures";

/**
 * What an object watch would have delivered during the rollout of docs/samples/deployment-cascade.jsonl:
 * real RequestResponse audit events of an OpenShift 4.8 rollout (the must-gather in
 * shared/fixtures/real/openshift-must-gather-azure), whose responseObjects are the successive
 * versions of a Deployment, its ReplicaSets and Pods, exactly the bodies a watch of them gets.
 * Entries are written as the watch source makes them (the watch contract), with a plain actor.
 */

/** The cascade's audit events, in order: read once, so a test clones what it changes (fromCascade does). */
export const CASCADE: EditableObject[] = fs
  .readFileSync(path.resolve(import.meta.dirname, "../../../docs/samples/deployment-cascade.jsonl"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as EditableObject);

const RESOURCES: Record<string, string> = { Deployment: "deployments", ReplicaSet: "replicasets", Pod: "pods", Secret: "secrets" };
type WatchEvent = "LISTED" | "ADDED" | "MODIFIED" | "DELETED";
const VERBS: Record<WatchEvent, string> = { LISTED: "observed", ADDED: "create", MODIFIED: "update", DELETED: "delete" };

/** A watch entry for `body` as the watch source hands it over, observed at `at`. */
export function watched(body: EditableObject, type: WatchEvent, at: Date): ObservedHistoryEntry {
  const [group, version] = (body.apiVersion as string).includes("/") ? (body.apiVersion as string).split("/") : ["", body.apiVersion as string];
  const rv = body.metadata.resourceVersion as string;
  return {
    source: "watch",
    key: `${body.metadata.uid}@${rv}${type === "DELETED" ? "/deleted" : ""}`,
    object: { apiGroup: group!, apiVersion: version!, resource: RESOURCES[body.kind]!, kind: body.kind, namespace: body.metadata.namespace ?? "", name: body.metadata.name, uid: body.metadata.uid },
    startTime: at,
    endTime: at,
    actor: "watch",
    verb: VERBS[type],
    title: type === "LISTED" ? "watched: already existed" : `watch ${VERBS[type]} (watched)`,
    details: { watchEvent: type, resourceVersionAfter: rv },
    body: structuredClone(body) as JsonObject,
    ...(type === "DELETED" ? { deleted: true } : {}),
  };
}

/** What a watch would have delivered of the audit event on line `line` of the cascade: its response, a moment after the request completed. */
export function fromCascade(line: number, type: WatchEvent): ObservedHistoryEntry {
  const event = CASCADE[line]!;
  return watched(event.responseObject, type, new Date(Date.parse(event.stageTimestamp) + 50));
}


/**
 * Every version of every object the cascade shows a body of, as a watch of them would have
 * delivered them: the first of each ADDED, its removal (the last delete answered with its body:
 * a Pod's, by its kubelet) DELETED, the rest MODIFIED. The Deployment's and ReplicaSets' deletes
 * answered with a Status: no body, so no entry here.
 */
export function watchedCascade(): ObservedHistoryEntry[] {
  const withBody = CASCADE.map((event, line) => ({ event, line, body: event.responseObject as EditableObject | undefined })).filter(
    ({ body }) => body?.metadata?.uid !== undefined && body.kind in RESOURCES,
  );
  const lastOf = new Map(withBody.map(({ body, line }) => [body!.metadata.uid as string, line]));
  const seen = new Set<string>();
  return withBody.map(({ event, line, body }) => {
    const uid = body!.metadata.uid as string;
    const first = !seen.has(uid);
    seen.add(uid);
    return fromCascade(line, first ? "ADDED" : event.verb === "delete" && lastOf.get(uid) === line ? "DELETED" : "MODIFIED");
  });
}
