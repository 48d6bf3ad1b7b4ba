import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config/config";
import { createConfiguredAuditIngestor } from "../ingest/audit/ingest";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { STORE_KINDS } from "../testing/databases";
import { openshiftObject } from "../testing/fixtures";
import { podConfigMapsRulesYaml } from "../testing/linkers";
import { CASCADE, cascadeEventList, openshiftCascade } from "../testing/scenarios/openshiftCascade";
import { eventList } from "../testing/scenarios/rollout";
import { writeEvent } from "../testing/writeEvent";

/**
 * Relations end to end: audit events of the real OpenShift rollout (server/testing/scenarios/
 * openshiftCascade.ts) posted to the webhook, the relations table read back.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const RULES = podConfigMapsRulesYaml(false);

interface RelationRow {
  cluster: string;
  kind: string;
  from: string;
  to: string;
  claimedBy: string;
  validFrom: string;
  validTo: string | null;
}

const iso = (value: unknown) => (value === null ? null : new Date(value as string).toISOString());
const at = (clock: string) => `2021-09-13T${clock}Z`;

async function relationsOf(app: TestApp, cluster: string, kind?: string): Promise<RelationRow[]> {
  const result = await app.context.db.query<Record<string, unknown>>(
    `SELECT rc.name AS cluster, r.kind,
            fc.name || ':' || f.resource || '/' || f.name AS "from", tc.name || ':' || t.resource || '/' || t.name AS "to",
            c.resource || '/' || c.name AS "claimedBy", r.valid_from, r.valid_to
       FROM relations r
       JOIN clusters rc ON rc.id = r.cluster_id
       JOIN objects f ON f.id = r.from_object_id JOIN clusters fc ON fc.id = f.cluster_id
       JOIN objects t ON t.id = r.to_object_id JOIN clusters tc ON tc.id = t.cluster_id
       JOIN objects c ON c.id = r.claimed_by_id
      WHERE rc.name = $1 AND ($2::text IS NULL OR r.kind = $2)
      ORDER BY r.valid_from, r.kind, 3, 4`,
    [cluster, kind ?? null],
  );
  return result.rows.map((row) => ({
    cluster: row.cluster as string,
    kind: row.kind as string,
    from: (row.from as string).replace(`${cluster}:`, ""),
    to: (row.to as string).replace(`${cluster}:`, ""),
    claimedBy: row.claimedBy as string,
    validFrom: iso(row.valid_from)!,
    validTo: iso(row.valid_to),
  }));
}

describe.each(STORE_KINDS)("relations from audit bodies on %s", (storeKind) => {
  let app: TestApp;
  let dir: string;
  const steps = openshiftCascade();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-relations-"));
    fs.writeFileSync(path.join(dir, "links.yaml"), RULES);
    app = await startTestApp(storeKind);
    // The start-up path: built-ins, then the rules file, then the plugin.
    const config = loadConfig({
      KUBETRAIL_LINK_RULES_FILE: path.join(dir, "links.yaml"),
      KUBETRAIL_PLUGINS: path.join(ROOT, "plugins/argo-rollouts"),
      KUBETRAIL_REDACTION_KEY: "test-redaction-key-0123",
    });
    app.context.ingestor = await createConfiguredAuditIngestor(app.context.db, config);

    // One cluster gets one batch per request, as a blocking webhook sends them; the other the
    // whole scenario in one batch, as an import does.
    for (const step of steps) {
      const response = await app.postAudit(cascadeEventList([step]), { cluster: "steps" });
      expect(response.status, step.label).toBe(200);
    }
    expect((await app.postAudit(cascadeEventList(steps), { cluster: "batch" })).status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("puts each ReplicaSet under the Deployment until the garbage collector deletes it", async () => {
    expect(await relationsOf(app, "steps", "controller-owner").then((rows) => rows.filter((r) => r.from === "deployments/apiserver"))).toEqual([
      { cluster: "steps", kind: "controller-owner", from: "deployments/apiserver", to: "replicasets/apiserver-85b76d5494", claimedBy: "replicasets/apiserver-85b76d5494", validFrom: at("14:53:16.050"), validTo: at("15:20:00.200") },
      { cluster: "steps", kind: "controller-owner", from: "deployments/apiserver", to: "replicasets/apiserver-675785f59", claimedBy: "replicasets/apiserver-675785f59", validFrom: at("14:57:14.000"), validTo: at("15:20:00.220") },
      { cluster: "steps", kind: "controller-owner", from: "deployments/apiserver", to: "replicasets/apiserver-5d887d5fcd", claimedBy: "replicasets/apiserver-5d887d5fcd", validFrom: at("14:57:19.900"), validTo: at("15:20:00.240") },
    ]);
  });

  it("puts each Pod under its ReplicaSet from its create until it is gone, or orphaned", async () => {
    const podOwners = (await relationsOf(app, "steps", "controller-owner")).filter((r) => r.to.startsWith("pods/"));
    expect(podOwners.map((r) => [r.from, r.to, r.validFrom, r.validTo])).toEqual([
      ["replicasets/apiserver-85b76d5494", "pods/apiserver-85b76d5494-tscjb", at("14:53:16.100"), at("14:59:32.000")],
      ["replicasets/apiserver-85b76d5494", "pods/apiserver-85b76d5494-c6q5q", at("14:53:16.150"), at("15:00:35.000")],
      ["replicasets/apiserver-85b76d5494", "pods/apiserver-85b76d5494-hc72z", at("14:53:16.200"), at("14:57:25.000")],
      // Never scheduled: deleted at once by the replicaset-controller.
      ["replicasets/apiserver-675785f59", "pods/apiserver-675785f59-jl22t", at("14:57:14.100"), at("14:57:20.020")],
      ["replicasets/apiserver-5d887d5fcd", "pods/apiserver-5d887d5fcd-qnvqh", at("14:57:20.050"), at("15:20:31.000")],
      ["replicasets/apiserver-5d887d5fcd", "pods/apiserver-5d887d5fcd-mrn5h", at("14:58:47.150"), at("15:20:32.000")],
      // Released by the replicaset-controller's patch: the Pod lives on, orphaned, until 15:10:31.
      ["replicasets/apiserver-5d887d5fcd", "pods/apiserver-5d887d5fcd-xdwdd", at("15:00:24.050"), at("15:05:00.050")],
      ["replicasets/apiserver-5d887d5fcd", "pods/apiserver-5d887d5fcd-k8w2n", at("15:05:00.150"), at("15:20:33.000")],
    ]);
  });

  it("links each Pod to its Node from the scheduler's binding, which puts it there, through a placeholder Node", async () => {
    const nodes = await relationsOf(app, "steps", "node");
    expect(nodes.map((r) => [r.from, r.to, r.claimedBy, r.validFrom, r.validTo])).toEqual([
      [`nodes/${CASCADE.nodes.master0.name}`, "pods/apiserver-85b76d5494-tscjb", "pods/apiserver-85b76d5494-tscjb", at("14:53:16.313"), at("14:59:32.000")],
      [`nodes/${CASCADE.nodes.master2.name}`, "pods/apiserver-85b76d5494-c6q5q", "pods/apiserver-85b76d5494-c6q5q", at("14:53:16.410"), at("15:00:35.000")],
      [`nodes/${CASCADE.nodes.master1.name}`, "pods/apiserver-85b76d5494-hc72z", "pods/apiserver-85b76d5494-hc72z", at("14:53:16.443"), at("14:57:25.000")],
      [`nodes/${CASCADE.nodes.master1.name}`, "pods/apiserver-5d887d5fcd-qnvqh", "pods/apiserver-5d887d5fcd-qnvqh", at("14:58:37.005"), at("15:20:31.000")],
      [`nodes/${CASCADE.nodes.master0.name}`, "pods/apiserver-5d887d5fcd-mrn5h", "pods/apiserver-5d887d5fcd-mrn5h", at("15:00:13.834"), at("15:20:32.000")],
      [`nodes/${CASCADE.nodes.master2.name}`, "pods/apiserver-5d887d5fcd-xdwdd", "pods/apiserver-5d887d5fcd-xdwdd", at("15:01:46.911"), at("15:10:31.000")],
      [`nodes/${CASCADE.nodes.master2.name}`, "pods/apiserver-5d887d5fcd-k8w2n", "pods/apiserver-5d887d5fcd-k8w2n", at("15:10:32.000"), at("15:20:33.000")],
    ]);
    const placeholders = await app.context.db.query<{ name: string; kind: string; api_group: string; api_version: string; namespace: string; uid: string | null; first_seen: Date; last_seen: Date; entries: number }>(
      `SELECT o.name, o.kind, o.api_group, o.api_version, o.namespace, o.uid, o.first_seen, o.last_seen,
              (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries
         FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'steps' AND o.resource = 'nodes' ORDER BY o.name`,
    );
    expect(placeholders.rows.map((row) => ({ ...row, first_seen: iso(row.first_seen), last_seen: iso(row.last_seen) }))).toEqual([
      { name: CASCADE.nodes.master0.name, kind: "Node", api_group: "", api_version: "v1", namespace: "", uid: null, first_seen: at("14:53:16.313"), last_seen: at("14:53:16.313"), entries: 0 },
      { name: CASCADE.nodes.master1.name, kind: "Node", api_group: "", api_version: "v1", namespace: "", uid: null, first_seen: at("14:53:16.443"), last_seen: at("14:53:16.443"), entries: 0 },
      { name: CASCADE.nodes.master2.name, kind: "Node", api_group: "", api_version: "v1", namespace: "", uid: null, first_seen: at("14:53:16.410"), last_seen: at("14:53:16.410"), entries: 0 },
    ]);
  });

  it("records the same relations from one big batch as from one request per event", async () => {
    const strip = (rows: RelationRow[]) => rows.map(({ cluster: _cluster, ...rest }) => rest);
    const batch = await relationsOf(app, "batch");
    expect(batch.length).toBeGreaterThan(30);
    expect(strip(batch)).toEqual(strip(await relationsOf(app, "steps")));
  });

  it("holds nothing open once everything is deleted, and resolves owners by uid to the real rows", async () => {
    const open = await app.context.db.query(
      `SELECT r.id FROM relations r JOIN clusters c ON c.id = r.cluster_id JOIN objects o ON o.id = r.claimed_by_id
        WHERE c.name = 'steps' AND r.valid_to IS NULL AND o.resource <> 'rollouts'`,
    );
    expect(open.rows).toEqual([]);
    // Every owner is the row its uid names: no placeholders for ReplicaSets or the Deployment.
    const owners = await app.context.db.query<{ resource: string; uid: string | null; entries: number }>(
      `SELECT DISTINCT f.resource, f.uid, (SELECT count(*)::int FROM history_entries h WHERE h.object_id = f.id) AS entries
         FROM relations r JOIN objects f ON f.id = r.from_object_id JOIN clusters c ON c.id = r.cluster_id
        WHERE c.name = 'steps' AND r.kind = 'controller-owner' ORDER BY 1, 2`,
    );
    expect(owners.rows.map((row) => [row.resource, row.uid])).toEqual([
      ["deployments", CASCADE.deployment.uid],
      ["replicasets", CASCADE.replicaSets.rev3.uid],
      ["replicasets", CASCADE.replicaSets.rev2.uid],
      ["replicasets", CASCADE.replicaSets.rev1.uid],
    ].sort((a, b) => (a.join() < b.join() ? -1 : 1)));
    expect(owners.rows.every((row) => row.entries > 0)).toBe(true);
  });

  it("applies a rule from the rules file: each Pod's mounted ConfigMaps, for the Pod's whole life", async () => {
    const mounts = (await relationsOf(app, "steps", "mounts-configmap")).filter((r) => r.to === "pods/apiserver-85b76d5494-tscjb");
    expect(mounts.map((r) => r.from).sort()).toEqual(["configmaps/audit-1", "configmaps/config", "configmaps/etcd-serving-ca", "configmaps/image-import-ca", "configmaps/trusted-ca-bundle"]);
    expect(new Set(mounts.map((r) => `${r.validFrom} ${r.validTo}`))).toEqual(new Set([`${at("14:53:16.100")} ${at("14:59:32.000")}`]));
  });

  it("applies the example plugin: a Rollout's Services and workload", async () => {
    // Derived from the real Deployment (see server/plugins/load.test.ts): a Rollout taking it over.
    const deployment = openshiftObject(CASCADE.namespace, "apps/deployments.yaml", "apiserver");
    const rollout = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "apiserver", namespace: CASCADE.namespace, uid: "9c1d7e55-3f0a-4b8e-b2a4-0d6f1e2c3b4a", resourceVersion: "23001", labels: deployment.metadata.labels },
      spec: {
        replicas: 3,
        selector: deployment.spec.selector,
        workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "apiserver" },
        strategy: { canary: { canaryService: "api-canary", stableService: "api" } },
      },
    };
    const event = writeEvent({ id: "9c1d7e55-0000-4000-8000-000000000001", at: at("15:03:00.000"), verb: "create", apiGroup: "argoproj.io", resource: "rollouts", body: rollout });
    expect((await app.postAudit(eventList([event]), { cluster: "steps" })).status).toBe(200);
    const rows = (await relationsOf(app, "steps")).filter((r) => r.claimedBy === "rollouts/apiserver");
    expect(rows.map((r) => [r.kind, r.from, r.to, r.validFrom, r.validTo])).toEqual([
      ["rollout-service", "rollouts/apiserver", "services/api", at("15:03:00.000"), null],
      ["rollout-service", "rollouts/apiserver", "services/api-canary", at("15:03:00.000"), null],
      ["rollout-workload", "deployments/apiserver", "rollouts/apiserver", at("15:03:00.000"), null],
    ]);
  });

  it("follows a parent link to another cluster, and ends it when the annotation goes", async () => {
    const deployment = openshiftObject("openshift-console", "apps/deployments.yaml", "downloads");
    deployment.metadata.resourceVersion = "30001";
    deployment.metadata.annotations["kubetrail.io/parent-link"] = JSON.stringify({ cluster: "hub", group: "argoproj.io", version: "v1alpha1", resource: "applications", namespace: "argocd", name: "console" });
    const create = writeEvent({ id: "d0000000-0000-4000-8000-000000000001", at: at("15:30:00.000"), verb: "create", apiGroup: "apps", resource: "deployments", body: structuredClone(deployment) });
    deployment.metadata.resourceVersion = "30002";
    deployment.metadata.annotations["kubetrail.io/parent-link"] = "{not json";
    const broken = writeEvent({ id: "d0000000-0000-4000-8000-000000000002", at: at("15:31:00.000"), verb: "update", apiGroup: "apps", resource: "deployments", body: structuredClone(deployment) });
    expect((await app.postAudit(eventList([create]), { cluster: "spoke" })).status).toBe(200);
    expect((await app.postAudit(eventList([broken]), { cluster: "spoke" })).status).toBe(200);

    expect(await relationsOf(app, "spoke", "parent-link")).toEqual([
      { cluster: "spoke", kind: "parent-link", from: "hub:applications/console", to: "deployments/downloads", claimedBy: "deployments/downloads", validFrom: at("15:30:00.000"), validTo: at("15:31:00.000") },
    ]);
    const parent = await app.context.db.query<{ namespace: string; api_group: string; api_version: string; kind: string | null }>(
      `SELECT o.namespace, o.api_group, o.api_version, o.kind FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'hub'`,
    );
    expect(parent.rows).toEqual([{ namespace: "argocd", api_group: "argoproj.io", api_version: "v1alpha1", kind: null }]);
  });

  it("gives an owner seen only through an ownerReference a placeholder with its uid, which its own writes then fill in", async () => {
    // The real Pod qnvqh arrives before anything of its ReplicaSet (an audit log starting mid-rollout).
    const pod = openshiftObject(CASCADE.namespace, "core/pods.yaml", "apiserver-5d887d5fcd-qnvqh");
    const replicaSet = openshiftObject(CASCADE.namespace, "apps/replicasets.yaml", CASCADE.replicaSets.rev3.name);
    const podUpdate = writeEvent({ id: "1a7e0000-0000-4000-8000-000000000001", at: at("15:40:00.000"), verb: "update", apiGroup: "", resource: "pods", body: pod });
    expect((await app.postAudit(eventList([podUpdate]), { cluster: "late" })).status).toBe(200);
    const rsUpdate = writeEvent({ id: "1a7e0000-0000-4000-8000-000000000002", at: at("15:41:00.000"), verb: "update", apiGroup: "apps", resource: "replicasets", body: replicaSet });
    expect((await app.postAudit(eventList([rsUpdate]), { cluster: "late" })).status).toBe(200);

    const rows = await app.context.db.query<{ resource: string; uid: string; kind: string; first_seen: Date; entries: number }>(
      `SELECT o.resource, o.uid, o.kind, o.first_seen, (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries
         FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'late' AND o.resource = 'replicasets'`,
    );
    // One row: the placeholder made for the Pod's ownerReference, now with the ReplicaSet's history.
    expect(rows.rows.map((r) => ({ ...r, first_seen: iso(r.first_seen) }))).toEqual([
      { resource: "replicasets", uid: CASCADE.replicaSets.rev3.uid, kind: "ReplicaSet", first_seen: at("15:40:00.000"), entries: 1 },
    ]);
    const ownership = (await relationsOf(app, "late")).filter((r) => r.kind !== "mounts-configmap");
    expect(ownership.map((r) => [r.kind, r.from, r.to, r.validFrom, r.validTo])).toEqual([
      ["controller-owner", `replicasets/${CASCADE.replicaSets.rev3.name}`, "pods/apiserver-5d887d5fcd-qnvqh", at("15:40:00.000"), null],
      ["node", `nodes/${CASCADE.nodes.master1.name}`, "pods/apiserver-5d887d5fcd-qnvqh", at("15:40:00.000"), null],
      ["controller-owner", "deployments/apiserver", `replicasets/${CASCADE.replicaSets.rev3.name}`, at("15:41:00.000"), null],
    ]);
  });

  it("makes the placeholder of a claim named before it existed the object its create makes (a Pod's ephemeral volume claim)", async () => {
    // The real Pod qnvqh with a generic ephemeral volume: the ephemeral-volume controller creates
    // its claim, <pod>-<volume>, owned by the Pod, after the Pod that names it.
    const pod = openshiftObject(CASCADE.namespace, "core/pods.yaml", "apiserver-5d887d5fcd-qnvqh");
    pod.spec.volumes.push({ name: "scratch", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } } } });
    const claim = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: `${pod.metadata.name}-scratch`,
        namespace: CASCADE.namespace,
        uid: "5e0c0a1e-9b8f-4c1d-a2e3-f4a5b6c7d8e9",
        resourceVersion: "50001",
        ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: pod.metadata.name, uid: pod.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    };
    const podCreate = writeEvent({ id: "e9e00000-0000-4000-8000-000000000001", at: at("16:10:00.000"), verb: "create", apiGroup: "", resource: "pods", body: pod });
    const claimCreate = writeEvent({ id: "e9e00000-0000-4000-8000-000000000002", at: at("16:10:00.300"), verb: "create", apiGroup: "", resource: "persistentvolumeclaims", body: claim });
    expect((await app.postAudit(eventList([podCreate]), { cluster: "ephemeral" })).status).toBe(200);
    expect((await app.postAudit(eventList([claimCreate]), { cluster: "ephemeral" })).status).toBe(200);

    // One row for the claim, alive, with its create: the placeholder the Pod's body made.
    const claims = await app.context.db.query<{ uid: string; first_seen: Date; deleted_at: Date | null; entries: number }>(
      `SELECT o.uid, o.first_seen, o.deleted_at, (SELECT count(*)::int FROM history_entries h WHERE h.object_id = o.id) AS entries
         FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'ephemeral' AND o.resource = 'persistentvolumeclaims'`,
    );
    expect(claims.rows.map((r) => ({ ...r, first_seen: iso(r.first_seen), deleted_at: iso(r.deleted_at) }))).toEqual([
      { uid: claim.metadata.uid, first_seen: at("16:10:00.295"), deleted_at: null, entries: 1 },
    ]);
    const rows = (await relationsOf(app, "ephemeral")).filter((r) => r.kind === "volume-claim" || r.to.startsWith("persistentvolumeclaims/"));
    expect(rows.map((r) => [r.kind, r.from, r.to, r.validFrom, r.validTo])).toEqual([
      ["volume-claim", `persistentvolumeclaims/${claim.metadata.name}`, `pods/${pod.metadata.name}`, at("16:10:00.000"), null],
      ["controller-owner", `pods/${pod.metadata.name}`, `persistentvolumeclaims/${claim.metadata.name}`, at("16:10:00.300"), null],
    ]);
  });

  it("makes one placeholder for an owner named in one batch by a Pod it creates and by a Pod it already knew", async () => {
    // The real Pods qnvqh and mrn5h, both of the ReplicaSet of rev3, which nothing else names yet.
    // Claims of objects a batch creates are looked up before the others (a round trip sooner):
    // the two lookups must still make one row of the owner, not one each.
    const known = openshiftObject(CASCADE.namespace, "core/pods.yaml", "apiserver-5d887d5fcd-qnvqh");
    const created = openshiftObject(CASCADE.namespace, "core/pods.yaml", "apiserver-5d887d5fcd-mrn5h");
    const withoutClaims = structuredClone(known);
    delete withoutClaims.metadata.ownerReferences;
    delete withoutClaims.spec.nodeName;
    withoutClaims.metadata.resourceVersion = "1";
    const first = writeEvent({ id: "3b1d0000-0000-4000-8000-000000000001", at: at("15:50:00.000"), verb: "update", apiGroup: "", resource: "pods", body: withoutClaims });
    expect((await app.postAudit(eventList([first]), { cluster: "mixed" })).status).toBe(200);

    const update = writeEvent({ id: "3b1d0000-0000-4000-8000-000000000002", at: at("15:51:00.000"), verb: "update", apiGroup: "", resource: "pods", body: known });
    const create = writeEvent({ id: "3b1d0000-0000-4000-8000-000000000003", at: at("15:51:00.500"), verb: "create", apiGroup: "", resource: "pods", body: created });
    expect((await app.postAudit(eventList([update, create]), { cluster: "mixed" })).status).toBe(200);

    const owners = await app.context.db.query<{ uid: string }>(
      `SELECT o.uid FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'mixed' AND o.resource = 'replicasets'`,
    );
    expect(owners.rows).toEqual([{ uid: CASCADE.replicaSets.rev3.uid }]);
    const ownership = await relationsOf(app, "mixed", "controller-owner");
    expect(ownership.map((r) => [r.from, r.to])).toEqual([
      [`replicasets/${CASCADE.replicaSets.rev3.name}`, "pods/apiserver-5d887d5fcd-qnvqh"],
      [`replicasets/${CASCADE.replicaSets.rev3.name}`, "pods/apiserver-5d887d5fcd-mrn5h"],
    ]);
  });

  it("lets a body that arrives late (an older resourceVersion) change no relation the newer body states", async () => {
    const pod = openshiftObject(CASCADE.namespace, "core/pods.yaml", "apiserver-5d887d5fcd-mrn5h");
    pod.metadata.resourceVersion = "40002";
    const newer = writeEvent({ id: "0dd00000-0000-4000-8000-000000000002", at: at("16:00:00.000"), verb: "update", apiGroup: "", resource: "pods", body: structuredClone(pod) });
    delete pod.spec.nodeName;
    pod.metadata.resourceVersion = "40001";
    const older = writeEvent({ id: "0dd00000-0000-4000-8000-000000000001", at: at("15:59:00.000"), verb: "update", apiGroup: "", resource: "pods", body: pod });
    expect((await app.postAudit(eventList([newer]), { cluster: "late-order" })).status).toBe(200);
    expect((await app.postAudit(eventList([older]), { cluster: "late-order" })).status).toBe(200);
    // The newest body known still names the Node: the relation holds.
    expect((await relationsOf(app, "late-order", "node")).map((r) => [r.validFrom, r.validTo])).toEqual([[at("16:00:00.000"), null]]);
  });

  it("ends what a body states at the object's delete when that delete, answered with a Status, arrived first", async () => {
    // The real ReplicaSet of rev3: the garbage collector's delete (a Status, no body) reaches
    // Kubetrail before the batch holding an earlier status update, as concurrent batches may.
    const replicaSet = openshiftObject(CASCADE.namespace, "apps/replicasets.yaml", CASCADE.replicaSets.rev3.name);
    const update = writeEvent({ id: "9cde0000-0000-4000-8000-000000000001", at: at("16:20:00.000"), verb: "update", apiGroup: "apps", resource: "replicasets", body: replicaSet });
    const remove = writeEvent({ id: "9cde0000-0000-4000-8000-000000000002", at: at("16:25:00.000"), verb: "update", apiGroup: "apps", resource: "replicasets", body: replicaSet });
    remove.verb = "delete";
    remove.user = { username: "system:serviceaccount:kube-system:generic-garbage-collector" };
    remove.requestObject = { kind: "DeleteOptions", apiVersion: "meta.k8s.io/v1", propagationPolicy: "Background" };
    remove.responseObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name: replicaSet.metadata.name, group: "apps", kind: "replicasets", uid: replicaSet.metadata.uid } };
    expect((await app.postAudit(eventList([remove]), { cluster: "gc-order" })).status).toBe(200);
    expect((await app.postAudit(eventList([update]), { cluster: "gc-order" })).status).toBe(200);

    expect((await relationsOf(app, "gc-order")).map((r) => [r.kind, r.from, r.to, r.validFrom, r.validTo])).toEqual([
      ["controller-owner", "deployments/apiserver", `replicasets/${CASCADE.replicaSets.rev3.name}`, at("16:20:00.000"), at("16:25:00.000")],
    ]);
  });

  it("refuses to start with a bad rules file or an unknown plugin, naming it", async () => {
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, "- name: x\n  match: {resource: pods}\n  path: spec..x\n  target: {apiGroup: '', resource: nodes}\n  relation: r\n  role: parent\n  hierarchical: false\n");
    const configured = (env: Record<string, string>) => createConfiguredAuditIngestor(app.context.db, loadConfig({ KUBETRAIL_REDACTION_KEY: "test-redaction-key-0123", ...env }));
    await expect(configured({ KUBETRAIL_LINK_RULES_FILE: bad })).rejects.toThrow(ConfigError);
    await expect(configured({ KUBETRAIL_LINK_RULES_FILE: bad })).rejects.toThrow(`link rules file ${bad}: rules[0].path: must be a dot path like spec.a.b or spec.items[].name (rule "x")`);
    await expect(configured({ KUBETRAIL_PLUGINS: "plugins/nope" })).rejects.toThrow(/^KUBETRAIL_PLUGINS: plugin plugins\/nope: no such module/);
  });
});
