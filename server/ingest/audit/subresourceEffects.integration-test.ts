import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SETUPS, startTestApp, type TestApp } from "../../testing/appHarness";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { TEST_CONVERT_OPTIONS } from "../../testing/convertOptions";
import { eventList, rolloutScenario } from "../../testing/scenarios/rollout";
import { openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import type { Database } from "../../store/database";
import { createAuditIngestor } from "./ingest";
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

describe.each(APP_SETUPS)("writes through a Scale or a Binding, through the webhook on $label", ({ kind, env }) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, env);
    // One request per event, as a webhook in blocking mode sends them.
    for (const event of scaledThroughSubresource()) expect((await app.postAudit(eventList([event]), { cluster: "scale" })).status).toBe(200);
    for (const event of podScheduled()) expect((await app.postAudit(eventList([event]), { cluster: "schedule" })).status).toBe(200);
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
    // names the last one told as its version before.
    expect(binding!.details.resourceVersionAfter).toBeUndefined();
    expect(running!.details.resourceVersionBefore).toBe("9103");
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
