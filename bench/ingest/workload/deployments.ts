import { rolloutScenario } from "../../../server/testing/scenarios/rollout";
import type { RequestTimes } from "./clock";
import type { GeneratorContext, Json } from "./envelope";
import type { ObjectLifecycle } from "./lifecycle";

/**
 * A Deployment's life: the nine audited writes of server/testing/scenarios/rollout.ts
 * (create, controller status updates, scale up, image change, scale down, a no-op update,
 * a refused stale update, delete), which is built from the real Deployment
 * openshift-apiserver/apiserver of an OpenShift 4.8 must-gather.
 *
 * That Deployment is 7.7 KB without its managedFields, which would put a single event at
 * 16 KB. Its bodies are trimmed the same way in every step (managedFields, most operator
 * annotations, init containers, volumes, probes and mounts go), so the diffs between steps
 * are the scenario's real changes and an event stays near the size of a typical one.
 */

const SCENARIO_NAMESPACE = "openshift-apiserver";
const SCENARIO_NAME = "apiserver";
const KEPT_ANNOTATIONS = new Set(["deployment.kubernetes.io/revision", "operator.openshift.io/spec-hash"]);
const DROPPED_POD_SPEC_FIELDS = ["initContainers", "volumes", "affinity", "tolerations"];
const DROPPED_CONTAINER_FIELDS = ["args", "env", "volumeMounts", "livenessProbe", "readinessProbe", "securityContext"];

function trimDeployment(body: Json): void {
  const metadata = body.metadata;
  delete metadata.managedFields;
  if (metadata.annotations) {
    for (const key of Object.keys(metadata.annotations)) if (!KEPT_ANNOTATIONS.has(key)) delete metadata.annotations[key];
  }
  const template = body.spec?.template;
  if (!template) return;
  delete template.metadata?.annotations;
  for (const field of DROPPED_POD_SPEC_FIELDS) delete template.spec[field];
  template.spec.containers = template.spec.containers.slice(0, 1);
  for (const field of DROPPED_CONTAINER_FIELDS) delete template.spec.containers[0][field];
}

/** The scenario's events with trimmed Deployment bodies; built once, cloned per object. */
const steps: Json[] = rolloutScenario().map(({ event }) => {
  for (const body of [event.requestObject, event.responseObject]) if (body?.kind === "Deployment") trimDeployment(body);
  return event;
});

export function newDeployment(ctx: GeneratorContext, namespace: string, name: string): ObjectLifecycle {
  const uid = ctx.uid();
  // The scenario's resourceVersions mapped to this object's: a new one for each new version.
  const versions = new Map<string, string>();
  const versionOf = (scenarioVersion: string) => {
    let version = versions.get(scenarioVersion);
    if (version === undefined) versions.set(scenarioVersion, (version = ctx.resourceVersion()));
    return version;
  };
  let created = "";

  function retarget(body: Json | undefined, times: RequestTimes): void {
    if (!body) return;
    if (body.kind === "Deployment") {
      const metadata = body.metadata;
      metadata.name = name;
      metadata.namespace = namespace;
      if (metadata.uid) metadata.uid = uid;
      if (metadata.resourceVersion) metadata.resourceVersion = versionOf(metadata.resourceVersion);
      if (metadata.creationTimestamp) metadata.creationTimestamp = created || times.seconds;
    } else if (body.kind === "Status" && body.details) {
      body.details.name = name;
      if (body.details.uid) body.details.uid = uid;
      if (typeof body.message === "string") body.message = body.message.replace(`"${SCENARIO_NAME}"`, `"${name}"`);
    }
  }

  return {
    steps: steps.length,
    write(step) {
      const times = ctx.times();
      const event = structuredClone(steps[step]!);
      event.auditID = ctx.auditId();
      event.requestReceivedTimestamp = times.received;
      event.stageTimestamp = times.completed;
      event.objectRef.namespace = namespace;
      event.objectRef.name = name;
      event.requestURI = event.requestURI
        .replace(`/namespaces/${SCENARIO_NAMESPACE}/`, `/namespaces/${namespace}/`)
        .replace(`/deployments/${SCENARIO_NAME}`, `/deployments/${name}`);
      retarget(event.requestObject, times);
      retarget(event.responseObject, times);
      if (step === 0) created = times.seconds;
      return event;
    },
  };
}
