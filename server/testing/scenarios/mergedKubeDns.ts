import { sonobuoyItems, type EditableObject } from "../fixtures";
import { writeEvent } from "../writeEvent";

/**
 * One object on two rows, merged by ingest (docs/storage.md, "Rows that hold no uid"), for tests
 * of ids that name a merged-away row (object_aliases).
 *
 * Kubernetes 1.8 (Sonobuoy): the real Deployment kube-dns, written through apps/v1beta2 with its
 * body, then patched through extensions/v1beta1 at Metadata level (no body, no uid: a row of its
 * own under extensions' name), then updated through extensions at Metadata level, whose objectRef
 * gives the uid: that row is the same object, and its history moves to the apps row.
 */
const DEPLOYMENT = () => sonobuoyItems("kube-system", "Deployments").find((d) => d.metadata.name === "kube-dns")!;
export const KUBE_DNS_UID = DEPLOYMENT().metadata.uid as string;

function kubeDnsWrite(id: string, at: string, group: "apps" | "extensions", resourceVersion: string): EditableObject {
  const deployment = DEPLOYMENT();
  deployment.metadata.resourceVersion = resourceVersion;
  const apiVersion = group === "apps" ? "apps/v1beta2" : "extensions/v1beta1";
  return writeEvent({ id, at, verb: "update", apiGroup: group, resource: "deployments", body: { ...deployment, apiVersion, kind: "Deployment" } });
}

/** `event` as the apiserver records it at Metadata level: no bodies; an update's objectRef gives its request body's uid, a patch's none. */
function metadataLevel(event: EditableObject, verb: "update" | "patch"): EditableObject {
  const { requestObject: _request, responseObject: _response, ...rest } = event;
  return { ...rest, level: "Metadata", verb, objectRef: { ...event.objectRef, ...(verb === "update" ? { uid: KUBE_DNS_UID } : {}) } };
}

/** The three writes, each to be posted in a batch of its own: after `patch` there are two rows, after `update` one. */
export function kubeDnsMergeWrites(): { apps: EditableObject; patch: EditableObject; update: EditableObject } {
  return {
    apps: kubeDnsWrite("c0a50000-0000-4000-8000-000000000301", "2017-12-14T10:00:00Z", "apps", "1001"),
    patch: metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-000000000302", "2017-12-14T10:01:00Z", "extensions", "1002"), "patch"),
    update: metadataLevel(kubeDnsWrite("c0a50000-0000-4000-8000-000000000303", "2017-12-14T10:02:00Z", "extensions", "1003"), "update"),
  };
}
