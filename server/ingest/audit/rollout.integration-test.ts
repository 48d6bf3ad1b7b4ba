import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SETUPS, startTestApp, type TestApp } from "../../testing/appHarness";
import { eventList, NEW_IMAGE, ROLLOUT_DEPLOYMENT_UID, rolloutScenario } from "../../testing/scenarios/rollout";
import { falcoEvents } from "../../testing/fixtures";
import type { DiffEntry } from "./types";

interface Entry {
  title: string;
  verb: string;
  subresource: string;
  status_code: number;
  actor: string;
  diff: DiffEntry[] | null;
  snapshot: Record<string, any> | null;
  noop: boolean;
  details: Record<string, any>;
}

describe.each(APP_SETUPS)("a Deployment rollout through the webhook on $label", ({ kind, env }) => {
  let app: TestApp;
  let entries: Entry[];
  const steps = rolloutScenario();

  beforeAll(async () => {
    app = await startTestApp(kind, env);
    // One batch per step, as a webhook in blocking mode would send them.
    for (const step of steps) {
      const response = await app.postAudit(eventList([step.event]), { cluster: "rollout" });
      expect(response.status, step.label).toBe(200);
    }
    const rows = await app.context.db.query<Entry>(
      `SELECT h.title, h.verb, h.subresource, h.status_code, h.actor, h.diff, h.snapshot, h.noop, h.details
         FROM history_entries h JOIN objects o ON o.id = h.object_id
        WHERE o.name = 'apiserver' ORDER BY h.start_time`,
    );
    entries = rows.rows;
  });
  afterAll(() => app.close());

  const step = (label: string) => entries[steps.findIndex((s) => s.label === label)]!;
  const paths = (entry: Entry) => (entry.diff ?? []).map((d) => d.path);

  it("records every step on one object, which ends deleted", async () => {
    expect(entries).toHaveLength(steps.length);
    const objects = await app.context.db.query<{ uid: string; kind: string; deleted_at: Date | null; api_group: string }>(
      `SELECT uid, kind, deleted_at, api_group FROM objects WHERE name = 'apiserver'`,
    );
    expect(objects.rows).toHaveLength(1);
    expect(objects.rows[0]).toMatchObject({ uid: ROLLOUT_DEPLOYMENT_UID, kind: "Deployment", api_group: "apps" });
    expect(objects.rows[0]!.deleted_at).not.toBeNull();
  });

  it("keeps a snapshot of the object on create", () => {
    const create = step("create");
    expect(create.title).toBe("system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator create");
    expect(create.snapshot?.metadata?.name).toBe("apiserver");
    expect(create.snapshot?.spec?.replicas).toBe(3);
    expect(create.diff).toBeNull();
  });

  it("shows the controller's status update as status.observedGeneration 1 -> 2", () => {
    const status = step("status generation 2");
    expect(status.title).toBe("system:serviceaccount:kube-system:deployment-controller update status");
    expect(status.diff).toContainEqual({ path: "status.observedGeneration", old: 1, new: 2 });
  });

  it("shows scaling as spec.replicas changes, with the generation", () => {
    expect(step("scale up").diff).toEqual(
      expect.arrayContaining([
        { path: "spec.replicas", old: 3, new: 5 },
        { path: "metadata.generation", old: 1, new: 2 },
      ]),
    );
    expect(step("scale down").diff).toContainEqual({ path: "spec.replicas", old: 5, new: 3 });
    expect(step("scale up").details.patch).toEqual({ spec: { replicas: 5 } });
  });

  it("shows the image change on the container by name", () => {
    const change = step("image change").diff!.find((d) => d.path.endsWith(".image"))!;
    expect(change.path).toBe("spec.template.spec.containers[name=openshift-apiserver].image");
    expect(change.new).toBe(NEW_IMAGE);
    expect(change.old).toMatch(/^quay\.io\/openshift-release-dev\/ocp-v4\.0-art-dev@sha256:/);
  });

  it("never mentions managedFields or resourceVersion in a diff", () => {
    for (const entry of entries) {
      for (const path of paths(entry)) {
        expect(path).not.toMatch(/managedFields|resourceVersion/);
      }
    }
  });

  it("marks the no-op update", () => {
    expect(step("no-op update").noop).toBe(true);
    expect(step("no-op update").diff ?? []).toEqual([]);
    expect(entries.filter((e) => e.noop)).toHaveLength(1);
  });

  it("records the refused update with the reason and message from the Status", () => {
    const conflict = step("conflict");
    expect(conflict.status_code).toBe(409);
    expect(conflict.title).toBe("kube:admin update (Conflict)");
    expect(conflict.details.failure).toMatchObject({ reason: "Conflict", message: expect.stringMatching(/the object has been modified/) });
    expect(conflict.diff).toBeNull();
  });

  it("keeps the last known state as the snapshot of the delete", () => {
    const del = step("delete");
    expect(del.title).toBe("kube:admin delete");
    expect(del.snapshot?.spec?.replicas).toBe(3);
    expect(del.snapshot?.spec?.template?.spec?.containers?.[0]?.image).toBe(NEW_IMAGE);
  });

  it("keeps who did it, from where, with what, and the resourceVersions", () => {
    const scaleUp = step("scale up");
    expect(scaleUp.actor).toBe("kube:admin");
    expect(scaleUp.details).toMatchObject({
      sourceIPs: ["10.0.0.5"],
      requestURI: "/apis/apps/v1/namespaces/openshift-apiserver/deployments/apiserver",
      annotations: { "authorization.k8s.io/decision": "allow" },
      resourceVersionBefore: "22002",
      resourceVersionAfter: "22003",
    });
  });
});

describe.each(APP_SETUPS)("object identity on $label", ({ kind, env }) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, env);
  });
  afterAll(() => app.close());

  it("makes a name reused after deletion a new object", async () => {
    const [create] = falcoEvents("create_configmap.json");
    const [del] = falcoEvents("delete_configmap.json");
    const recreate = structuredClone(create!);
    recreate.auditID = "7e3e0000-0000-4000-8000-000000000001";
    recreate.requestReceivedTimestamp = "2018-10-26T13:20:00.000000Z";
    recreate.stageTimestamp = "2018-10-26T13:20:00.005000Z";
    recreate.responseObject.metadata.uid = "7e3e0000-0000-4000-8000-0000000000ff";
    del!.objectRef.name = create!.objectRef.name;
    for (const event of [create!, del!, recreate]) {
      expect((await app.postAudit(eventList([event]), { cluster: "reuse" })).status).toBe(200);
    }
    const objects = await app.context.db.query<{ uid: string | null; deleted: boolean; entries: number }>(
      `SELECT o.uid, o.deleted_at IS NOT NULL AS deleted, (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries
         FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'reuse' ORDER BY o.first_seen`,
    );
    expect(objects.rows).toEqual([
      { uid: create!.responseObject.metadata.uid, deleted: true, entries: 2 },
      { uid: "7e3e0000-0000-4000-8000-0000000000ff", deleted: false, entries: 1 },
    ]);
  });

  it("keeps two clusters' objects apart", async () => {
    const [event] = falcoEvents("create_service.json");
    await app.postAudit(eventList([event]), { cluster: "east" });
    await app.postAudit(eventList([event]), { cluster: "west" });
    const rows = await app.context.db.query<{ name: string; n: number }>(
      `SELECT c.name, count(*)::int AS n FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name IN ('east', 'west') GROUP BY c.name ORDER BY c.name`,
    );
    expect(rows.rows).toEqual([{ name: "east", n: 1 }, { name: "west", n: 1 }]);
  });
});
