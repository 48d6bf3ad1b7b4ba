import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SETUPS, startTestApp, type TestApp } from "../../testing/appHarness";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { TEST_CONVERT_OPTIONS } from "../../testing/convertOptions";
import { eventList, rolloutScenario } from "../../testing/scenarios/rollout";
import { openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import type { Database } from "../../store/database";
import { compareKubernetesVersions, formatKubernetesVersion, parseKubernetesVersion } from "../../k8s/kubernetesVersion";
import { BUILTIN_LINKERS } from "../../model/links/builtin";
import { createAuditIngestor } from "./ingest";
import { TRANSACTION_LIMITS } from "./transactionParts";
import { importAuditFile } from "../auditFile/importAuditFile";
import { Readable } from "node:stream";
import type { DiffEntry } from "./types";

type Obj = Record<string, any>;

interface Entry {
  title: string;
  diff: DiffEntry[] | null;
  details: Obj;
}

/**
 * `kubectl scale` and the scheduler change their objects through subresources whose bodies are
 * another kind (a Scale, a Binding): the change they make must show on their own entry, not on
 * the next writer's (change.ts, subresourceEffect.ts).
 */

/**
 * The rollout scenario (the real openshift-apiserver Deployment: server/testing/scenarios/rollout.ts)
 * with its "scale up" made as `kubectl scale deployment apiserver --replicas=5` makes it: a patch
 * of deployments/scale, answered with the Scale (autoscaling/v1) of the Deployment as it left it.
 */
function scaledThroughSubresource(): Obj[] {
  const steps = rolloutScenario();
  const event = (label: string) => steps.find((step) => step.label === label)!.event as Obj;
  const patched = event("scale up");
  const deployment = patched.responseObject;
  const scale: Obj = {
    ...patched,
    objectRef: { ...patched.objectRef, subresource: "scale" },
    requestURI: `${patched.requestURI}/scale`,
    responseObject: {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: deployment.metadata.name, namespace: deployment.metadata.namespace, uid: deployment.metadata.uid, resourceVersion: deployment.metadata.resourceVersion, creationTimestamp: deployment.metadata.creationTimestamp },
      spec: { replicas: 5 },
      status: { replicas: 3, selector: "apiserver=true,app=openshift-apiserver-a" },
    },
  };
  return [event("create"), event("status generation 1"), scale, event("status generation 2")];
}

/**
 * The whole rollout (server/testing/scenarios/rollout.ts, the real openshift-apiserver Deployment)
 * with its "scale up" made by `kubectl scale deployment apiserver --replicas=5` audited at Request
 * level (the merge patch kubectl sends to deployments/scale, no answer: the version it made,
 * 22003, is not told), and the deployment-controller's status update that follows the scale
 * down (22006, generation 4), which the scenario leaves out: its status update after the scale up
 * with the replicas and observedGeneration of generation 4, at 22007, two seconds later.
 */
function rolloutScaledAtRequestLevel() {
  const steps = rolloutScenario();
  const event = (label: string) => structuredClone(steps.find((step) => step.label === label)!.event) as Obj;
  const [, , patchedScale] = scaledThroughSubresource();
  const scale: Obj = { ...structuredClone(patchedScale!), level: "Request" };
  delete scale.responseObject;
  const scaleDown = event("scale down");
  const statusAfterScaleDown = event("status generation 2");
  const reported = structuredClone(scaleDown.responseObject);
  reported.status = { ...statusAfterScaleDown.responseObject.status, observedGeneration: 4, replicas: 3, updatedReplicas: 3 };
  reported.metadata.resourceVersion = "22007";
  const at = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString().replace("Z", "000Z");
  Object.assign(statusAfterScaleDown, {
    auditID: "5f0c7e3a-0000-4000-8000-000000000604",
    requestObject: reported,
    responseObject: reported,
    requestReceivedTimestamp: at(scaleDown.requestReceivedTimestamp, 2000),
    stageTimestamp: at(scaleDown.stageTimestamp, 2000),
  });
  return {
    create: event("create"),
    status1: event("status generation 1"),
    scale,
    status2: event("status generation 2"),
    imageChange: event("image change"),
    scaleDown,
    statusAfterScaleDown,
    delete: event("delete"),
  };
}

/**
 * Two `kubectl scale` runs on the rollout's Deployment (server/testing/scenarios/rollout.ts, the
 * real openshift-apiserver one), both audited at Request level as in
 * rolloutScaledAtRequestLevel: to 5 replicas (the scenario's scale up, 22003, generation 2), and
 * back to 3 thirty seconds later (22004, generation 3); then the deployment-controller's report
 * of generation 3 (its second status update with that generation and 3 replicas, 22005).
 */
function scaledTwiceAtRequestLevel() {
  const w = rolloutScaledAtRequestLevel();
  const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString().replace("Z", "000Z");
  const back: Obj = {
    ...structuredClone(w.scale),
    auditID: "5f0c7e3a-0000-4000-8000-000000000311",
    requestObject: { spec: { replicas: 3 } },
    requestReceivedTimestamp: shifted(w.scale.requestReceivedTimestamp, 30_000),
    stageTimestamp: shifted(w.scale.stageTimestamp, 30_000),
  };
  const report = structuredClone(w.status2);
  const reported = structuredClone(report.responseObject);
  reported.spec.replicas = 3;
  reported.metadata.generation = 3;
  reported.metadata.resourceVersion = "22005";
  reported.status = { ...reported.status, observedGeneration: 3, replicas: 3, updatedReplicas: 3 };
  Object.assign(report, {
    auditID: "5f0c7e3a-0000-4000-8000-000000000312",
    requestObject: reported,
    responseObject: reported,
    requestReceivedTimestamp: shifted(back.stageTimestamp, 2000),
    stageTimestamp: shifted(back.stageTimestamp, 2007),
  });
  return { create: w.create, status1: w.status1, up: w.scale, back, report };
}

/**
 * The horizontal-pod-autoscaler and an admin fighting over the rollout's replicas (the
 * Deployment of server/testing/scenarios/rollout.ts, from the real openshift-apiserver one), as
 * happens when a manifest that sets them is applied to a Deployment an HPA scales. The HPA's
 * update of deployments/scale to 5 replicas, audited at Request level (the Scale it read at
 * 22002, the controller's first status update, and no answer), made 22003; `kubectl apply` of
 * the manifest's 3 replicas, received 3 ms before the HPA's update completed, made 22004
 * (generation 3); the deployment-controller reported generation 3 two seconds later (22005).
 * The HPA's update and the apply are the scenario's "scale up" patch with those bodies, and the
 * report its second status update with the generation and replicas of the apply.
 */
function hpaAgainstApply() {
  const steps = rolloutScenario();
  const event = (label: string) => structuredClone(steps.find((step) => step.label === label)!.event) as Obj;
  const status1 = event("status generation 1");
  const scaleUp = event("scale up");
  const deployment = scaleUp.responseObject;
  const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString().replace("Z", "000Z");
  const hpa: Obj = {
    ...structuredClone(scaleUp),
    auditID: "5f0c7e3a-0000-4000-8000-000000000301",
    level: "Request",
    verb: "update",
    user: { username: "system:serviceaccount:kube-system:horizontal-pod-autoscaler", groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"] },
    userAgent: "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9/system:serviceaccount:kube-system:horizontal-pod-autoscaler",
    objectRef: { ...scaleUp.objectRef, subresource: "scale" },
    requestURI: `${scaleUp.requestURI}/scale`,
    requestObject: {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: deployment.metadata.name, namespace: deployment.metadata.namespace, uid: deployment.metadata.uid, resourceVersion: status1.responseObject.metadata.resourceVersion, creationTimestamp: deployment.metadata.creationTimestamp },
      spec: { replicas: 5 },
      status: { replicas: 3, selector: "apiserver=true,app=openshift-apiserver-a" },
    },
  };
  delete hpa.responseObject;
  const applied = structuredClone(deployment);
  applied.spec.replicas = 3;
  applied.metadata.generation = 3;
  applied.metadata.resourceVersion = "22004";
  const apply: Obj = {
    ...structuredClone(scaleUp),
    auditID: "5f0c7e3a-0000-4000-8000-000000000302",
    requestObject: { spec: { replicas: 3 } },
    responseObject: applied,
    requestReceivedTimestamp: shifted(hpa.stageTimestamp, -3),
    stageTimestamp: shifted(hpa.stageTimestamp, 5),
  };
  const report = event("status generation 2");
  const reported = structuredClone(applied);
  reported.status = { ...report.responseObject.status, observedGeneration: 3, replicas: 3, updatedReplicas: 3 };
  reported.metadata.resourceVersion = "22005";
  Object.assign(report, {
    auditID: "5f0c7e3a-0000-4000-8000-000000000303",
    requestObject: reported,
    responseObject: reported,
    requestReceivedTimestamp: shifted(apply.stageTimestamp, 2000),
    stageTimestamp: shifted(apply.stageTimestamp, 2007),
  });
  return { create: event("create"), status1, hpa, apply, report };
}

/**
 * hpaAgainstApply's HPA update audited at RequestResponse (answered with the Scale, at 22003;
 * its request still names 22002, the version it read), and instead of the apply a `kubectl scale
 * deployment apiserver --replicas=4` thirty seconds later, audited at Request level as in
 * rolloutScaledAtRequestLevel (the merge patch to deployments/scale, no answer: it made 22004,
 * generation 3); then the deployment-controller's report of generation 3 with its 4 replicas
 * (22005), two seconds after it.
 */
function hpaThenKubectlScale() {
  const w = hpaAgainstApply();
  const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString().replace("Z", "000Z");
  const hpa: Obj = { ...w.hpa, level: "RequestResponse", responseObject: { ...w.hpa.requestObject, metadata: { ...w.hpa.requestObject.metadata, resourceVersion: "22003" } } };
  const [, , patchedScale] = scaledThroughSubresource();
  const scale: Obj = {
    ...structuredClone(patchedScale!),
    auditID: "5f0c7e3a-0000-4000-8000-000000000321",
    level: "Request",
    requestObject: { spec: { replicas: 4 } },
    requestReceivedTimestamp: shifted(hpa.stageTimestamp, 30_000),
    stageTimestamp: shifted(hpa.stageTimestamp, 30_007),
  };
  delete scale.responseObject;
  const report = structuredClone(w.report);
  const reported = structuredClone(report.responseObject);
  reported.spec.replicas = 4;
  reported.status = { ...reported.status, replicas: 4, updatedReplicas: 4 };
  Object.assign(report, { requestObject: reported, responseObject: reported, requestReceivedTimestamp: shifted(scale.stageTimestamp, 2000), stageTimestamp: shifted(scale.stageTimestamp, 2007) });
  return { create: w.create, status1: w.status1, hpa, scale, report };
}

/** One Pod of the OpenShift cascade (server/testing/scenarios/openshiftCascade.ts): created, bound by the scheduler, reported running by its kubelet. */
const POD = "apiserver-85b76d5494-tscjb";
function podScheduled(): Obj[] {
  const steps = openshiftCascade();
  return [`create pod ${POD}`, `bind pod ${POD} to master0`, `pod ${POD} running`].map((label) => steps.find((step) => step.label === label)!.event);
}

async function entriesOf(db: Database, cluster: string, name: string): Promise<Entry[]> {
  const rows = await db.query<Entry>(
    `SELECT h.title, h.diff, h.details FROM history_entries h JOIN objects o ON o.id = h.object_id JOIN clusters c ON c.id = o.cluster_id
      WHERE c.name = $1 AND o.name = $2 ORDER BY h.start_time`,
    [cluster, name],
  );
  return rows.rows;
}

const paths = (entry: Entry) => (entry.diff ?? []).map((d) => d.path);

/**
 * An ingestor for `clusters` configured (KUBETRAIL_KUBERNETES_VERSIONS) as running Kubernetes
 * `version`, whatever their audit events tell: the OpenShift cascade's control plane names 1.21
 * in its user agents (kube-controller-manager/v1.21.1, kube-scheduler/v1.21.1).
 */
function ingestorOn(db: Database, version: string, clusters: string[]) {
  const configured = Object.fromEntries(clusters.map((cluster) => [cluster, parseKubernetesVersion(version)!]));
  return createAuditIngestor(db, TEST_CONVERT_OPTIONS, {}, BUILTIN_LINKERS, TRANSACTION_LIMITS, configured);
}

/** The versions stored of `cluster` (kubernetes_version_sightings), oldest first, each with when it was first seen. */
async function storedSightingsOf(db: Database, cluster: string): Promise<Array<[version: string, firstSeen: string]>> {
  const rows = await db.query<{ version: string; first_seen: Date }>(
    `SELECT s.version, s.first_seen FROM kubernetes_version_sightings s JOIN clusters c ON c.id = s.cluster_id WHERE c.name = $1 ORDER BY s.first_seen`,
    [cluster],
  );
  return rows.rows.map((row) => [row.version, new Date(row.first_seen).toISOString()]);
}

/** The newest version stored of `cluster`; undefined when none is. */
async function storedVersionOf(db: Database, cluster: string): Promise<string | undefined> {
  const versions = (await storedSightingsOf(db, cluster)).map(([version]) => parseKubernetesVersion(version)!);
  versions.sort(compareKubernetesVersions);
  return versions.length === 0 ? undefined : formatKubernetesVersion(versions.at(-1)!);
}

/** The cascade's binding of POD (or `pod`), as a scheduler that labels its decision would send it, and its kubelet's report with the Pod as `labelled` says. */
function labelledBinding(labelled: boolean, pod = POD): Obj[] {
  const steps = openshiftCascade();
  const [create, bind, running] = [`create pod ${pod}`, `bind pod ${pod} to `, `pod ${pod} running`].map((label) => structuredClone(steps.find((step) => step.label.startsWith(label))!.event) as Obj);
  const labels = { "topology.kubernetes.io/zone": "westeurope-1", "scheduling.example.com/pool": "masters" };
  bind!.requestObject.metadata.labels = labels;
  if (labelled) Object.assign(running!.responseObject.metadata.labels, labels);
  return [create!, bind!, running!];
}

describe.each(APP_SETUPS)("writes through a Scale or a Binding, through the webhook on $label", ({ kind, env }) => {
  let app: TestApp;
  beforeAll(async () => {
    // One cluster configured as running 1.35, which copies a Binding's labels onto its Pod.
    app = await startTestApp(kind, { ...env, KUBETRAIL_KUBERNETES_VERSIONS: "labels-1-35=1.35" });
    // One request per event, as a webhook in blocking mode sends them.
    for (const event of scaledThroughSubresource()) expect((await app.postAudit(eventList([event]), { cluster: "scale" })).status).toBe(200);
    for (const event of podScheduled()) expect((await app.postAudit(eventList([event]), { cluster: "schedule" })).status).toBe(200);
    for (const event of labelledBinding(true)) expect((await app.postAudit(eventList([event]), { cluster: "labels-1-35" })).status).toBe(200);
    // The cascade's own release, 1.21, which its control plane's user agents name: the labels stay the Binding's.
    for (const event of labelledBinding(false)) expect((await app.postAudit(eventList([event]), { cluster: "labels-1-21" })).status).toBe(200);
  });
  afterAll(() => app.close());

  it("show a scale as the change of the write that made it, with the Deployment's new version", async () => {
    const [, , scale, status] = await entriesOf(app.context.db, "scale", "apiserver");
    expect(scale!.title).toBe("kube:admin patch scale");
    expect(scale!.diff).toEqual([
      { path: "metadata.generation", old: 1, new: 2 },
      { path: "spec.replicas", old: 3, new: 5 },
    ]);
    expect(scale!.details).toMatchObject({ resourceVersionBefore: "22002", resourceVersionAfter: "22003", patch: { spec: { replicas: 5 } } });
    // The deployment-controller's next status update only reports what it saw.
    expect(status!.title).toBe("system:serviceaccount:kube-system:deployment-controller update status");
    expect(paths(status!)).not.toContain("spec.replicas");
    expect(paths(status!)).not.toContain("metadata.generation");
    expect(status!.diff).toContainEqual({ path: "status.observedGeneration", old: 1, new: 2 });
    expect(status!.details.resourceVersionBefore).toBe("22003");
  });

  it("show a Pod put on its node by the scheduler's binding, not by its kubelet", async () => {
    const [, binding, running] = await entriesOf(app.context.db, "schedule", POD);
    expect(binding!.title).toBe("system:kube-scheduler create binding");
    expect(binding!.diff).toContainEqual({ path: "spec.nodeName", new: "ci-ln-k7vx6h2-002ac-w7gjh-master-0" });
    // The created Pod had no conditions: the binding gives it its first, PodScheduled.
    expect(binding!.diff).toContainEqual({ path: "status.conditions", new: [{ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2021-09-13T14:53:16Z" }] });
    expect(running!.title).toBe("system:node:ci-ln-k7vx6h2-002ac-w7gjh-master-0 patch status");
    expect(paths(running!)).not.toContain("spec.nodeName");
    expect(paths(running!)).not.toContain("status.conditions[type=PodScheduled]");
    // The version the binding made is not told (it answers with a Status): the kubelet's write
    // names the last one told and the one change since as its version before.
    expect(binding!.details.resourceVersionAfter).toBeUndefined();
    expect(running!.details.resourceVersionBefore).toBe("9103+1");
  });

  it("show a Binding's labels copied onto its Pod by the binding where kube-apiserver copies them (1.35), and nowhere before", async () => {
    const [, copied, reported] = await entriesOf(app.context.db, "labels-1-35", POD);
    expect(copied!.diff).toEqual(
      expect.arrayContaining([
        { path: 'metadata.labels["topology.kubernetes.io/zone"]', new: "westeurope-1" },
        { path: 'metadata.labels["scheduling.example.com/pool"]', new: "masters" },
      ]),
    );
    expect(paths(reported!).filter((path) => path.startsWith("metadata."))).toEqual([]);
    // On 1.21 the Pod never had them: neither the binding nor its kubelet's write shows them.
    const [, ignored, running] = await entriesOf(app.context.db, "labels-1-21", POD);
    expect(paths(ignored!).filter((path) => path.startsWith("metadata."))).toEqual([]);
    expect(paths(running!).filter((path) => path.startsWith("metadata."))).toEqual([]);
    // Inferred from the scenario's scheduler and kube-controller-manager, stored for both clusters.
    expect(await storedVersionOf(app.context.db, "labels-1-21")).toBe("v1.21.1");
  });
});

describe.each(STORE_KINDS)("kubectl scale audited at Request level, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  it("shows the replicas its patch set, the old value and the generation from the state held, and no version after it", async () => {
    // The scale of scaledThroughSubresource audited at Request level: the merge patch kubectl
    // scale sends, and no answer.
    const [create, status1, patchedScale, status2] = scaledThroughSubresource();
    const scale: Obj = { ...patchedScale!, level: "Request" };
    delete scale.responseObject;
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    for (const event of [create!, status1!, scale, status2!]) await ingestor.ingest("request-level", [event]);
    const [, , scaled, status] = await entriesOf(test.db, "request-level", "apiserver");
    expect(scaled!.title).toBe("kube:admin patch scale");
    expect(scaled!.diff).toEqual([
      { path: "metadata.generation", old: 1, new: 2 },
      { path: "spec.replicas", old: 3, new: 5 },
    ]);
    expect(scaled!.details).toMatchObject({ resourceVersionBefore: "22002", patch: { spec: { replicas: 5 } } });
    expect(scaled!.details.resourceVersionAfter).toBeUndefined();
    // The deployment-controller's status update shows only what it reported, after a change that told no version.
    expect(paths(status!)).not.toContain("spec.replicas");
    expect(paths(status!)).not.toContain("metadata.generation");
    expect(status!.details.resourceVersionBefore).toBe("22002+1");
  });

  it("shows nothing of an object whose state it never saw, but keeps the patch", async () => {
    const [, , patchedScale] = scaledThroughSubresource();
    const scale: Obj = { ...patchedScale!, level: "Request" };
    delete scale.responseObject;
    await createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest("request-level-alone", [scale]);
    const [scaled] = await entriesOf(test.db, "request-level-alone", "apiserver");
    expect(scaled!.diff).toBeNull();
    expect(scaled!.details.patch).toEqual({ spec: { replicas: 5 } });
  });
});

describe.each(STORE_KINDS)("a binding with annotations, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  it("shows them copied onto its Pod by the binding, not by the kubelet", async () => {
    // podScheduled's binding as a scheduler that annotates its decision would send it (the default
    // one sends none), and the kubelet's report of the Pod running, which then has them.
    const [create, bind, running] = podScheduled().map((event) => structuredClone(event));
    const annotations = { "scheduling.example.com/zone": "westeurope-1", "scheduling.example.com/score": "87" };
    bind!.requestObject.metadata.annotations = annotations;
    Object.assign(running!.responseObject.metadata.annotations, annotations);
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    for (const event of [create!, bind!, running!]) await ingestor.ingest("annotated", [event]);
    const [, binding, kubelet] = await entriesOf(test.db, "annotated", POD);
    expect(binding!.diff).toEqual(
      expect.arrayContaining([
        { path: 'metadata.annotations["scheduling.example.com/zone"]', new: "westeurope-1" },
        { path: 'metadata.annotations["scheduling.example.com/score"]', new: "87" },
      ]),
    );
    expect(paths(kubelet!).filter((path) => path.startsWith("metadata."))).toEqual([]);
  });
});

describe.each(STORE_KINDS)("a binding whose request spanned two seconds, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  it("puts the Pod on its node but makes up no time for its PodScheduled condition, which its next write shows", async () => {
    // podScheduled's binding (received 14:53:16.309), answered 2 ms into the next second, as a
    // slow write to etcd would: the apiserver's "now", which the condition keeps to the second,
    // may have been in either.
    const [create, bind, running] = podScheduled().map((event) => structuredClone(event));
    const received = Date.parse(bind!.requestReceivedTimestamp);
    bind!.stageTimestamp = new Date(Math.floor(received / 1000) * 1000 + 1_002).toISOString();
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    for (const event of [create!, bind!, running!]) await ingestor.ingest("spanning", [event]);
    const [, binding, kubelet] = await entriesOf(test.db, "spanning", POD);
    expect(binding!.diff).toEqual([{ path: "spec.nodeName", new: "ci-ln-k7vx6h2-002ac-w7gjh-master-0" }]);
    // The kubelet's report, the Pod whole, is where the condition shows (the created Pod had
    // none: its first conditions, PodScheduled among them), with the time the apiserver gave it.
    const conditions = running!.responseObject.status.conditions;
    expect(conditions).toContainEqual({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: "2021-09-13T14:53:16Z" });
    expect(kubelet!.diff).toContainEqual({ path: "status.conditions", new: conditions });
    expect(paths(kubelet!)).not.toContain("spec.nodeName");
  });
});

describe.each(STORE_KINDS)("a binding stored by another ingest worker than its Pod's other writes, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  it("is not undone by the state the first worker keeps of the Pod from before it", async () => {
    // Two workers, each with its own cache of the states it wrote: the first keeps the created
    // Pod under its resourceVersion, which the binding tells no successor of.
    const first = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    const second = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    const [create, bind, running] = podScheduled();
    await first.ingest("workers", [create!]);
    await second.ingest("workers", [bind!]);
    await first.ingest("workers", [running!]);
    const [, binding, kubelet] = await entriesOf(test.db, "workers", POD);
    expect(paths(binding!)).toContain("spec.nodeName");
    expect(paths(kubelet!)).not.toContain("spec.nodeName");
  });
});

/**
 * A Pod the scheduler could not place at once (apiserver-5d887d5fcd-qnvqh of the OpenShift
 * cascade: created 14:57:20, bound 14:58:37, its anti-affinity leaving no master free until
 * then), with what happened to it while Pending: the scheduler's status patch marking it
 * Unschedulable, and two `kubectl label` patches by an admin. The three are not in the scenario:
 * each is its create's Pod with that change, given a resourceVersion between its create's (9133)
 * and its binding's (9137, untold) as kube-apiserver would.
 */
const PENDING_POD = "apiserver-5d887d5fcd-qnvqh";
function pendingPod() {
  const steps = openshiftCascade();
  const step = (label: string) => structuredClone(steps.find((s) => s.label === label)!.event) as Obj;
  const create = step(`create pod ${PENDING_POD}`);
  let sequence = 0;
  const podPatch = (fields: { at: string; resourceVersion: string; subresource?: string; actor: Obj; userAgent: string; patch: Obj; change: (pod: Obj) => void; base?: Obj }): Obj => {
    const pod = structuredClone(fields.base ?? create.responseObject);
    fields.change(pod);
    pod.metadata.resourceVersion = fields.resourceVersion;
    const received = new Date(Date.parse(`2021-09-13T${fields.at}Z`) - 4);
    return {
      ...create,
      auditID: `c45ca4de-0000-4000-8000-9${String(++sequence).padStart(11, "0")}`,
      verb: "patch",
      user: fields.actor,
      userAgent: fields.userAgent,
      requestURI: `/api/v1/namespaces/openshift-apiserver/pods/${PENDING_POD}${fields.subresource ? `/${fields.subresource}` : ""}`,
      objectRef: { ...create.objectRef, name: PENDING_POD, ...(fields.subresource ? { subresource: fields.subresource } : {}) },
      responseStatus: { metadata: {}, code: 200 },
      requestObject: fields.patch,
      responseObject: pod,
      requestReceivedTimestamp: received.toISOString().replace("Z", "000Z"),
      stageTimestamp: `2021-09-13T${fields.at}000Z`,
    };
  };
  const unschedulableCondition = {
    type: "PodScheduled",
    status: "False",
    reason: "Unschedulable",
    message: "0/6 nodes are available: 3 node(s) didn't match pod anti-affinity rules, 3 node(s) didn't match Pod's node affinity/selector.",
    lastProbeTime: null,
    lastTransitionTime: "2021-09-13T14:57:20Z",
  };
  const scheduler = { user: { username: "system:kube-scheduler", groups: ["system:authenticated"] }, userAgent: "kube-scheduler/v1.21.1 (linux/amd64) kubernetes/a4ab7a9/scheduler" };
  const admin = { user: { username: "kube:admin", groups: ["system:cluster-admins", "system:authenticated"] }, userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9" };
  const unschedulable = podPatch({
    at: "14:57:20.400",
    resourceVersion: "9134",
    subresource: "status",
    actor: scheduler.user,
    userAgent: scheduler.userAgent,
    patch: { status: { conditions: [unschedulableCondition] } },
    change: (pod) => (pod.status.conditions = [unschedulableCondition]),
  });
  const firstLabel = podPatch({
    at: "14:57:40.000",
    resourceVersion: "9135",
    actor: admin.user,
    userAgent: admin.userAgent,
    patch: { metadata: { labels: { "debug.example.com/watch": "true" } } },
    change: (pod) => (pod.metadata.labels["debug.example.com/watch"] = "true"),
  });
  const secondLabel = podPatch({
    at: "14:58:00.000",
    resourceVersion: "9136",
    actor: admin.user,
    userAgent: admin.userAgent,
    patch: { metadata: { labels: { "debug.example.com/owner": "sre" } } },
    base: firstLabel.responseObject,
    change: (pod) => (pod.metadata.labels["debug.example.com/owner"] = "sre"),
  });
  const running = step(`pod ${PENDING_POD} running`);
  // Once it runs (9138), labelled again.
  const labelWhenRunning = podPatch({
    at: "14:59:00.000",
    resourceVersion: "9140",
    actor: admin.user,
    userAgent: admin.userAgent,
    patch: { metadata: { labels: { "debug.example.com/owner": "sre" } } },
    base: running.responseObject,
    change: (pod) => (pod.metadata.labels["debug.example.com/owner"] = "sre"),
  });
  return { create, unschedulable, firstLabel, secondLabel, binding: step(`bind pod ${PENDING_POD} to master1`), running, labelWhenRunning };
}

/**
 * `kubectl drain` of master-1 ten minutes after the OpenShift cascade's rollout: it evicts the
 * Pod apiserver-5d887d5fcd-qnvqh (created, bound and reported running as in the cascade, itself
 * derived from the real Pod and the capture's Events). A PodDisruptionBudget refuses the first
 * eviction; drain retries five seconds later, and kube-apiserver allows it. Then the Pod's
 * kubelet reports its containers stopping and, once they stopped, deletes it. None of these four
 * writes is in the capture (it holds no audit log, and its Kubernetes 1.21 set no DisruptionTarget
 * condition): each is the Pod as the cascade left it, changed as kube-apiserver 1.26 and later do
 * (pkg/registry/core/pod/storage/eviction.go), with the Pod's real grace period (70 s) and the
 * next resourceVersions (the allowed eviction makes two: its condition update and its delete).
 * The refusal's text is the eviction REST's (checkAndDecrement); the budget's name is made up.
 */
const DRAINED_POD = "apiserver-5d887d5fcd-qnvqh";
function drained(options: { disruptionTarget: boolean } = { disruptionTarget: true }) {
  const steps = openshiftCascade();
  const step = (label: string) => structuredClone(steps.find((s) => s.label === label)!.event) as Obj;
  const create = step(`create pod ${DRAINED_POD}`);
  const running = step(`pod ${DRAINED_POD} running`);
  const kubelet = { user: running.user, userAgent: running.userAgent };
  const admin = { user: { username: "kube:admin", groups: ["system:cluster-admins", "system:authenticated"] }, userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9" };
  const rv = Number(running.responseObject.metadata.resourceVersion);
  let sequence = 0;
  const write = (fields: { received: string; at: string; actor: Obj; verb: string; subresource?: string; code: number; request: Obj; response: Obj; status?: Obj }): Obj => ({
    ...create,
    auditID: `c45ca4de-0000-4000-8000-e${String(++sequence).padStart(11, "0")}`,
    verb: fields.verb,
    user: fields.actor.user,
    userAgent: fields.actor.userAgent,
    requestURI: `/api/v1/namespaces/openshift-apiserver/pods/${DRAINED_POD}${fields.subresource ? `/${fields.subresource}` : ""}`,
    objectRef: { ...create.objectRef, name: DRAINED_POD, ...(fields.subresource ? { subresource: fields.subresource } : {}) },
    responseStatus: fields.status ?? { metadata: {}, code: fields.code },
    requestObject: fields.request,
    responseObject: fields.response,
    requestReceivedTimestamp: `2021-09-13T${fields.received}Z`,
    stageTimestamp: `2021-09-13T${fields.at}Z`,
  });
  const eviction = { kind: "Eviction", apiVersion: "policy/v1", metadata: { name: DRAINED_POD, namespace: "openshift-apiserver", creationTimestamp: null }, deleteOptions: {} };
  const refusal = {
    status: "Failure",
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    reason: "TooManyRequests",
    details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget openshift-apiserver-pdb needs 2 healthy pods and has 2 currently" }] },
    code: 429,
  };
  const refused = write({ received: "15:10:00.104211", at: "15:10:00.112034", actor: admin, verb: "create", subresource: "eviction", code: 429, request: eviction, response: { kind: "Status", apiVersion: "v1", metadata: {}, ...refusal }, status: { metadata: {}, ...refusal } });
  const allowed = write({ received: "15:10:05.204123", at: "15:10:05.216789", actor: admin, verb: "create", subresource: "eviction", code: 201, request: eviction, response: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 } });
  // The kubelet stops the containers: the Pod as the eviction left it, no longer ready.
  const stopping = structuredClone(running.responseObject);
  stopping.metadata.deletionTimestamp = "2021-09-13T15:11:15Z";
  stopping.metadata.deletionGracePeriodSeconds = 70;
  if (options.disruptionTarget) stopping.status.conditions.push({ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", lastProbeTime: null, lastTransitionTime: "2021-09-13T15:10:05Z" });
  for (const condition of stopping.status.conditions) {
    if (condition.type === "Ready" || condition.type === "ContainersReady") Object.assign(condition, { status: "False", reason: "ContainersNotReady", lastTransitionTime: "2021-09-13T15:10:06Z" });
  }
  // The allowed eviction makes two versions where it sets the condition, one where it does not.
  stopping.metadata.resourceVersion = String(rv + (options.disruptionTarget ? 3 : 2));
  const notReady = write({
    received: "15:10:06.496102",
    at: "15:10:06.503344",
    actor: kubelet,
    verb: "patch",
    subresource: "status",
    code: 200,
    request: { metadata: { uid: stopping.metadata.uid }, status: { conditions: stopping.status.conditions.filter((c: Obj) => c.type === "Ready" || c.type === "ContainersReady") } },
    response: stopping,
  });
  const gone = structuredClone(stopping);
  gone.metadata.deletionGracePeriodSeconds = 0;
  gone.metadata.resourceVersion = String(Number(stopping.metadata.resourceVersion) + 1);
  const deleted = write({ received: "15:10:47.001020", at: "15:10:47.009871", actor: kubelet, verb: "delete", code: 200, request: { kind: "DeleteOptions", apiVersion: "meta.k8s.io/v1", gracePeriodSeconds: 0, preconditions: { uid: gone.metadata.uid } }, response: gone });
  return { create, bind: step(`bind pod ${DRAINED_POD} to master1`), running, refused, allowed, notReady, deleted };
}

/** The clusters the drain below is stored in, configured as kube-apiserver 1.31 (drained() evicts as 1.26 and later do). */
const DRAIN_CLUSTERS = ["drain", "drain-late", "drain-huge", "drain-renamed", "evict-pending"];

describe.each(STORE_KINDS)("a Pod evicted by kubectl drain, on %s", (kind) => {
  let test: TestDatabase;
  let entries: Map<string, Entry>;
  let events: ReturnType<typeof drained>;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
    events = drained();
    const ingestor = ingestorOn(test.db, "v1.31.0", DRAIN_CLUSTERS);
    for (const event of Object.values(events)) await ingestor.ingest("drain", [event]);
    entries = await historyById(test.db, "drain");
  });
  afterAll(() => test.dispose());

  it("shows a refusal by a PodDisruptionBudget as a failed request, with its reason, changing nothing", () => {
    const refused = entries.get(events.refused.auditID)!;
    expect(refused.title).toBe("kube:admin create eviction (Too Many Requests)");
    expect(refused.diff).toBeNull();
    expect(refused.details.failure).toEqual({
      status: "Failure",
      reason: "TooManyRequests",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      causes: [{ reason: "DisruptionBudget", message: "The disruption budget openshift-apiserver-pdb needs 2 healthy pods and has 2 currently" }],
    });
  });

  it("shows the DisruptionTarget condition and the start of the graceful deletion on the eviction, not on the kubelet", () => {
    const allowed = entries.get(events.allowed.auditID)!;
    expect(allowed.title).toBe("kube:admin create eviction");
    expect(allowed.diff).toEqual([
      { path: "metadata.deletionTimestamp", new: "2021-09-13T15:11:15Z" },
      { path: "metadata.deletionGracePeriodSeconds", new: 70 },
      { path: "status.conditions[type=DisruptionTarget]", new: { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", lastProbeTime: null, lastTransitionTime: "2021-09-13T15:10:05Z" } },
    ]);
    // The kubelet's status patch shows only what it reported: its containers no longer ready.
    const notReady = entries.get(events.notReady.auditID)!;
    expect(paths(notReady).sort()).toEqual(["status.conditions[type=ContainersReady].lastTransitionTime", "status.conditions[type=ContainersReady].reason", "status.conditions[type=ContainersReady].status", "status.conditions[type=Ready].lastTransitionTime", "status.conditions[type=Ready].reason", "status.conditions[type=Ready].status"]);
    // The eviction told no version (a Status answer): the kubelet's write names the one told and the change since.
    expect(allowed.details.resourceVersionAfter).toBeUndefined();
    expect(notReady.details.resourceVersionBefore).toBe(`${events.running.responseObject.metadata.resourceVersion}+1`);
  });

  it("is not undone by a write made before it that arrives after it", async () => {
    // The kubelet's report that the Pod runs, sent in a batch that arrived after the eviction's.
    const ingestor = ingestorOn(test.db, "v1.31.0", DRAIN_CLUSTERS);
    for (const event of [events.create, events.bind, events.allowed, events.running, events.notReady]) await ingestor.ingest("drain-late", [event]);
    const arrived = await historyById(test.db, "drain-late");
    const deleting = [...arrived].filter(([, entry]) => paths(entry).includes("metadata.deletionTimestamp")).map(([id]) => id);
    expect(deleting).toEqual([events.allowed.auditID]);
    // Its version is newer than the one the eviction was made on, but it shows the Pod not being deleted.
    expect(arrived.get(events.running.auditID)!.diff).toBeNull();
    expect(arrived.get(events.running.auditID)!.details.arrivedAfterResourceVersion).toMatch(/^\d+\+2$/);
  });

  it("stores one asking for a grace period longer than kube-apiserver can add to a time, showing no deletion time it did not know", async () => {
    // 2^53 − 1 seconds: a valid int64, which the apiserver takes; as a Go Duration it overflows.
    const huge = structuredClone(events.allowed);
    huge.auditID = "c45ca4de-0000-4000-8000-e99999999999";
    huge.requestObject.deleteOptions = { gracePeriodSeconds: 9007199254740991 };
    const ingestor = ingestorOn(test.db, "v1.31.0", DRAIN_CLUSTERS);
    for (const event of [events.create, events.bind, events.running, huge]) await ingestor.ingest("drain-huge", [event]);
    const stored = (await historyById(test.db, "drain-huge")).get(huge.auditID)!;
    expect(stored.title).toBe("kube:admin create eviction");
    expect(stored.diff).toBeNull();
  });

  it("that arrives after its name was taken by a new Pod does not evict the new one", async () => {
    // The drain's Pod gone, its name taken again by a new Pod (as a StatefulSet's controller
    // recreates its Pods, or `kubectl replace --force`): the drained Pod's body with a new uid,
    // created a second after the delete and reported running by its kubelet, which later reports
    // a container restarted. The eviction (which names no uid: its answer is a Status) arrives
    // after all that, in a batch held back or a log imported out of order.
    const rv = Number(events.running.responseObject.metadata.resourceVersion);
    const uid = "2c6a0a1e-5b0f-4d4e-9f0a-7d1f3a9e6b21";
    const renewed = (event: Obj, fields: { rv: number; received: string; at: string; auditID: string }) => {
      const copy = structuredClone(event);
      copy.auditID = fields.auditID;
      copy.requestReceivedTimestamp = `2021-09-13T${fields.received}Z`;
      copy.stageTimestamp = `2021-09-13T${fields.at}Z`;
      Object.assign(copy.responseObject.metadata, { uid, resourceVersion: String(fields.rv), creationTimestamp: "2021-09-13T15:10:48Z" });
      if (copy.requestObject?.metadata?.uid) copy.requestObject.metadata.uid = uid;
      return copy;
    };
    const create = renewed(events.create, { rv: rv + 5, received: "15:10:48.101000", at: "15:10:48.105000", auditID: "c45ca4de-0000-4000-8000-d00000000001" });
    const running = renewed(events.running, { rv: rv + 7, received: "15:10:55.201000", at: "15:10:55.206000", auditID: "c45ca4de-0000-4000-8000-d00000000002" });
    const restarted = renewed(events.running, { rv: rv + 8, received: "15:11:20.301000", at: "15:11:20.305000", auditID: "c45ca4de-0000-4000-8000-d00000000003" });
    restarted.responseObject.status.containerStatuses[0].restartCount += 1;
    const ingestor = ingestorOn(test.db, "v1.31.0", DRAIN_CLUSTERS);
    for (const event of [events.create, events.bind, events.running, events.notReady, events.deleted, create, running, events.allowed, restarted]) await ingestor.ingest("drain-renamed", [event]);
    const rows = await test.db.query<{ uid: string; deleted_at: Date | null }>(
      `SELECT o.uid, o.deleted_at FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'drain-renamed' AND o.name = $1 ORDER BY o.first_seen`,
      [DRAINED_POD],
    );
    expect(rows.rows.map((row) => [row.uid, row.deleted_at?.toISOString() ?? null])).toEqual([
      [events.create.responseObject.metadata.uid, "2021-09-13T15:10:47.009Z"],
      [uid, null],
    ]);
    const arrived = await historyById(test.db, "drain-renamed");
    // The drained Pod's next write shows its deletion, as for any eviction arriving late; nothing of the new Pod's does.
    const deleting = [...arrived].filter(([, entry]) => paths(entry).includes("metadata.deletionTimestamp")).map(([id]) => id);
    expect(deleting).toEqual([events.notReady.auditID]);
    expect(arrived.get(events.allowed.auditID)!.diff).toBeNull();
    // The new Pod's kubelet is not taken for writing a Pod from before an eviction it never had.
    const later = arrived.get(restarted.auditID)!;
    expect(later.details.arrivedAfterResourceVersion).toBeUndefined();
    expect(paths(later)).toEqual(["status.containerStatuses[name=openshift-apiserver].restartCount"]);
  });

  it("leaves the Pod there until its kubelet's delete", async () => {
    const rows = await test.db.query<{ deleted_at: Date | null }>(`SELECT o.deleted_at FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'drain' AND o.name = $1`, [DRAINED_POD]);
    expect(rows.rows.map((row) => row.deleted_at?.toISOString() ?? null)).toEqual(["2021-09-13T15:10:47.009Z"]);
    expect(paths(entries.get(events.deleted.auditID)!)).toEqual([]);
  });
});

describe.each(STORE_KINDS)("a Pod on no node evicted, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  it("is removed by the eviction itself, which snapshots it", async () => {
    // The cascade's apiserver-675785f59-jl22t, never scheduled (anti-affinity left no master
    // free), evicted four seconds after its create by an admin, instead of the scale-down delete
    // the cascade has: a Pod on no node has no grace period, and the apiserver removes it at once.
    const create = structuredClone(openshiftCascade().find((s) => s.label === "create pod apiserver-675785f59-jl22t")!.event) as Obj;
    const name = "apiserver-675785f59-jl22t";
    const eviction: Obj = {
      ...create,
      auditID: "c45ca4de-0000-4000-8000-f00000000001",
      user: { username: "kube:admin", groups: ["system:cluster-admins", "system:authenticated"] },
      userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
      requestURI: `/api/v1/namespaces/openshift-apiserver/pods/${name}/eviction`,
      objectRef: { ...create.objectRef, name, subresource: "eviction" },
      responseStatus: { metadata: {}, code: 201 },
      requestObject: { kind: "Eviction", apiVersion: "policy/v1", metadata: { name, namespace: "openshift-apiserver", creationTimestamp: null }, deleteOptions: {} },
      responseObject: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 },
      requestReceivedTimestamp: "2021-09-13T14:57:18.400501Z",
      stageTimestamp: "2021-09-13T14:57:18.409722Z",
    };
    const ingestor = ingestorOn(test.db, "v1.31.0", DRAIN_CLUSTERS);
    await ingestor.ingest("evict-pending", [create]);
    await ingestor.ingest("evict-pending", [eviction]);
    const rows = await test.db.query<{ deleted_at: Date | null; snapshot: Obj | null }>(
      `SELECT o.deleted_at, h.snapshot FROM history_entries h JOIN objects o ON o.id = h.object_id WHERE h.audit_id = $1`,
      [eviction.auditID],
    );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]!.deleted_at?.toISOString()).toBe("2021-09-13T14:57:18.409Z");
    expect(rows.rows[0]!.snapshot?.metadata).toMatchObject({ name, deletionTimestamp: "2021-09-13T14:57:18Z", deletionGracePeriodSeconds: 0 });
    expect(rows.rows[0]!.snapshot?.status.conditions).toEqual([{ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", lastProbeTime: null, lastTransitionTime: "2021-09-13T14:57:18Z" }]);
  });
});

describe.each(STORE_KINDS)("a Pod evicted by kubectl drain on a cluster of its own release, Kubernetes 1.21, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  /** The eviction's entry and the kubelet's report after it, the Pod's writes stored by `ingestors` in turn (one batch each). */
  async function drainedOn(cluster: string, ingestors: Array<ReturnType<typeof createAuditIngestor>>) {
    // drained() as kube-apiserver 1.21 evicts: no DisruptionTarget condition, which the
    // kubelet's report then does not have either.
    const events = drained({ disruptionTarget: false });
    const order = [events.create, events.bind, events.running, events.refused, events.allowed, events.notReady, events.deleted];
    for (const [i, event] of order.entries()) await ingestors[Math.min(i, ingestors.length - 1)]!.ingest(cluster, [event]);
    const entries = await historyById(test.db, cluster);
    return { allowed: entries.get(events.allowed.auditID)!, notReady: entries.get(events.notReady.auditID)! };
  }

  it("shows the start of the graceful deletion only, the version read from its scheduler's and controllers' user agents", async () => {
    const { allowed, notReady } = await drainedOn("drain-1-21", [createAuditIngestor(test.db, TEST_CONVERT_OPTIONS)]);
    expect(allowed.diff).toEqual([
      { path: "metadata.deletionTimestamp", new: "2021-09-13T15:11:15Z" },
      { path: "metadata.deletionGracePeriodSeconds", new: 70 },
    ]);
    // The kubelet is not shown taking away a condition the Pod never had.
    expect(paths(notReady).filter((path) => path.includes("DisruptionTarget"))).toEqual([]);
    expect(await storedVersionOf(test.db, "drain-1-21")).toBe("v1.21.1");
  });

  it("follows the version stored by an earlier server, for a batch whose own events name none", async () => {
    // The Pod's create, binding and start by one server; the drain (kubectl and the kubelet
    // only) by a server started after it, as after a restart, which knows the version only from
    // the database.
    const before = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    const restarted = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    const { allowed } = await drainedOn("drain-restarted", [before, before, before, restarted]);
    expect(paths(allowed)).toEqual(["metadata.deletionTimestamp", "metadata.deletionGracePeriodSeconds"]);
  });

  it("removes a Pod on no node without making it a disruption target", async () => {
    // As "a Pod on no node evicted" below, on the cluster's own release.
    const create = structuredClone(openshiftCascade().find((s) => s.label === "create pod apiserver-675785f59-jl22t")!.event) as Obj;
    const eviction = drained().allowed;
    Object.assign(eviction, {
      auditID: "c45ca4de-0000-4000-8000-f00000000002",
      requestURI: "/api/v1/namespaces/openshift-apiserver/pods/apiserver-675785f59-jl22t/eviction",
      objectRef: { ...create.objectRef, name: "apiserver-675785f59-jl22t", subresource: "eviction" },
      requestObject: { ...eviction.requestObject, metadata: { ...eviction.requestObject.metadata, name: "apiserver-675785f59-jl22t" } },
      requestReceivedTimestamp: "2021-09-13T14:57:18.400501Z",
      stageTimestamp: "2021-09-13T14:57:18.409722Z",
    });
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await ingestor.ingest("evict-pending-1-21", [create]);
    await ingestor.ingest("evict-pending-1-21", [eviction]);
    const rows = await test.db.query<{ snapshot: Obj | null }>(`SELECT h.snapshot FROM history_entries h WHERE h.audit_id = $1`, [eviction.auditID]);
    expect(rows.rows[0]!.snapshot?.metadata).toMatchObject({ deletionTimestamp: "2021-09-13T14:57:18Z", deletionGracePeriodSeconds: 0 });
    expect(rows.rows[0]!.snapshot?.status.conditions).toBeUndefined();
  });
});

/**
 * kube-apiserver renewing its identity lease (kube-system/kube-apiserver-<id>, as it does every
 * 10 seconds from 1.26), through its loopback connection as system:apiserver: a write of a
 * resource skipped as noise by default. Its user agent is the real v1.29.3 build's (the commit
 * 6813625 its kubelet names too); `version` stands in for another release's.
 */
function apiserverLeaseRenewal(sequence: number, version = "v1.29.3"): Obj {
  const at = new Date(Date.parse("2024-03-20T10:00:00.004211Z") + sequence * 10_000);
  const lease = {
    kind: "Lease",
    apiVersion: "coordination.k8s.io/v1",
    metadata: { name: "kube-apiserver-ttgwzq2pfqpnbdcbxqz4ryhcfm", namespace: "kube-system", uid: "5b0fb0a4-1c4b-4d36-8a52-1b7a3bbf9e50", resourceVersion: String(48100 + sequence), labels: { "apiserver.kubernetes.io/identity": "kube-apiserver", "kubernetes.io/hostname": "control-plane-1" } },
    spec: { holderIdentity: "kube-apiserver-ttgwzq2pfqpnbdcbxqz4ryhcfm_1c5b0c59-0fe2-4b0e-9a46-0d9f8fa9d4c1", leaseDurationSeconds: 3600, renewTime: at.toISOString().replace("Z", "000Z") },
  };
  return {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "RequestResponse",
    auditID: `0f9e3c1a-7b2d-4c55-8e61-${String(sequence).padStart(12, "0")}`,
    stage: "ResponseComplete",
    requestURI: "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-apiserver-ttgwzq2pfqpnbdcbxqz4ryhcfm",
    verb: "update",
    user: { username: "system:apiserver", uid: "d6e3c0f4-96a6-4d5c-b1f6-3a3b7c1f5e11", groups: ["system:authenticated", "system:masters"] },
    sourceIPs: ["::1"],
    userAgent: `kube-apiserver/${version} (linux/amd64) kubernetes/6813625`,
    objectRef: { resource: "leases", namespace: "kube-system", name: lease.metadata.name, apiGroup: "coordination.k8s.io", apiVersion: "v1" },
    responseStatus: { metadata: {}, code: 200 },
    requestObject: lease,
    responseObject: lease,
    requestReceivedTimestamp: new Date(at.getTime() - 3).toISOString(),
    stageTimestamp: at.toISOString(),
    annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "" },
  };
}

describe.each(STORE_KINDS)("the version a cluster's kube-apiserver names, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  it("is read from its own requests though they are skipped as noise, which stay stored as receipts only", async () => {
    const summary = await createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest("lease", [apiserverLeaseRenewal(1)]);
    expect(summary).toMatchObject({ accepted: 1, skipped: 1, history: 0 });
    expect(await storedVersionOf(test.db, "lease")).toBe("v1.29.3");
    const objects = await test.db.query(`SELECT 1 FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'lease'`);
    expect(objects.rows).toEqual([]);
  });

  it("is followed by a cluster whose name an object's prototype has too, when no version is configured", async () => {
    // "constructor" is a valid cluster name; no KUBETRAIL_KUBERNETES_VERSIONS. Its kube-apiserver
    // names 1.35 (the lease renewal's agent, another release's) before the binding, which copies a Binding's labels.
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS, {}, BUILTIN_LINKERS, TRANSACTION_LIMITS, {});
    await ingestor.ingest("constructor", [apiserverSeenAt(1, "v1.35.0", "2021-09-13T14:50:00.000Z"), ...labelledBinding(true)]);
    const [, copied] = await entriesOf(test.db, "constructor", POD);
    expect(copied!.diff).toContainEqual({ path: 'metadata.labels["topology.kubernetes.io/zone"]', new: "westeurope-1" });
  });

  it("is stored only when a version is new or seen earlier: no statement for an ordinary batch, none for an older apiserver's", async () => {
    const sent: string[] = [];
    const recording = new Proxy(test.db, {
      get(target, property) {
        if (property === "query") return (text: string, params?: unknown[]) => (sent.push(text.trim().split(/\s+/, 2).join(" ")), target.query(text, params));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const ingestor = createAuditIngestor(recording, TEST_CONVERT_OPTIONS);
    const statementsOf = async (events: Obj[]) => {
      sent.length = 0;
      await ingestor.ingest("versions", events);
      return [...sent];
    };
    // The cluster's first batch: its row (and the sightings stored of it), then its version's first sighting.
    expect(await statementsOf([apiserverLeaseRenewal(1)])).toEqual(["WITH cluster", "INSERT INTO"]);
    expect(await statementsOf([apiserverLeaseRenewal(2)])).toEqual([]);
    // An upgrade; then, in a highly available control plane, an apiserver not yet upgraded.
    expect(await statementsOf([apiserverLeaseRenewal(3, "v1.30.0")])).toEqual(["INSERT INTO"]);
    expect(await statementsOf([apiserverLeaseRenewal(4, "v1.29.3")])).toEqual([]);
    // The same batch again (a retry, a log imported twice): nothing new.
    expect(await statementsOf([apiserverLeaseRenewal(3, "v1.30.0")])).toEqual([]);
    expect(await storedSightingsOf(test.db, "versions")).toEqual([
      ["v1.29.3", apiserverLeaseRenewal(1).requestReceivedTimestamp],
      ["v1.30.0", apiserverLeaseRenewal(3).requestReceivedTimestamp],
    ]);
    // Another server (or ingest worker) that saw a version only later never moves its first sighting back.
    const stale = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await stale.ingest("versions", [apiserverLeaseRenewal(7, "v1.30.0")]);
    expect(await storedSightingsOf(test.db, "versions")).toEqual([
      ["v1.29.3", apiserverLeaseRenewal(1).requestReceivedTimestamp],
      ["v1.30.0", apiserverLeaseRenewal(3).requestReceivedTimestamp],
    ]);
  });
});

/**
 * apiserverLeaseRenewal (kube-apiserver's own lease renewal, the real v1.29.3 one's shape) naming
 * `version`, received at `at`: the moment the cluster's kube-apiserver is seen at that release.
 */
function apiserverSeenAt(sequence: number, version: string, at: string): Obj {
  const renewal = apiserverLeaseRenewal(sequence, version);
  return { ...renewal, requestReceivedTimestamp: at, stageTimestamp: new Date(Date.parse(at) + 3).toISOString() };
}

/** The metadata paths an entry's diff changes. */
const metadataPaths = (entry: Entry) => paths(entry).filter((path) => path.startsWith("metadata."));

/** An audit log of `events`, one JSON object a line, as `npm run import` reads it. */
const logOf = (events: Obj[]) => Readable.from([events.map((event) => JSON.stringify(event)).join("\n") + "\n"]);

/**
 * The version a write follows is the one its cluster ran when the write was made (its
 * requestReceivedTimestamp), whatever order the events arrive in: the first sighting of each
 * version (kubernetes_version_sightings), in audit event time. The bindings and the drain are the
 * OpenShift cascade's (server/testing/scenarios/openshiftCascade.ts, real objects of an OpenShift
 * 4.8 cluster, whose kube-controller-manager and kube-scheduler name v1.21.1); the upgrades are
 * kube-apiserver's lease renewals (apiserverLeaseRenewal) naming later releases at chosen times.
 */
describe.each(STORE_KINDS)("the version in effect when a write was made, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  /** The cascade's two labelled bindings, tscjb's at 14:53:16 and qnvqh's at 14:58:37 (their creates and kubelets' reports with them). */
  const FIRST = "apiserver-85b76d5494-tscjb";
  const SECOND = "apiserver-5d887d5fcd-qnvqh";
  /** kube-apiserver 1.35 seen between the two bindings. */
  const UPGRADED_AT = "2021-09-13T14:55:00.000Z";

  async function bindingOf(cluster: string, pod: string): Promise<Entry> {
    return (await entriesOf(test.db, cluster, pod)).find((entry) => entry.title === "system:kube-scheduler create binding")!;
  }

  it("shows no DisruptionTarget on a pre-1.26 eviction of an old log imported after a 1.31 cluster's newer events", async () => {
    // The cluster today: its kube-apiserver names 1.31, in 2024, sent by the webhook.
    const live = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await live.ingest("imported-late", [apiserverSeenAt(1, "v1.31.0", "2024-03-20T10:00:00.000Z")]);
    // Its audit log of 2021, when its control plane ran 1.21 (the drain of drained(), evicted as
    // 1.21 does), imported afterwards by another process, a few events a batch.
    const events = drained({ disruptionTarget: false });
    const log = [events.create, events.bind, events.running, events.refused, events.allowed, events.notReady, events.deleted];
    const imported = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await importAuditFile({ input: logOf(log), cluster: "imported-late", batchSize: 2, ingestor: imported });
    const entries = await historyById(test.db, "imported-late");
    expect(entries.get(events.allowed.auditID)!.diff).toEqual([
      { path: "metadata.deletionTimestamp", new: "2021-09-13T15:11:15Z" },
      { path: "metadata.deletionGracePeriodSeconds", new: 70 },
    ]);
    expect(paths(entries.get(events.notReady.auditID)!).filter((path) => path.includes("DisruptionTarget"))).toEqual([]);
    expect(await storedSightingsOf(test.db, "imported-late")).toEqual([
      ["v1.21.1", events.create.requestReceivedTimestamp.replace(/(\.\d{3})\d*Z$/, "$1Z")],
      ["v1.31.0", "2024-03-20T10:00:00.000Z"],
    ]);
  });

  it("copies a Binding's labels onto its Pod only for a binding made after the upgrade to 1.35, though the upgrade arrived first", async () => {
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await ingestor.ingest("upgraded", [apiserverSeenAt(1, "v1.35.0", UPGRADED_AT)]);
    await ingestor.ingest("upgraded", [...labelledBinding(false, FIRST), ...labelledBinding(true, SECOND)]);
    expect(metadataPaths(await bindingOf("upgraded", FIRST))).toEqual([]);
    expect(metadataPaths(await bindingOf("upgraded", SECOND))).toEqual(['metadata.labels["topology.kubernetes.io/zone"]', 'metadata.labels["scheduling.example.com/pool"]']);
  });

  it("counts the new release from its first sighting while a rolling upgrade interleaves both", async () => {
    // Three apiservers: one upgraded to 1.35 at UPGRADED_AT; the others, still on 1.34, answer
    // after it (their lease renewals) until they are upgraded too. A write then may have gone
    // to either: it is taken as the upgraded one's, as is every write after the first sighting.
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await ingestor.ingest("rolling", [
      apiserverSeenAt(1, "v1.34.2", "2021-09-13T14:50:00.000Z"),
      apiserverSeenAt(2, "v1.35.0", UPGRADED_AT),
      apiserverSeenAt(3, "v1.34.2", "2021-09-13T14:56:00.000Z"),
      apiserverSeenAt(4, "v1.34.2", "2021-09-13T14:59:00.000Z"),
      apiserverSeenAt(5, "v1.35.0", "2021-09-13T15:00:00.000Z"),
    ]);
    await ingestor.ingest("rolling", labelledBinding(false, FIRST));
    await ingestor.ingest("rolling", labelledBinding(true, SECOND));
    expect(metadataPaths(await bindingOf("rolling", FIRST))).toEqual([]);
    expect(metadataPaths(await bindingOf("rolling", SECOND))).toHaveLength(2);
    expect(await storedSightingsOf(test.db, "rolling")).toEqual([
      ["v1.34.2", "2021-09-13T14:50:00.000Z"],
      // The cascade's kube-controller-manager, with the Pod's create: older, so it changes nothing.
      ["v1.21.1", "2021-09-13T14:53:16.096Z"],
      ["v1.35.0", UPGRADED_AT],
    ]);
  });

  it("is kept across a restart, and a second store of the same events changes nothing", async () => {
    const before = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await before.ingest("restarted", [apiserverSeenAt(1, "v1.35.0", UPGRADED_AT)]);
    // A server started afterwards, which knows the upgrade only from the database, stores the
    // bindings: one from before the upgrade, arriving late, and one from after.
    const restarted = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await restarted.ingest("restarted", labelledBinding(true, SECOND));
    await restarted.ingest("restarted", labelledBinding(false, FIRST));
    const stored = [await bindingOf("restarted", FIRST), await bindingOf("restarted", SECOND)];
    expect(stored.map(metadataPaths).map((changed) => changed.length)).toEqual([0, 2]);
    // Stored again (a retried batch, a log imported twice), by yet another server.
    const again = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    const sightings = await storedSightingsOf(test.db, "restarted");
    for (const batch of [[apiserverSeenAt(1, "v1.35.0", UPGRADED_AT)], labelledBinding(false, FIRST), labelledBinding(true, SECOND)]) {
      expect(await again.ingest("restarted", batch)).toMatchObject({ accepted: 0, duplicates: batch.length });
    }
    expect([await bindingOf("restarted", FIRST), await bindingOf("restarted", SECOND)]).toEqual(stored);
    expect(await storedSightingsOf(test.db, "restarted")).toEqual(sightings);
  });

  it("is read again by an ingestor storing a binding, where another stored a version it had not seen", async () => {
    // Two ingest workers, each with its cache: both have stored the cluster's earlier events
    // (kube-apiserver on 1.34); one then stores the upgrade, the other the binding after it.
    const first = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    const second = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await first.ingest("two-workers", [apiserverSeenAt(1, "v1.34.2", "2021-09-13T14:50:00.000Z")]);
    await second.ingest("two-workers", [apiserverSeenAt(2, "v1.34.2", "2021-09-13T14:50:10.000Z")]);
    await first.ingest("two-workers", [apiserverSeenAt(3, "v1.35.0", UPGRADED_AT)]);
    await second.ingest("two-workers", labelledBinding(true, SECOND));
    expect(metadataPaths(await bindingOf("two-workers", SECOND))).toHaveLength(2);
  });

  it("leaves a binding stored before an earlier sighting of the upgrade arrived as it was stored; later ones follow the upgrade", async () => {
    // kube-apiserver seen on 1.34; qnvqh's binding (14:58:37) arrives and is stored by 1.34's
    // rules. Then a batch held back (another apiserver's, or a retry) tells that 1.35 was seen at
    // 14:55 already: stored history is not diffed again, so qnvqh's entry keeps what it showed,
    // and mrn5h's binding (15:00:13), stored after, follows 1.35. In time order both would.
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    await ingestor.ingest("held-back", [apiserverSeenAt(1, "v1.34.2", "2021-09-13T14:50:00.000Z")]);
    await ingestor.ingest("held-back", labelledBinding(true, SECOND));
    await ingestor.ingest("held-back", [apiserverSeenAt(2, "v1.35.0", UPGRADED_AT)]);
    await ingestor.ingest("held-back", labelledBinding(true, "apiserver-5d887d5fcd-mrn5h"));
    expect(metadataPaths(await bindingOf("held-back", SECOND))).toEqual([]);
    expect(metadataPaths(await bindingOf("held-back", "apiserver-5d887d5fcd-mrn5h"))).toHaveLength(2);
  });

  it("keeps a sighting whose batch's transaction failed: what the control plane said, which the retry says again", async () => {
    // The batch's transaction fails at its receipts (a lost connection, a conflict); its
    // sightings are written apart from it and stay. The sender's retry stores the batch.
    const failing = new Proxy(test.db, {
      get(target, property) {
        if (property === "transaction") {
          return (work: (tx: unknown) => Promise<unknown>) =>
            target.transaction((tx) =>
              work({
                ...tx,
                query: (statement: unknown, params?: unknown[]) =>
                  typeof statement === "object" && (statement as { name: string }).name === "kt_record_receipts" ? Promise.reject(new Error("connection lost")) : tx.query(statement as string, params),
              }),
            );
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const batch = [apiserverSeenAt(1, "v1.35.0", UPGRADED_AT), ...labelledBinding(true, SECOND)];
    await expect(createAuditIngestor(failing, TEST_CONVERT_OPTIONS).ingest("failed-batch", batch)).rejects.toThrow(/connection lost/);
    expect(await historyById(test.db, "failed-batch")).toEqual(new Map());
    expect(await storedSightingsOf(test.db, "failed-batch")).toEqual([
      ["v1.35.0", UPGRADED_AT],
      // The cascade's kube-controller-manager, creating the Pod.
      ["v1.21.1", "2021-09-13T14:57:20.046Z"],
    ]);
    expect(await createAuditIngestor(test.db, TEST_CONVERT_OPTIONS).ingest("failed-batch", batch)).toMatchObject({ accepted: batch.length });
    expect(metadataPaths(await bindingOf("failed-batch", SECOND))).toHaveLength(2);
  });

  it("follows the configured version over every sighting", async () => {
    const ingestor = ingestorOn(test.db, "v1.35.0", ["configured-1-35"]);
    await ingestor.ingest("configured-1-35", [apiserverSeenAt(1, "v1.34.2", "2021-09-13T14:50:00.000Z")]);
    await ingestor.ingest("configured-1-35", labelledBinding(true, FIRST));
    expect(metadataPaths(await bindingOf("configured-1-35", FIRST))).toHaveLength(2);
  });
});

async function historyById(db: Database, cluster: string): Promise<Map<string, Entry>> {
  const rows = await db.query<Entry & { audit_id: string }>(
    `SELECT h.audit_id, h.title, h.diff, h.details FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1`,
    [cluster],
  );
  return new Map(rows.rows.map((row) => [row.audit_id, row]));
}

describe.each(STORE_KINDS)("writes that arrive out of order around a Scale or a Binding, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  /** Stores `events` in order in one cluster and in `arrival`'s order in another, one batch each. */
  async function inBothOrders(name: string, events: Obj[], arrival: Obj[]): Promise<{ inOrder: Map<string, Entry>; arrived: Map<string, Entry> }> {
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    for (const event of events) await ingestor.ingest(`${name}-in-order`, [event]);
    for (const event of arrival) await ingestor.ingest(`${name}-arrived`, [event]);
    return { inOrder: await historyById(test.db, `${name}-in-order`), arrived: await historyById(test.db, `${name}-arrived`) };
  }

  /** The audit ids of the entries whose diff shows `path` changing. */
  const changing = (history: Map<string, Entry>, path: string) => [...history].filter(([, entry]) => paths(entry).some((p) => p === path || p.startsWith(`${path}.`))).map(([id]) => id);

  it("leaves a Pod on its node when a write made before its binding arrives after it", async () => {
    const { create, unschedulable, binding, running } = pendingPod();
    const { inOrder, arrived } = await inBothOrders("unschedulable", [create, unschedulable, binding, running], [create, binding, unschedulable, running]);
    expect(changing(inOrder, "spec.nodeName")).toEqual([binding.auditID]);
    expect(changing(arrived, "spec.nodeName")).toEqual([binding.auditID]);
    // Its version (9134) is newer than the one the binding was made on (9133), but it shows the
    // Pod without a node: it is kept without a diff, after the binding's version.
    expect(arrived.get(unschedulable.auditID)!.diff).toBeNull();
    expect(arrived.get(unschedulable.auditID)!.details.arrivedAfterResourceVersion).toBe("9133+1");
    // The kubelet's write, made after both, took the Pod from the binding's state.
    expect(arrived.get(running.auditID)!.details.resourceVersionBefore).toBe("9133+1");
  });

  it("places a write made on a binding's version, arriving after the next, on that version", async () => {
    const { create, binding, running, labelWhenRunning } = pendingPod();
    const { inOrder, arrived } = await inBothOrders("running-after-label", [create, binding, running, labelWhenRunning], [create, binding, labelWhenRunning, running]);
    const comparable = (entry: Entry) => ({ diff: entry.diff, before: entry.details.resourceVersionBefore, arrivedAfter: entry.details.arrivedAfterResourceVersion });
    expect(arrived.get(running.auditID)!.details.resourceVersionBefore).toBe("9133+1");
    for (const [auditId, entry] of inOrder) expect(comparable(arrived.get(auditId)!)).toEqual(comparable(entry));
  });

  it("rebuilds no version before a binding with the binding's node in it, for a write that arrives after the next", async () => {
    const { create, firstLabel, binding, running } = pendingPod();
    const { inOrder, arrived } = await inBothOrders("label-after-running", [create, firstLabel, binding, running], [create, binding, running, firstLabel]);
    expect(changing(inOrder, "spec.nodeName")).toEqual([binding.auditID]);
    expect(changing(arrived, "spec.nodeName")).toEqual([binding.auditID]);
    // The kubelet's diff starts from the binding's version, which is not 9133: nothing below it
    // is rebuilt, and the label patch is kept without a diff.
    expect(arrived.get(running.auditID)!.details.resourceVersionBefore).toBe("9133+1");
    expect(arrived.get(firstLabel.auditID)!.diff).toBeNull();
    expect(arrived.get(firstLabel.auditID)!.details.arrivedAfterResourceVersion).toBe("9138");
  });

  it("rebuilds no version before a binding with the binding's node in it, for a write older than the version the binding was made on", async () => {
    const { create, firstLabel, secondLabel, binding, running } = pendingPod();
    const { inOrder, arrived } = await inBothOrders("label-before-label", [create, firstLabel, secondLabel, binding, running], [create, secondLabel, binding, firstLabel, running]);
    expect(changing(inOrder, "spec.nodeName")).toEqual([binding.auditID]);
    expect(changing(arrived, "spec.nodeName")).toEqual([binding.auditID]);
    // The state held when it arrived was not 9136 but the binding's, made of it.
    expect(arrived.get(firstLabel.auditID)!.diff).toBeNull();
    expect(arrived.get(firstLabel.auditID)!.details.arrivedAfterResourceVersion).toBe("9136+1");
  });

  it("does not show a Scale undoing a write that arrived after it though made before it", async () => {
    const [create, status1, scale, status2] = scaledThroughSubresource();
    const { inOrder, arrived } = await inBothOrders("scale-late-status", [create!, status1!, scale!, status2!], [create!, scale!, status1!, status2!]);
    expect(inOrder.get(scale!.auditID)!.diff).toEqual([
      { path: "metadata.generation", old: 1, new: 2 },
      { path: "spec.replicas", old: 3, new: 5 },
    ]);
    expect(arrived.get(scale!.auditID)!.diff).toEqual(inOrder.get(scale!.auditID)!.diff);
    // The Scale's state lacks the status update, made between the version it was made of and its
    // own: the status update is kept without a diff.
    expect(arrived.get(status1!.auditID)!.diff).toBeNull();
  });

  it("places a Scale that arrives after the next write of its object, as if it had arrived in order", async () => {
    const [create, status1, scale, status2] = scaledThroughSubresource();
    const { inOrder, arrived } = await inBothOrders("late-scale", [create!, status1!, scale!, status2!], [create!, status1!, status2!, scale!]);
    const comparable = (entry: Entry) => ({ diff: entry.diff, before: entry.details.resourceVersionBefore, arrivedAfter: entry.details.arrivedAfterResourceVersion });
    expect(comparable(arrived.get(scale!.auditID)!)).toEqual({ diff: [{ path: "metadata.generation", old: 1, new: 2 }, { path: "spec.replicas", old: 3, new: 5 }], before: "22002", arrivedAfter: undefined });
    for (const [auditId, entry] of inOrder) expect(comparable(arrived.get(auditId)!), auditId).toEqual(comparable(entry));
    expect(changing(arrived, "spec.replicas")).toEqual([scale!.auditID]);
  });

  it("keeps a Request-level scale arriving after later writes of its object out of the state they left", async () => {
    // The kubectl scale's batch held back until after the scale down and the status update
    // that follows it: its change (replicas 3 -> 5) is already in the versions stored since, and
    // the scale down (replicas 5 -> 3, generation 4) undid it.
    const w = rolloutScaledAtRequestLevel();
    const order = [w.create, w.status1, w.scale, w.status2, w.imageChange, w.scaleDown, w.statusAfterScaleDown, w.delete];
    const arrival = [w.create, w.status1, w.status2, w.imageChange, w.scaleDown, w.scale, w.statusAfterScaleDown, w.delete];
    const { inOrder, arrived } = await inBothOrders("request-scale-late", order, arrival);
    // The writes after it show what they show in order: the status update its report of
    // generation 4, not kept without a diff as made before a generation 5 that never was.
    const after = arrived.get(w.statusAfterScaleDown.auditID)!;
    expect(after.details.arrivedAfterResourceVersion).toBeUndefined();
    expect(after.details.resourceVersionBefore).toBe("22006");
    expect(after.diff).toEqual(inOrder.get(w.statusAfterScaleDown.auditID)!.diff);
    expect(paths(after)).toContain("status.observedGeneration");
    // The scale itself is kept without a diff, as any late write whose version is not told.
    const late = arrived.get(w.scale.auditID)!;
    expect(late.diff).toBeNull();
    expect(late.details.arrivedAfterResourceVersion).toBe("22006");
    expect(late.details.patch).toEqual({ spec: { replicas: 5 } });
    // The delete's snapshot is the Deployment as the status update left it: 3 replicas, generation 4.
    const snapshot = (await test.db.query<{ snapshot: Obj }>(`SELECT snapshot FROM history_entries WHERE audit_id = $1 AND cluster_id = (SELECT id FROM clusters WHERE name = 'request-scale-late-arrived')`, [w.delete.auditID])).rows[0]!.snapshot;
    expect(snapshot.metadata.generation).toBe(4);
    expect(snapshot.spec.replicas).toBe(3);
    // Arrived before the scale, the controller's status update shows the replicas it reported.
    expect(new Set(changing(arrived, "spec.replicas"))).toEqual(new Set([w.status2.auditID, w.scaleDown.auditID]));
  });

  it("keeps a Request-level scale arriving after a later one out of the state that one left", async () => {
    const w = scaledTwiceAtRequestLevel();
    const { inOrder, arrived } = await inBothOrders("request-scales-swapped", [w.create, w.status1, w.up, w.back, w.report], [w.create, w.status1, w.back, w.up, w.report]);
    expect(new Set(changing(inOrder, "spec.replicas"))).toEqual(new Set([w.up.auditID, w.back.auditID]));
    // The scale back tells no version, but it made the state held, and began after the scale up ended.
    const late = arrived.get(w.up.auditID)!;
    expect(late.diff).toBeNull();
    expect(late.details.arrivedAfterResourceVersion).toBe("22002+1");
    // The controller's report is not taken for a scale back to 3 replicas from the 5 of a state that never was.
    const report = arrived.get(w.report.auditID)!;
    expect(paths(report)).not.toContain("spec.replicas");
    expect(report.diff).toContainEqual({ path: "status.observedGeneration", old: 1, new: 3 });
  });

  it("keeps an HPA's Request-level update made on an older version than the state held out of it, though the write that told that state began before it ended", async () => {
    const w = hpaAgainstApply();
    const { inOrder, arrived } = await inBothOrders("hpa-against-apply", [w.create, w.status1, w.hpa, w.apply, w.report], [w.create, w.status1, w.apply, w.hpa, w.report]);
    // In order, the HPA's update shows its scale, and the apply its undoing.
    expect(inOrder.get(w.hpa.auditID)!.diff).toEqual([
      { path: "metadata.generation", old: 1, new: 2 },
      { path: "spec.replicas", old: 3, new: 5 },
    ]);
    // Arrived after the apply, the update names 22002 as the version it was made on, older than the apply's.
    const report = arrived.get(w.report.auditID)!;
    expect(report.details.arrivedAfterResourceVersion).toBeUndefined();
    expect(report.details.resourceVersionBefore).toBe("22004");
    expect(report.diff).toEqual(inOrder.get(w.report.auditID)!.diff);
    const late = arrived.get(w.hpa.auditID)!;
    expect(late.diff).toBeNull();
    expect(late.details.arrivedAfterResourceVersion).toBe("22004");
  });

  it("places an HPA's RequestResponse update that arrives after a later change of the replicas on the version it was made on, leaving later writes their diffs", async () => {
    // hpaAgainstApply's update audited at RequestResponse: answered with the Scale, at 22003.
    const w = hpaAgainstApply();
    const hpa: Obj = { ...w.hpa, level: "RequestResponse", responseObject: { ...w.hpa.requestObject, metadata: { ...w.hpa.requestObject.metadata, resourceVersion: "22003" } } };
    const { inOrder, arrived } = await inBothOrders("hpa-told-against-apply", [w.create, w.status1, hpa, w.apply, w.report], [w.create, w.status1, w.apply, hpa, w.report]);
    const comparable = (entry: Entry) => ({ diff: entry.diff, before: entry.details.resourceVersionBefore, arrivedAfter: entry.details.arrivedAfterResourceVersion });
    for (const [auditId, entry] of inOrder) expect(comparable(arrived.get(auditId)!), auditId).toEqual(comparable(entry));
  });

  it("keeps an HPA's RequestResponse update made on the version a Request-level scale then changed out of that scale's state", async () => {
    // The kubectl scale arrives first, made on 22002 as far as is known ("22002+1"); the HPA's
    // update told 22003, newer than 22002, but its request names 22002 as the version it was
    // made on: the apiserver would have refused it on the kubectl scale's version, so it came first.
    const w = hpaThenKubectlScale();
    const { inOrder, arrived } = await inBothOrders("hpa-told-then-kubectl-scale", [w.create, w.status1, w.hpa, w.scale, w.report], [w.create, w.status1, w.scale, w.hpa, w.report]);
    expect(new Set(changing(inOrder, "spec.replicas"))).toEqual(new Set([w.hpa.auditID, w.scale.auditID]));
    const late = arrived.get(w.hpa.auditID)!;
    expect(late.diff).toBeNull();
    expect(late.details.arrivedAfterResourceVersion).toBe("22002+1");
    // The controller's report is not taken for a change of the replicas back from the HPA's 5.
    const report = arrived.get(w.report.auditID)!;
    expect(paths(report)).not.toContain("spec.replicas");
    expect(report.details.resourceVersionBefore).toBe("22002+1");
  });

  it("does not show a write made before a Request-level Scale, arriving after it, undoing the scale", async () => {
    const [create, status1, patchedScale] = scaledThroughSubresource();
    // An HPA's update of the Scale, audited at Request level: the Scale it sent, no answer.
    const scale: Obj = {
      ...patchedScale!,
      level: "Request",
      verb: "update",
      requestObject: { kind: "Scale", apiVersion: "autoscaling/v1", metadata: { ...patchedScale!.responseObject.metadata, resourceVersion: status1!.responseObject.metadata.resourceVersion }, spec: { replicas: 5 } },
    };
    delete scale.responseObject;
    const { inOrder, arrived } = await inBothOrders("request-scale-late-status", [create!, status1!, scale], [create!, scale, status1!]);
    expect(changing(inOrder, "spec.replicas")).toEqual([scale.auditID]);
    expect(changing(arrived, "spec.replicas")).toEqual([scale.auditID]);
    // Generation 1, where the scale made 2: made before it, though its version is newer than 22001.
    expect(arrived.get(status1!.auditID)!.diff).toBeNull();
    expect(arrived.get(status1!.auditID)!.details.arrivedAfterResourceVersion).toBe("22001+1");
  });
});

describe.each(STORE_KINDS)("a Scale or a Binding whose fields a sensitive rule covers, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  it("stores none of their values: their bodies would have had them redacted", async () => {
    // An operator who keeps which node each Pod runs on, and each workload's size, out of the store.
    const sensitive = [
      ...TEST_CONVERT_OPTIONS.sensitive,
      { apiGroup: "", resource: "pods", paths: [["spec", "nodeName"]] },
      { apiGroup: "apps", resource: "deployments", paths: [["spec", "replicas"]] },
    ];
    const ingestor = createAuditIngestor(test.db, { ...TEST_CONVERT_OPTIONS, sensitive });
    for (const event of podScheduled()) await ingestor.ingest("sensitive", [event]);
    for (const event of scaledThroughSubresource()) await ingestor.ingest("sensitive", [event]);
    const entries = await test.db.query<{ diff: DiffEntry[] | null; state: string | null }>(
      `SELECT h.diff, s.state FROM history_entries h JOIN clusters c ON c.id = h.cluster_id LEFT JOIN object_states s ON s.object_id = h.object_id WHERE c.name = 'sensitive'`,
    );
    const redacted = (value: unknown) => value === undefined || (typeof value === "string" && value.startsWith("<redacted:"));
    const covered = entries.rows.flatMap((row) => (row.diff ?? []).filter((d) => d.path === "spec.replicas" || d.path === "spec.nodeName"));
    // Each change to them shows (the kubelet's write, the deployment-controller's), redacted.
    expect(covered.length).toBeGreaterThan(0);
    for (const change of covered) expect(redacted(change.old) && redacted(change.new), JSON.stringify(change)).toBe(true);
    for (const row of entries.rows) {
      const spec = row.state === null ? {} : (JSON.parse(row.state).spec as Obj);
      expect(redacted(spec.replicas) && redacted(spec.nodeName), JSON.stringify(spec)).toBe(true);
    }
  });
});
