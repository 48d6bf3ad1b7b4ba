import { describe, expect, it } from "vitest";
import type { DiffEntry, JsonObject } from "../../ingest/audit/types";
import { exampleSecretBody, itemNamed, realApiserverDeployment, realApiserverPod, realApiserverReplicaSets } from "../../testing/fixtures";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint, redactBody } from "../redact/redact";
import { DEFAULT_IGNORED_PATHS, diffObjects, formatDiffEntry } from "./diff";

type Loose = Record<string, any>;

// Fresh copies of real objects from the OpenShift capture; tests change them as a real write would.
const realDeployment = () => realApiserverDeployment() as Loose;
const realPod = () => realApiserverPod() as Loose;

function containerNamed(podSpec: Loose, name: string): Loose {
  const found = (podSpec.containers as Loose[]).find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

const diff = (before: Loose, after: Loose, options?: { ignorePaths?: string[][] }) =>
  diffObjects(before as JsonObject, after as JsonObject, options);

describe("diffObjects on a real rollout", () => {
  it("shows what the Deployment's pod template change was between revision 2 and 3", () => {
    // Real data, no edits: the templates of the ReplicaSets the deployment controller made for
    // revisions 2 (apiserver-675785f59) and 3 (apiserver-5d887d5fcd). Only the hash label,
    // which the controller adds to each ReplicaSet's copy, is left out.
    const replicaSets = realApiserverReplicaSets();
    const revision2 = (itemNamed(replicaSets, "apiserver-675785f59") as Loose).spec.template;
    const revision3 = (itemNamed(replicaSets, "apiserver-5d887d5fcd") as Loose).spec.template;
    expect(diff(revision2, revision3, { ignorePaths: [["metadata", "labels", "pod-template-hash"]] })).toEqual([
      { path: 'metadata.annotations["operator.openshift.io/dep-desired.generation"]', old: "3", new: "4" },
      { path: 'metadata.annotations["operator.openshift.io/dep-openshift-apiserver.config.configmap"]', old: "-RrmSg==", new: "MWqpjA==" },
    ]);
  });

  it("reads a scale from 1 to 3 as spec.replicas, with the generation it bumped", () => {
    // Derived from the real Deployment (replicas 3, generation 3, observedGeneration 3): the state one write earlier.
    const after = realDeployment();
    const before = realDeployment();
    before.spec.replicas = 1;
    before.metadata.generation = 2;
    before.metadata.resourceVersion = "22871";
    before.status.observedGeneration = 2;
    expect(diff(before, after)).toEqual([
      { path: "metadata.generation", old: 2, new: 3 },
      { path: "spec.replicas", old: 1, new: 3 },
      { path: "status.observedGeneration", old: 2, new: 3 },
    ]);
  });

  it("addresses a container by name when its image changes", () => {
    // Derived from the real Deployment: an upgrade as the operator makes it (pull-spec annotation and image).
    const before = realDeployment();
    const after = realDeployment();
    const image = "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:3554261f3e8faff54e4453a19e8916f073b5a1ee8ad389c0396aa3e8812297ad";
    after.metadata.annotations["openshiftapiservers.operator.openshift.io/pull-spec"] = image;
    containerNamed(after.spec.template.spec, "openshift-apiserver").image = image;
    expect(diff(before, after)).toEqual([
      {
        path: 'metadata.annotations["openshiftapiservers.operator.openshift.io/pull-spec"]',
        old: "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:88ae283a89a577429b23a4e8424683598fe11c267bb81e72ea0dc1b26cf29446",
        new: image,
      },
      {
        path: "spec.template.spec.containers[name=openshift-apiserver].image",
        old: "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:88ae283a89a577429b23a4e8424683598fe11c267bb81e72ea0dc1b26cf29446",
        new: image,
      },
    ]);
  });

  it("finds no change when keyed lists are only reordered", () => {
    const before = realDeployment();
    const after = realDeployment();
    const podSpec = after.spec.template.spec;
    podSpec.containers.reverse();
    podSpec.volumes.reverse();
    podSpec.tolerations.reverse();
    for (const container of podSpec.containers) {
      container.env.reverse();
      container.volumeMounts?.reverse();
    }
    after.status.conditions.reverse();
    expect(diff(before, after)).toEqual([]);
  });

  it("matches status conditions by type", () => {
    // Derived from the real Deployment's conditions: the state in the middle of the rollout.
    const after = realDeployment();
    const before = realDeployment();
    const [available, progressing] = after.status.conditions as Loose[];
    Object.assign(progressing!, {
      lastUpdateTime: "2021-09-13T15:02:10Z",
      message: 'ReplicaSet "apiserver-5d887d5fcd" is progressing.',
      reason: "ReplicaSetUpdated",
    });
    after.status.conditions = [
      progressing,
      {
        lastTransitionTime: "2021-09-13T15:02:10Z",
        lastUpdateTime: "2021-09-13T15:02:10Z",
        message: 'pods "apiserver-5d887d5fcd-" is forbidden: exceeded quota',
        reason: "FailedCreate",
        status: "True",
        type: "ReplicaFailure",
      },
    ];
    expect(diff(before, after)).toEqual([
      { path: "status.conditions[type=Progressing].lastUpdateTime", old: "2021-09-13T15:01:57Z", new: "2021-09-13T15:02:10Z" },
      {
        path: "status.conditions[type=Progressing].message",
        old: 'ReplicaSet "apiserver-5d887d5fcd" has successfully progressed.',
        new: 'ReplicaSet "apiserver-5d887d5fcd" is progressing.',
      },
      { path: "status.conditions[type=Progressing].reason", old: "NewReplicaSetAvailable", new: "ReplicaSetUpdated" },
      { path: "status.conditions[type=ReplicaFailure]", new: after.status.conditions[1] },
      { path: "status.conditions[type=Available]", old: available },
    ]);
  });

  it("leaves out managedFields and resourceVersion by default, and compares them when told to", () => {
    // The capture has no managedFields (must-gather drops them); these have the shape kube-apiserver writes.
    const before = realDeployment();
    const after = realDeployment();
    const managed = (time: string) => [
      { apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } }, manager: "cluster-openshift-apiserver-operator", operation: "Update", time },
    ];
    before.metadata.managedFields = managed("2021-09-13T14:57:19Z");
    after.metadata.managedFields = managed("2021-09-13T15:01:57Z");
    after.metadata.resourceVersion = "23011";
    expect(diff(before, after)).toEqual([]);
    expect(DEFAULT_IGNORED_PATHS).toEqual([["metadata", "managedFields"], ["metadata", "resourceVersion"]]);
    expect(diff(before, after, { ignorePaths: [] }).map((e) => e.path)).toEqual([
      "metadata.resourceVersion",
      "metadata.managedFields[0].time",
    ]);
  });

  it("accepts * in ignore paths for any key or list item", () => {
    const before = realDeployment();
    const after = realDeployment();
    for (const container of after.spec.template.spec.containers) container.image = "registry.example.com/mirror@sha256:0000";
    after.spec.replicas = 5;
    const ignorePaths = [...DEFAULT_IGNORED_PATHS, ["spec", "template", "spec", "containers", "*", "image"]];
    expect(diff(before, after, { ignorePaths })).toEqual([{ path: "spec.replicas", old: 3, new: 5 }]);
  });

  it("matches ignore paths segment by segment, list item labels and indexes included", () => {
    const before = { status: { ready: 1 }, metadata: { labels: { app: "a", tier: "web" } }, spec: { ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }], args: ["-v", "1"] } };
    const after = { status: { ready: 2 }, metadata: { labels: { app: "b", tier: "db" } }, spec: { ports: [{ name: "http", port: 8080 }, { name: "https", port: 8443 }], args: ["-v", "2"] } };
    const ignorePaths = [["status"], ["metadata", "*", "app"], ["spec", "ports", "name=http"], ["spec", "args", "1"], ["spec", "*", "*", "*", "*"]];
    expect(diff(before, after, { ignorePaths })).toEqual([
      { path: "metadata.labels.tier", old: "web", new: "db" },
      { path: "spec.ports[name=https].port", old: 443, new: 8443 },
    ]);
  });

  it("reports removed keys after the changed and added ones", () => {
    // Derived from the real Deployment: switching its strategy to Recreate drops rollingUpdate.
    const before = realDeployment();
    const after = realDeployment();
    after.spec.strategy = { type: "Recreate" };
    expect(diff(before, after)).toEqual([
      { path: "spec.strategy.type", old: "RollingUpdate", new: "Recreate" },
      { path: "spec.strategy.rollingUpdate", old: { maxSurge: 0, maxUnavailable: 1 } },
    ]);
  });

  it("treats finalizers as a set", () => {
    // Derived from the real Deployment: a foreground delete (kubectl delete --cascade=foreground) marks it so.
    const before = realDeployment();
    const deleting = realDeployment();
    deleting.metadata.deletionTimestamp = "2021-09-13T15:20:00Z";
    deleting.metadata.deletionGracePeriodSeconds = 0;
    deleting.metadata.finalizers = ["foregroundDeletion", "example.com/cleanup"];
    expect(diff(before, deleting).map((e) => e.path)).toEqual([
      "metadata.deletionTimestamp",
      "metadata.deletionGracePeriodSeconds",
      "metadata.finalizers",
    ]);
    const reordered = structuredClone(deleting);
    reordered.metadata.finalizers.reverse();
    expect(diff(deleting, reordered)).toEqual([]);
    const oneLeft = structuredClone(deleting);
    oneLeft.metadata.finalizers = ["example.com/cleanup"];
    expect(diff(deleting, oneLeft)).toEqual([
      { path: "metadata.finalizers", old: ["foregroundDeletion", "example.com/cleanup"], new: ["example.com/cleanup"] },
    ]);
  });
});

describe("diffObjects paths", () => {
  it("quotes keys that are not plain identifiers, like label keys with dots, slashes and dashes", () => {
    const before = realPod();
    const after = realPod();
    after.metadata.labels["app.kubernetes.io/name"] = "openshift-apiserver";
    after.metadata.labels.app = "openshift-apiserver-b";
    after.metadata.labels["pod-template-hash"] = "6b7c9d8f4";
    after.spec.nodeSelector = { 'odd"key': "x" };
    expect(diff(before, after).map((e) => e.path)).toEqual([
      "metadata.labels.app",
      'metadata.labels["pod-template-hash"]',
      'metadata.labels["app.kubernetes.io/name"]',
      'spec.nodeSelector["odd\\"key"]',
      'spec.nodeSelector["node-role.kubernetes.io/master"]',
    ]);
  });

  it("keys tolerations by key and effect, volume mounts by mount path, env by name", () => {
    // Derived from the real Pod: values a node-lifecycle tweak and a debug rollout would set.
    const before = realPod();
    const after = realPod();
    const toleration = (after.spec.tolerations as Loose[]).find((t) => t.key === "node.kubernetes.io/not-ready");
    toleration!.tolerationSeconds = 300;
    const apiserver = containerNamed(after.spec, "openshift-apiserver");
    const mount = (apiserver.volumeMounts as Loose[]).find((m) => m.mountPath === "/var/run/configmaps/audit");
    mount!.readOnly = true;
    apiserver.env.push({ name: "GODEBUG", value: "x509ignoreCN=0" });
    expect(diff(before, after)).toEqual([
      {
        path: "spec.containers[name=openshift-apiserver].env[name=GODEBUG]",
        new: { name: "GODEBUG", value: "x509ignoreCN=0" },
      },
      { path: "spec.containers[name=openshift-apiserver].volumeMounts[mountPath=/var/run/configmaps/audit].readOnly", new: true },
      {
        path: "spec.tolerations[key=node.kubernetes.io/not-ready,effect=NoExecute].tolerationSeconds",
        old: 120,
        new: 300,
      },
    ]);
  });

  it("keys unnamed container ports by containerPort, adding the protocol when the port repeats", () => {
    const before = realPod();
    const after = realPod();
    const apiserver = containerNamed(after.spec, "openshift-apiserver");
    apiserver.ports[0].hostPort = 8443;
    expect(diff(before, after).map((e) => e.path)).toEqual(["spec.containers[name=openshift-apiserver].ports[containerPort=8443].hostPort"]);
    apiserver.ports.push({ containerPort: 8443, protocol: "UDP" });
    expect(diff(before, after).map((e) => e.path)).toEqual([
      "spec.containers[name=openshift-apiserver].ports[containerPort=8443,protocol=TCP].hostPort",
      "spec.containers[name=openshift-apiserver].ports[containerPort=8443,protocol=UDP]",
    ]);
  });

  it("keys owner references by uid, so a new owner is one added and one removed item", () => {
    // Derived from the real Pod: adopted by another ReplicaSet of the same Deployment (revision 2's).
    const before = realPod();
    const after = realPod();
    after.metadata.ownerReferences[0].name = "apiserver-675785f59";
    after.metadata.ownerReferences[0].uid = "7286ca94-af50-4e27-ab2f-6bb7ea9714e9";
    expect(diff(before, after)).toEqual([
      { path: "metadata.ownerReferences[uid=7286ca94-af50-4e27-ab2f-6bb7ea9714e9]", new: after.metadata.ownerReferences[0] },
      { path: "metadata.ownerReferences[uid=844d9542-7974-4670-9d85-746e8c4b2d83]", old: before.metadata.ownerReferences[0] },
    ]);
  });

  it("diffs lists without keys by index when their lengths agree, else as a whole", () => {
    // Derived from the real Deployment: check-endpoints runs with `--v 2`.
    const before = realDeployment();
    const verbose = realDeployment();
    const args = (deployment: Loose) => containerNamed(deployment.spec.template.spec, "openshift-apiserver-check-endpoints").args as string[];
    args(verbose)[5] = "4";
    expect(diff(before, verbose)).toEqual([
      { path: "spec.template.spec.containers[name=openshift-apiserver-check-endpoints].args[5]", old: "2", new: "4" },
    ]);
    const longer = realDeployment();
    args(longer).push("--insecure");
    expect(diff(before, longer)).toEqual([
      { path: "spec.template.spec.containers[name=openshift-apiserver-check-endpoints].args", old: args(before), new: args(longer) },
    ]);
  });

  it("keys any list of uniquely named objects by name, even of an unknown field", () => {
    const before = { spec: { widgets: [{ name: "a", size: 1 }, { name: "b", size: 2 }] } };
    const after = { spec: { widgets: [{ name: "b", size: 3 }, { name: "a", size: 1 }, { name: "c", size: 1 }] } };
    expect(diff(before, after)).toEqual([
      { path: "spec.widgets[name=b].size", old: 2, new: 3 },
      { path: "spec.widgets[name=c]", new: { name: "c", size: 1 } },
    ]);
  });

  it("treats field names like constructor and toString as plain keys", () => {
    const before = { spec: { constructor: [1, 2], toString: "a" } };
    const after = { spec: { constructor: [1, 3], toString: "b" } };
    expect(diff(before, after).map((e) => e.path)).toEqual(["spec.constructor[1]", "spec.toString"]);
  });

  it("treats a __proto__ key as a plain key, in paths and in the values it copies", () => {
    const before = JSON.parse('{"spec":{"a":1}}') as Loose;
    const after = JSON.parse('{"spec":{"a":1,"__proto__":{"polluted":true}}}') as Loose;
    const [entry] = diff(before, after);
    expect(entry!.path).toBe("spec.__proto__");
    expect(entry!.new).toEqual({ polluted: true });
    expect(entry!.new).not.toBe(after.spec.__proto__);
    const [whole] = diff({}, after);
    expect(Object.hasOwn(whole!.new as object, "__proto__")).toBe(true);
    expect(JSON.stringify(whole!.new)).toBe('{"a":1,"__proto__":{"polluted":true}}');
  });

  it("reports a value that changes type as one change", () => {
    const before = realDeployment();
    const after = realDeployment();
    after.spec.template.metadata.creationTimestamp = "2021-09-13T14:53:16Z";
    after.spec.strategy.rollingUpdate.maxUnavailable = "25%";
    expect(diff(before, after)).toEqual([
      { path: "spec.strategy.rollingUpdate.maxUnavailable", old: 1, new: "25%" },
      { path: "spec.template.metadata.creationTimestamp", old: null, new: "2021-09-13T14:53:16Z" },
    ]);
  });

  it("does not change its inputs, and its entries share nothing with them", () => {
    const before = realDeployment();
    const after = realDeployment();
    after.spec.strategy = { type: "Recreate" };
    const [beforeCopy, afterCopy] = [structuredClone(before), structuredClone(after)];
    const entries = diff(before, after);
    expect(before).toEqual(beforeCopy);
    expect(after).toEqual(afterCopy);
    (entries[1]!.old as Loose).maxSurge = 99;
    expect(before.spec.strategy.rollingUpdate.maxSurge).toBe(0);
  });
});

describe("diffObjects on redacted Secrets", () => {
  const fingerprint = hmacFingerprint("test-redaction-key-0123456789");
  const redacted = (body: Loose) => redactBody(body as JsonObject, { apiGroup: "", resource: "secrets" }, DEFAULT_SENSITIVE_RULES, fingerprint);

  it("says which data keys changed, never their values or fingerprints", () => {
    // Derived from the example Secret: a password rotated with kubectl apply, a key added, one removed.
    const original = exampleSecretBody() as Loose;
    const rotated = exampleSecretBody() as Loose;
    rotated.data = { password: "bjN3LXBhNTV3MHJk", token: "ZXlKaGJHY2lPaUpTVXpJMU5pSjk=" };
    rotated.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] = JSON.stringify({ data: rotated.data });
    rotated.metadata.resourceVersion = "1502";
    const before = redacted(original);
    const after = redacted(rotated);

    const entries = diffObjects(before, after);
    expect(entries).toEqual([
      { path: "data.password", redacted: true },
      { path: "data.token", redacted: true },
      { path: "data.username", redacted: true },
      { path: 'metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]', redacted: true },
    ]);
    const text = JSON.stringify(entries) + entries.map(formatDiffEntry).join("\n");
    for (const secret of ["MWYyZDFlMmU2N2Rm", "YWRtaW4=", "bjN3LXBhNTV3MHJk", "<redacted:"]) expect(text).not.toContain(secret);
    expect(entries.map(formatDiffEntry)).toContain("data.password (redacted) changed");
  });

  it("finds no change when a Secret is re-applied with the same values", () => {
    const reapplied = exampleSecretBody() as Loose;
    reapplied.metadata.resourceVersion = "1502";
    expect(diffObjects(redacted(exampleSecretBody()), redacted(reapplied))).toEqual([]);
  });

  it("keeps fingerprints inside a wholly added value for the store; formatting shows them as <redacted>", () => {
    const before = redacted(exampleSecretBody());
    delete (before as Loose).data;
    const after = redacted(exampleSecretBody());
    const [entry] = diffObjects(before, after);
    expect(entry).toEqual({ path: "data", new: (after as Loose).data });
    expect(formatDiffEntry(entry!)).toBe('data (added) {"password":"<redacted>","username":"<redacted>"}');
  });
});

describe("formatDiffEntry", () => {
  it.each<[DiffEntry, string]>([
    [{ path: "spec.replicas", old: 1, new: 3 }, "spec.replicas 1 -> 3"],
    [{ path: "spec.x", new: 5 }, "spec.x (added) 5"],
    [{ path: "spec.y", old: 2 }, "spec.y 2 -> (removed)"],
    [{ path: "data.password", redacted: true }, "data.password (redacted) changed"],
    [
      { path: "spec.template.spec.containers[name=nginx].image", old: "nginx:1.25", new: "nginx:1.27" },
      "spec.template.spec.containers[name=nginx].image nginx:1.25 -> nginx:1.27",
    ],
    // Strings that would read as other JSON values, or not at all, keep their quotes.
    [{ path: 'metadata.labels["apiserver"]', old: "true", new: "false" }, 'metadata.labels["apiserver"] "true" -> "false"'],
    [{ path: 'metadata.annotations["deployment.kubernetes.io/revision"]', old: "2", new: "3" }, 'metadata.annotations["deployment.kubernetes.io/revision"] "2" -> "3"'],
    [{ path: "spec.a", old: "", new: " padded" }, 'spec.a "" -> " padded"'],
    [{ path: "spec.b", old: "line one\nline two", new: "x -> y" }, 'spec.b "line one\\nline two" -> "x -> y"'],
    [{ path: "status.conditions[type=Available].status", old: "True", new: "False" }, "status.conditions[type=Available].status True -> False"],
    [{ path: "status.conditions[type=Progressing].message", new: "Deployment has minimum availability." }, "status.conditions[type=Progressing].message (added) Deployment has minimum availability."],
    [{ path: "spec.strategy.rollingUpdate", old: { maxSurge: 0, maxUnavailable: 1 } }, 'spec.strategy.rollingUpdate {"maxSurge":0,"maxUnavailable":1} -> (removed)'],
    [{ path: "metadata.finalizers", old: null, new: ["foregroundDeletion"] }, 'metadata.finalizers null -> ["foregroundDeletion"]'],
  ])("formats %j", (entry, text) => {
    expect(formatDiffEntry(entry)).toBe(text);
  });
});
