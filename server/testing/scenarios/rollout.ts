import { openshiftObject } from "../fixtures";

type Obj = Record<string, any>;

/**
 * A Deployment's life as kube-apiserver would audit it at RequestResponse level: create,
 * controller status updates, scale up, image change, scale down, a no-op update, a failed
 * update (409), delete.
 *
 * Derived from real data: the Deployment `openshift-apiserver/apiserver` recorded in the
 * OpenShift 4.8 must-gather capture (shared/fixtures/real/openshift-must-gather-azure), with
 * its real spec, labels, annotations and managedFields. What each step changes follows what
 * kube-apiserver does (resourceVersion on every write, generation on spec changes, the
 * deployment controller's observedGeneration). The audit envelope (auditIDs, users, user
 * agents) follows the real falco and OpenShift audit events.
 */
export interface RolloutStep {
  label: string;
  event: Obj;
}

const clone = <T>(value: T): T => structuredClone(value);
const BASE_TIME = Date.parse("2021-09-13T14:53:16.000Z");
const ADMIN = { username: "kube:admin", groups: ["system:cluster-admins", "system:authenticated"] };
const OPERATOR = {
  username: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator",
  groups: ["system:serviceaccounts", "system:serviceaccounts:openshift-apiserver-operator", "system:authenticated"],
};
const DEPLOYMENT_CONTROLLER = {
  username: "system:serviceaccount:kube-system:deployment-controller",
  groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
};

export const ROLLOUT_DEPLOYMENT_UID = "fbf76809-33a5-4017-a1f5-8be34cd2b2fd";
export const NEW_IMAGE = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0000000000000000000000000000000000000000000000000000000000000001";

function auditEvent(step: number, fields: { user: Obj; verb: string; subresource?: string; userAgent: string; requestObject?: Obj; responseObject?: Obj; code: number; uri: string; name?: string }): Obj {
  const received = new Date(BASE_TIME + step * 60_000);
  const completed = new Date(received.getTime() + 7);
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "RequestResponse",
    auditID: `5f0c7e3a-0000-4000-8000-${String(step).padStart(12, "0")}`,
    stage: "ResponseComplete",
    requestURI: fields.uri,
    verb: fields.verb,
    user: fields.user,
    sourceIPs: ["10.0.0.5"],
    userAgent: fields.userAgent,
    objectRef: {
      resource: "deployments",
      namespace: "openshift-apiserver",
      name: fields.name ?? "apiserver",
      apiGroup: "apps",
      apiVersion: "v1",
      ...(fields.subresource ? { subresource: fields.subresource } : {}),
    },
    responseStatus: { metadata: {}, code: fields.code },
    ...(fields.requestObject ? { requestObject: fields.requestObject } : {}),
    ...(fields.responseObject ? { responseObject: fields.responseObject } : {}),
    requestReceivedTimestamp: received.toISOString().replace("Z", "000Z"),
    stageTimestamp: completed.toISOString().replace("Z", "000Z"),
    annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": 'RBAC: allowed by ClusterRoleBinding "cluster-admins"' },
  };
}

const PATH = "/apis/apps/v1/namespaces/openshift-apiserver/deployments";

export function rolloutScenario(): RolloutStep[] {
  const real = openshiftObject("openshift-apiserver", "apps/deployments.yaml", "apiserver");
  const steps: RolloutStep[] = [];
  let resourceVersion = 22_000;
  const stored = clone(real);
  delete stored.status;
  stored.metadata.generation = 1;
  stored.spec.replicas = 3;

  const next = (changes: (o: Obj) => void, specChange: boolean): Obj => {
    changes(stored);
    if (specChange) stored.metadata.generation += 1;
    stored.metadata.resourceVersion = String(++resourceVersion);
    return clone(stored);
  };

  // 1. The operator creates the Deployment.
  const request = clone(stored);
  delete request.metadata.uid;
  delete request.metadata.resourceVersion;
  delete request.metadata.creationTimestamp;
  delete request.metadata.generation;
  delete request.metadata.managedFields;
  const created = next(() => {}, false);
  steps.push({
    label: "create",
    event: auditEvent(1, { user: OPERATOR, verb: "create", userAgent: "cluster-openshift-apiserver-operator/v0.0.0 (linux/amd64) kubernetes/$Format", requestObject: request, responseObject: created, code: 201, uri: PATH, name: "apiserver" }),
  });

  // 2. The deployment controller reports it has seen generation 1.
  const status1 = next((o) => (o.status = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 0, unavailableReplicas: 3, conditions: [{ type: "Progressing", status: "True", reason: "NewReplicaSetCreated", lastUpdateTime: "2021-09-13T14:54:16Z", lastTransitionTime: "2021-09-13T14:54:16Z", message: 'Created new replica set "apiserver-85b76d5494"' }] }), false);
  steps.push({ label: "status generation 1", event: auditEvent(2, { user: DEPLOYMENT_CONTROLLER, verb: "update", subresource: "status", userAgent: "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9/system:serviceaccount:kube-system:deployment-controller", requestObject: status1, responseObject: status1, code: 200, uri: `${PATH}/apiserver/status` }) });

  // 3. An admin scales up with a merge patch.
  const scaledUp = next((o) => (o.spec.replicas = 5), true);
  steps.push({ label: "scale up", event: auditEvent(3, { user: ADMIN, verb: "patch", userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9", requestObject: { spec: { replicas: 5 } }, responseObject: scaledUp, code: 200, uri: `${PATH}/apiserver` }) });

  // 4. The controller catches up: observedGeneration 1 -> 2.
  const status2 = next((o) => {
    o.status.observedGeneration = 2;
    o.status.replicas = 5;
    o.status.updatedReplicas = 5;
  }, false);
  steps.push({ label: "status generation 2", event: auditEvent(4, { user: DEPLOYMENT_CONTROLLER, verb: "update", subresource: "status", userAgent: "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9/system:serviceaccount:kube-system:deployment-controller", requestObject: status2, responseObject: status2, code: 200, uri: `${PATH}/apiserver/status` }) });

  // 5. The operator rolls out a new image.
  const containerName = real.spec.template.spec.containers[0].name as string;
  const newImage = next((o) => (o.spec.template.spec.containers[0].image = NEW_IMAGE), true);
  steps.push({ label: "image change", event: auditEvent(5, { user: OPERATOR, verb: "patch", userAgent: "cluster-openshift-apiserver-operator/v0.0.0 (linux/amd64) kubernetes/$Format", requestObject: { spec: { template: { spec: { containers: [{ name: containerName, image: NEW_IMAGE }] } } } }, responseObject: newImage, code: 200, uri: `${PATH}/apiserver` }) });

  // 6. An admin scales back down with a full update.
  const scaledDown = next((o) => (o.spec.replicas = 3), true);
  steps.push({ label: "scale down", event: auditEvent(6, { user: ADMIN, verb: "update", userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9", requestObject: scaledDown, responseObject: scaledDown, code: 200, uri: `${PATH}/apiserver` }) });

  // 7. The operator applies the same object again: the apiserver changes nothing (same resourceVersion).
  const unchanged = clone(stored);
  steps.push({ label: "no-op update", event: auditEvent(7, { user: OPERATOR, verb: "update", userAgent: "cluster-openshift-apiserver-operator/v0.0.0 (linux/amd64) kubernetes/$Format", requestObject: unchanged, responseObject: unchanged, code: 200, uri: `${PATH}/apiserver` }) });

  // 8. A stale update is refused.
  const conflict = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: 'Operation cannot be fulfilled on deployments.apps "apiserver": the object has been modified; please apply your changes to the latest version and try again',
    reason: "Conflict",
    details: { name: "apiserver", group: "apps", kind: "deployments" },
    code: 409,
  };
  const stale = clone(created);
  stale.spec.replicas = 7;
  steps.push({ label: "conflict", event: auditEvent(8, { user: ADMIN, verb: "update", userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9", requestObject: stale, responseObject: conflict, code: 409, uri: `${PATH}/apiserver` }) });

  // 9. An admin deletes it; the apiserver answers with a Status.
  steps.push({
    label: "delete",
    event: auditEvent(9, {
      user: ADMIN,
      verb: "delete",
      userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
      requestObject: { kind: "DeleteOptions", apiVersion: "meta/v1", propagationPolicy: "Background" },
      responseObject: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: "apiserver", group: "apps", kind: "deployments", uid: ROLLOUT_DEPLOYMENT_UID } },
      code: 200,
      uri: `${PATH}/apiserver`,
    }),
  });
  return steps;
}

/** The scenario as an audit.k8s.io/v1 EventList, as the webhook backend posts it. */
export function eventList(events: unknown[]): { kind: string; apiVersion: string; metadata: Obj; items: any[] } {
  return { kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items: events };
}
