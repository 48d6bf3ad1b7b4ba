import { describe, expect, it } from "vitest";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../../model/redact/redact";
import { loadFalcoTraceEvent, realApiserverDeployment, realApiserverPod } from "../../testing/fixtures";
import { convertAuditEvent } from "./convert";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "./defaults";
import { parseAuditEvent } from "./eventSchema";
import { predatesEffects } from "./subresourceEffect";
import type { AuditWrite, ConvertOptions, JsonObject } from "./types";

type RawEvent = Record<string, any>;

const options: ConvertOptions = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-of-sixteen-chars"),
};

function convertWrite(raw: RawEvent): AuditWrite {
  const parsed = parseAuditEvent(raw);
  if (!parsed.ok) throw new Error(`does not parse: ${parsed.error}`);
  const converted = convertAuditEvent(parsed.event, options);
  if (converted.kind !== "write") throw new Error(`expected a write, got ${JSON.stringify(converted)}`);
  return converted;
}

/**
 * `kubectl scale deployment nginx-deployment --replicas=5` on the real falco create_deployment.json
 * event's cluster and user: the envelope of that event, made a patch of deployments/scale whose
 * answer is the Scale (autoscaling/v1) kube-apiserver sends.
 */
function scaleEvent(fields: { apiGroup?: string; resource?: string; verb?: string; level?: string; code?: number; response?: RawEvent | null; request?: RawEvent } = {}): RawEvent {
  const event = structuredClone(loadFalcoTraceEvent("create_deployment.json")) as RawEvent;
  const apiGroup = fields.apiGroup ?? "apps";
  const resource = fields.resource ?? "deployments";
  event.verb = fields.verb ?? "patch";
  event.level = fields.level ?? "RequestResponse";
  event.objectRef = { apiGroup, apiVersion: "v1", resource, namespace: "default", name: "nginx-deployment", subresource: "scale" };
  event.requestURI = `/apis/${apiGroup}/v1/namespaces/default/${resource}/nginx-deployment/scale`;
  event.responseStatus = { code: fields.code ?? 200, metadata: {} };
  event.requestObject = fields.request ?? { spec: { replicas: 5 } };
  const scale = { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { name: "nginx-deployment", namespace: "default", uid: "a5b3c8f1-d917-11e8-8a5c-0800270f7a47", resourceVersion: "1503", creationTimestamp: "2018-10-26T13:07:36Z" }, spec: { replicas: 5 }, status: { replicas: 3, selector: "app=nginx" } };
  if (fields.response === null) delete event.responseObject;
  else event.responseObject = fields.response ?? scale;
  return event;
}

/** The scheduler binding the real falco nginx Pod to `minikube` (pods/binding: a Binding asked, a Status answered). */
function bindingEvent(fields: { code?: number; target?: RawEvent; uri?: string; metadata?: RawEvent; received?: string } = {}): RawEvent {
  const event = structuredClone(loadFalcoTraceEvent("create_nginx_pod_privileged.json")) as RawEvent;
  const name = "nginx-deployment-5cdcc99dbf-rgw6z";
  event.user = { username: "system:kube-scheduler", groups: ["system:authenticated"] };
  event.level = "RequestResponse";
  event.objectRef = { apiVersion: "v1", resource: "pods", namespace: "default", name, subresource: "binding" };
  event.requestURI = fields.uri ?? `/api/v1/namespaces/default/pods/${name}/binding`;
  event.requestObject = { kind: "Binding", apiVersion: "v1", metadata: { name, namespace: "default", uid: "7be1f8d6-d917-11e8-8a5c-0800270f7a47", ...fields.metadata }, target: fields.target ?? { kind: "Node", name: "minikube" } };
  event.responseObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
  event.responseStatus = { code: fields.code ?? 201, metadata: {} };
  // Received and answered within one second (8 ms), unless a test says otherwise.
  event.requestReceivedTimestamp = fields.received ?? "2018-10-26T13:18:42.979321Z";
  event.stageTimestamp = "2018-10-26T13:18:42.987654Z";
  return event;
}

/**
 * `kubectl drain` evicting the real falco nginx Pod (pods/eviction: a policy/v1 Eviction asked,
 * a Status answered, 201 Created), on the envelope of the real exec_pod.json event (the same
 * cluster, user and Pod), its stage the one Kubetrail traces.
 */
function evictionEvent(fields: { level?: string; deleteOptions?: RawEvent; code?: number; response?: RawEvent } = {}): RawEvent {
  const event = structuredClone(loadFalcoTraceEvent("exec_pod.json")) as RawEvent;
  const name = event.objectRef.name as string;
  event.stage = "ResponseComplete";
  event.level = fields.level ?? "RequestResponse";
  event.objectRef = { ...event.objectRef, subresource: "eviction" };
  event.requestURI = `/api/v1/namespaces/default/pods/${name}/eviction`;
  event.userAgent = "kubectl/v1.12.1 (linux/amd64) kubernetes/4ed3216";
  if (event.level !== "Metadata") {
    event.requestObject = { kind: "Eviction", apiVersion: "policy/v1", metadata: { name, namespace: "default", creationTimestamp: null }, deleteOptions: fields.deleteOptions ?? {} };
  }
  const code = fields.code ?? 201;
  event.responseStatus = { metadata: {}, code };
  if (event.level === "RequestResponse") event.responseObject = fields.response ?? { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code };
  return event;
}

/** A PodDisruptionBudget's refusal, as kube-apiserver's eviction REST words it (checkAndDecrement). */
const PDB_REFUSAL = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: "Cannot evict pod as it would violate the pod's disruption budget.",
  reason: "TooManyRequests",
  details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget nginx-pdb needs 2 healthy pods and has 2 currently" }] },
  code: 429,
};

describe("what a write to a subresource of another kind did to its object", () => {
  it("reads a Scale's replicas and its object's version after the write", () => {
    const write = convertWrite(scaleEvent());
    expect(write.bodyAfter).toBeNull();
    expect(write.effect).toEqual({ kind: "scale", replicas: 5, resourceVersion: "1503" });
    expect(write.details.resourceVersionAfter).toBe("1503");
    expect(write.title).toBe("minikube-user patch scale");
  });

  it("reads the Scale of every built-in workload, in its old groups too", () => {
    for (const [apiGroup, resource] of [["apps", "replicasets"], ["apps", "statefulsets"], ["extensions", "deployments"], ["extensions", "replicasets"], ["", "replicationcontrollers"]]) {
      expect(convertWrite(scaleEvent({ apiGroup, resource })).effect, `${apiGroup}/${resource}`).toMatchObject({ kind: "scale", replicas: 5 });
    }
  });

  it("reads no effect from the Scale of a custom resource, whose replicas may live at any path", () => {
    expect(convertWrite(scaleEvent({ apiGroup: "example.com", resource: "webservers" })).effect).toBeUndefined();
  });

  it("reads an update's requested Scale at Request level, without the version it made but with the one it was made on, which an answered one tells too", () => {
    const update = convertWrite(scaleEvent({ verb: "update", level: "Request", response: null, request: { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { name: "nginx-deployment", namespace: "default", resourceVersion: "1502" }, spec: { replicas: 2 } } }));
    expect(update.effect).toEqual({ kind: "scale", replicas: 2, resourceVersion: null, madeOn: "1502" });
    expect(update.details.resourceVersionAfter).toBeUndefined();
    // A Scale that names no version was made on whichever the object had.
    const unconditional = convertWrite(scaleEvent({ verb: "update", level: "Request", response: null, request: { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { name: "nginx-deployment", namespace: "default" }, spec: { replicas: 2 } } }));
    expect(unconditional.effect).toEqual({ kind: "scale", replicas: 2, resourceVersion: null });
    // Answered, it tells both: the version it made, and the one it was made on.
    expect(convertWrite(scaleEvent({ verb: "update", request: { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { name: "nginx-deployment", namespace: "default", resourceVersion: "1502" }, spec: { replicas: 5 } } })).effect).toEqual({ kind: "scale", replicas: 5, resourceVersion: "1503", madeOn: "1502" });
  });

  it("reads the replicas a patch sets at Request level (kubectl scale's merge patch), without a version", () => {
    const patch = convertWrite(scaleEvent({ level: "Request", response: null }));
    expect(patch.effect).toEqual({ kind: "scale", replicas: 5, resourceVersion: null });
    // A patch naming a version (a precondition: the apiserver refuses it on any other) was made on it.
    expect(convertWrite(scaleEvent({ level: "Request", response: null, request: { metadata: { resourceVersion: "1502" }, spec: { replicas: 5 } } })).effect).toEqual({ kind: "scale", replicas: 5, resourceVersion: null, madeOn: "1502" });
    expect(patch.details.resourceVersionAfter).toBeUndefined();
    // The patch is kept as ever.
    expect(patch.patch).toEqual({ spec: { replicas: 5 } });
    const requestPatch = (request: unknown) => convertWrite(scaleEvent({ level: "Request", response: null, request: request as RawEvent })).effect;
    // Server-side apply sends the Scale it applies.
    expect(requestPatch({ apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "nginx-deployment" }, spec: { replicas: 4 } })).toMatchObject({ replicas: 4 });
    // A JSON patch: the last value it puts there.
    expect(requestPatch([{ op: "test", path: "/spec/replicas", value: 3 }, { op: "replace", path: "/spec/replicas", value: 6 }])).toMatchObject({ replicas: 6 });
    expect(requestPatch([{ op: "add", path: "/metadata/labels/x", value: "y" }, { op: "add", path: "/spec/replicas", value: 0 }])).toMatchObject({ replicas: 0 });
  });

  it("reads nothing from a patch that sets no replicas, or sets them in a way no value tells", () => {
    const requestPatch = (request: unknown) => convertWrite(scaleEvent({ level: "Request", response: null, request: request as RawEvent })).effect;
    expect(requestPatch({ metadata: { labels: { x: "y" } } })).toBeUndefined();
    expect(requestPatch({ spec: { replicas: null } })).toBeUndefined();
    expect(requestPatch([{ op: "remove", path: "/spec/replicas" }])).toBeUndefined();
    expect(requestPatch([{ op: "replace", path: "/spec/replicas", value: 2 }, { op: "copy", from: "/status/replicas", path: "/spec/replicas" }])).toBeUndefined();
    expect(requestPatch([{ op: "replace", path: "/spec", value: { replicas: 2 } }])).toBeUndefined();
    expect(requestPatch([{ op: "move", from: "/spec/replicas", path: "/metadata/annotations/replicas" }])).toBeUndefined();
    // Nor a patch answered with something other than its Scale.
    expect(convertWrite(scaleEvent({ response: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success" } })).effect).toBeUndefined();
  });

  it("reads nothing from a scale that failed, a dry run, or a Scale without a count", () => {
    expect(convertWrite(scaleEvent({ code: 422, response: { kind: "Status", apiVersion: "v1", status: "Failure", code: 422 } })).effect).toBeUndefined();
    const dryRun = scaleEvent();
    dryRun.requestURI += "?dryRun=All";
    expect(convertWrite(dryRun).effect).toBeUndefined();
    expect(convertWrite(scaleEvent({ response: { kind: "Scale", apiVersion: "autoscaling/v1", metadata: {}, spec: {} } })).effect).toBeUndefined();
    expect(convertWrite(scaleEvent({ response: { kind: "Scale", apiVersion: "autoscaling/v1", metadata: {}, spec: { replicas: -1 } } })).effect).toBeUndefined();
  });

  it("reads a Binding's node, and the time it was made to the second", () => {
    const write = convertWrite(bindingEvent());
    expect(write.bodyAfter).toBeNull();
    expect(write.effect).toEqual({ kind: "binding", nodeName: "minikube", at: "2018-10-26T13:18:42Z" });
    expect(write.title).toBe("system:kube-scheduler create binding");
  });

  it("reads the annotations a Binding copies onto its Pod, and its labels, which some releases copy too", () => {
    // A scheduler other than the default one, which sends neither, annotating its decision.
    const metadata = { annotations: { "scheduling.example.com/zone": "eu-1a", "scheduling.example.com/score": "87" }, labels: { "topology.kubernetes.io/zone": "eu-1a" } };
    const write = convertWrite(bindingEvent({ metadata }));
    // Whether the labels are the Pod's is the cluster's version's to say (change.ts).
    expect(write.effect).toEqual({ kind: "binding", nodeName: "minikube", at: "2018-10-26T13:18:42Z", annotations: metadata.annotations, labels: metadata.labels });
    // None to copy: none read.
    expect(convertWrite(bindingEvent({ metadata: { annotations: {}, labels: {} } })).effect).toEqual({ kind: "binding", nodeName: "minikube", at: "2018-10-26T13:18:42Z" });
  });

  it("does not say when a binding made its Pod scheduled when its request spanned two seconds", () => {
    // Received in one second, answered 12 ms later in the next: the apiserver's "now", which the
    // condition keeps to the second, may have been in either.
    const write = convertWrite(bindingEvent({ received: "2018-10-26T13:18:41.975321Z" }));
    expect(write.effect).toEqual({ kind: "binding", nodeName: "minikube", at: null });
  });

  it("redacts a Binding's annotations and labels as its Pod's body has them", () => {
    const sensitive = [
      ...options.sensitive,
      { apiGroup: "", resource: "pods", paths: [["metadata", "annotations", "scheduling.example.com/token"], ["metadata", "labels", "tenant.example.com/key"]] },
    ];
    const parsed = parseAuditEvent(bindingEvent({ metadata: { annotations: { "scheduling.example.com/token": "s3cr3t", "scheduling.example.com/zone": "eu-1a" }, labels: { "tenant.example.com/key": "l4b3lk3y", "topology.kubernetes.io/zone": "eu-1a" } } }));
    if (!parsed.ok) throw new Error(parsed.error);
    const write = convertAuditEvent(parsed.event, { ...options, sensitive }) as AuditWrite;
    const effect = write.effect?.kind === "binding" ? write.effect : undefined;
    expect(effect?.annotations).toEqual({ "scheduling.example.com/token": `<redacted:${options.fingerprint("s3cr3t")}>`, "scheduling.example.com/zone": "eu-1a" });
    expect(effect?.labels).toEqual({ "tenant.example.com/key": `<redacted:${options.fingerprint("l4b3lk3y")}>`, "topology.kubernetes.io/zone": "eu-1a" });
    expect(JSON.stringify(write)).not.toContain("s3cr3t");
    expect(JSON.stringify(write)).not.toContain("l4b3lk3y");
  });

  it("reads nothing from a binding that failed or names no node", () => {
    expect(convertWrite(bindingEvent({ code: 409 })).effect).toBeUndefined();
    expect(convertWrite(bindingEvent({ target: { kind: "Node" } })).effect).toBeUndefined();
    expect(convertWrite(bindingEvent({ target: { kind: "Pod", name: "minikube" } })).effect).toBeUndefined();
    expect(convertWrite(bindingEvent({ uri: "/api/v1/namespaces/default/pods/nginx-deployment-5cdcc99dbf-rgw6z/binding?dryRun=All" })).effect).toBeUndefined();
  });
});

describe("an eviction", () => {
  it("that the apiserver allowed reads the grace period its DeleteOptions ask for", () => {
    const write = convertWrite(evictionEvent());
    expect(write.bodyAfter).toBeNull();
    expect(write.title).toBe("minikube-user create eviction");
    expect(write.effect).toEqual({ kind: "eviction", gracePeriodSeconds: null });
    expect(convertWrite(evictionEvent({ deleteOptions: { gracePeriodSeconds: 30 } })).effect).toEqual({ kind: "eviction", gracePeriodSeconds: 30 });
    // At Request level too: the Eviction is the request.
    expect(convertWrite(evictionEvent({ level: "Request" })).effect).toEqual({ kind: "eviction", gracePeriodSeconds: null });
  });

  it("refused by a PodDisruptionBudget is a failed request, with its reason, and changed nothing", () => {
    const refused = evictionEvent({ code: 429, response: PDB_REFUSAL });
    const { kind: _kind, apiVersion: _apiVersion, ...status } = PDB_REFUSAL;
    refused.responseStatus = status;
    const write = convertWrite(refused);
    expect(write.failed).toBe(true);
    expect(write.title).toBe("minikube-user create eviction (Too Many Requests)");
    expect(write.details.failure).toEqual({
      status: "Failure",
      reason: "TooManyRequests",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      causes: [{ reason: "DisruptionBudget", message: "The disruption budget nginx-pdb needs 2 healthy pods and has 2 currently" }],
    });
    expect(write.effect).toBeUndefined();
  });

  it("asked as a dry run in its DeleteOptions (kubectl drain --dry-run=server) is a dry run, and changed nothing", () => {
    const write = convertWrite(evictionEvent({ deleteOptions: { dryRun: ["All"] } }));
    expect(write.dryRun).toBe(true);
    expect(write.title).toBe("minikube-user create eviction (dry run)");
    expect(write.effect).toBeUndefined();
  });

  it("tells nothing at Metadata level, nor with DeleteOptions that would hold the Pod with a finalizer or that are not options", () => {
    expect(convertWrite(evictionEvent({ level: "Metadata" })).effect).toBeUndefined();
    expect(convertWrite(evictionEvent({ deleteOptions: { propagationPolicy: "Foreground" } })).effect).toBeUndefined();
    expect(convertWrite(evictionEvent({ deleteOptions: { orphanDependents: true } })).effect).toBeUndefined();
    expect(convertWrite(evictionEvent({ deleteOptions: { propagationPolicy: "Background", gracePeriodSeconds: 5 } })).effect).toEqual({ kind: "eviction", gracePeriodSeconds: 5 });
    expect(convertWrite(evictionEvent({ deleteOptions: { gracePeriodSeconds: "30" } })).effect).toBeUndefined();
    // A response that says the eviction failed is believed over a success code.
    expect(convertWrite(evictionEvent({ response: { ...PDB_REFUSAL, code: 201 } })).effect).toBeUndefined();
  });

  it("answered with a failure under 201 Created (a Pod under two PodDisruptionBudgets) changed nothing, at Request level too", () => {
    // kube-apiserver's eviction REST returns this Status as its result, not as an error: the
    // create handler answers it with 201, and the audit event's responseStatus keeps its status
    // and message under that code (audit.LogResponseObject, then the response writer's code).
    const multiple = {
      status: "Failure",
      message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
      code: 201,
    };
    for (const level of ["RequestResponse", "Request", "Metadata"]) {
      const event = evictionEvent({ level, response: { kind: "Status", apiVersion: "v1", metadata: {}, ...multiple, code: 500 } });
      event.responseStatus = { metadata: {}, ...multiple };
      const write = convertWrite(event);
      expect(write.effect, level).toBeUndefined();
      // A failed request, as the Status says, titled by the Status's own code where the event has the body.
      expect(write.failed, level).toBe(true);
      expect(write.statusCode, level).toBe(201);
      expect(write.title, level).toBe(level === "RequestResponse" ? "minikube-user create eviction (Internal Server Error)" : "minikube-user create eviction (Failure)");
      expect(write.details.failure, level).toMatchObject({ status: "Failure", message: multiple.message });
    }
  });
});

describe("an effect on fields a sensitive rule covers", () => {
  it("is not read: its values would go into the object's state unredacted", () => {
    const withRules = (rules: ConvertOptions["sensitive"]) => ({ ...options, sensitive: [...options.sensitive, ...rules] });
    const convertWith = (raw: RawEvent, rules: ConvertOptions["sensitive"]) => {
      const parsed = parseAuditEvent(raw);
      if (!parsed.ok) throw new Error(parsed.error);
      return convertAuditEvent(parsed.event, withRules(rules)) as AuditWrite;
    };
    // At the field, above it, or below it (a condition's message): covered.
    expect(convertWith(scaleEvent(), [{ apiGroup: "apps", resource: "deployments", paths: [["spec", "replicas"]] }]).effect).toBeUndefined();
    expect(convertWith(bindingEvent(), [{ apiGroup: "", resource: "pods", paths: [["spec"]] }]).effect).toBeUndefined();
    expect(convertWith(bindingEvent(), [{ apiGroup: "", resource: "pods", paths: [["status", "conditions", "message"]] }]).effect).toBeUndefined();
    expect(convertWith(evictionEvent(), [{ apiGroup: "", resource: "pods", paths: [["status", "conditions"]] }]).effect).toBeUndefined();
    expect(convertWith(evictionEvent(), [{ apiGroup: "", resource: "pods", paths: [["metadata"]] }]).effect).toBeUndefined();
    // What an eviction's outcome depends on, redacted in the state it would be applied to (a
    // fingerprint for the grace period is no number: the Pod would be removed at once).
    for (const path of [["spec"], ["spec", "terminationGracePeriodSeconds"], ["spec", "nodeName"], ["status", "phase"], ["metadata", "finalizers"]]) {
      expect(convertWith(evictionEvent(), [{ apiGroup: "", resource: "pods", paths: [path] }]).effect, path.join(".")).toBeUndefined();
    }
    expect(convertWith(evictionEvent(), [{ apiGroup: "", resource: "pods", paths: [["spec", "containers", "env"]] }]).effect).toMatchObject({ kind: "eviction" });
    // Beside it, or another resource's: read as ever.
    expect(convertWith(scaleEvent(), [{ apiGroup: "apps", resource: "deployments", paths: [["spec", "template", "spec", "containers", "env"]] }]).effect).toMatchObject({ kind: "scale" });
    expect(convertWith(bindingEvent(), [{ apiGroup: "apps", resource: "deployments", paths: [["spec"]] }]).effect).toMatchObject({ kind: "binding" });
  });
});

describe("a body made before the effects a state holds", () => {
  it("is a Pod without the node its state's binding gave it", () => {
    // The real Pod, on its node as its binding left it, and as it was before (still Pending).
    const bound = structuredClone(realApiserverPod()) as RawEvent;
    const pending = structuredClone(bound);
    delete pending.spec.nodeName;
    expect(predatesEffects(pending as JsonObject, bound as JsonObject)).toBe(true);
    expect(predatesEffects({ ...pending, spec: { ...pending.spec, nodeName: "" } } as JsonObject, bound as JsonObject)).toBe(true);
    expect(predatesEffects(bound as JsonObject, bound as JsonObject)).toBe(false);
    // A state of a Pod not on a node says nothing of a body's.
    expect(predatesEffects(bound as JsonObject, pending as JsonObject)).toBe(false);
  });

  it("is a Pod without the deletion its state's eviction began", () => {
    const evicted = structuredClone(realApiserverPod()) as RawEvent;
    const running = structuredClone(evicted);
    evicted.metadata.deletionTimestamp = "2021-09-13T15:11:15Z";
    evicted.metadata.deletionGracePeriodSeconds = 70;
    expect(predatesEffects(running as JsonObject, evicted as JsonObject)).toBe(true);
    expect(predatesEffects(evicted as JsonObject, evicted as JsonObject)).toBe(false);
    expect(predatesEffects(evicted as JsonObject, running as JsonObject)).toBe(false);
  });

  it("is an object of an older generation than its state's, which a scale bumped", () => {
    const scaled = structuredClone(realApiserverDeployment()) as RawEvent;
    const before = structuredClone(scaled);
    scaled.metadata.generation += 1;
    expect(predatesEffects(before as JsonObject, scaled as JsonObject)).toBe(true);
    expect(predatesEffects(scaled as JsonObject, scaled as JsonObject)).toBe(false);
    expect(predatesEffects(scaled as JsonObject, before as JsonObject)).toBe(false);
  });
});
