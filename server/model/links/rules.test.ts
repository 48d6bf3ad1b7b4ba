import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../config/config";
import { openshiftObject, sonobuoyItems } from "../../testing/fixtures";
import { asBody, identityOf } from "../../testing/linkers";
import { relationKindInfo } from "./kinds";
import { compileFieldPath, loadLinkRules, parseLinkRules, stringsAtPath } from "./rules";

const RULES_YAML = `
# Relations Kubernetes doesn't record, for the real OpenShift objects.
rules:
  - name: pod-configmaps
    match: { resource: pods }
    path: spec.volumes[].configMap.name
    target: { apiGroup: "", resource: configmaps, namespace: same }
    relation: mounts-configmap
    role: parent
    hierarchical: false
  - name: pod-projected-configmaps
    match: { apiGroup: "", resource: pods, labels: { apiserver: "true" } }
    path: spec.volumes[].projected.sources[].configMap.name
    target: { apiGroup: "", resource: configmaps, namespace: same }
    relation: mounts-configmap
    role: parent
    hierarchical: false
  - name: deployment-part-of
    match: { kind: Deployment }
    path: metadata.labels."app.kubernetes.io/part-of"
    target: { apiGroup: config.openshift.io, resource: clusteroperators, kind: ClusterOperator }
    relation: operator
    role: parent
    hierarchical: true
    description: the ClusterOperator a Deployment belongs to
`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
function writeRules(text: string, name = "rules.yaml"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-rules-"));
  dirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe("field paths", () => {
  it.each([
    ["spec.nodeName", [{ key: "spec", each: false }, { key: "nodeName", each: false }]],
    ["spec.volumes[].configMap.name", [{ key: "spec", each: false }, { key: "volumes", each: true }, { key: "configMap", each: false }, { key: "name", each: false }]],
    ['metadata.labels."app.kubernetes.io/name"', [{ key: "metadata", each: false }, { key: "labels", each: false }, { key: "app.kubernetes.io/name", each: false }]],
  ])("compiles %s", (text, steps) => {
    expect(compileFieldPath(text)).toEqual(steps);
  });

  it.each(["", "spec..name", "spec.", ".spec", "spec[0]", "spec.volumes[]name", 'metadata."unclosed', "spec volumes", "spec.[]"])("refuses %j", (text) => {
    expect(compileFieldPath(text)).toBeNull();
  });

  it("reads every string at a path through lists, each once, skipping what isn't there", () => {
    const pod = openshiftObject("openshift-image-registry", "core/pods.yaml", "image-registry-6dc4cb66fc-k66zl");
    expect(stringsAtPath(pod, compileFieldPath("spec.volumes[].configMap.name")!)).toEqual(["image-registry-certificates", "trusted-ca"]);
    expect(stringsAtPath(pod, compileFieldPath("spec.volumes[].projected.sources[].configMap.name")!)).toEqual(["kube-root-ca.crt", "openshift-service-ca.crt"]);
    expect(stringsAtPath(pod, compileFieldPath("spec.containers[].env[].valueFrom.secretKeyRef.name")!)).toEqual(["image-registry-private-configuration"]);
    expect(stringsAtPath(pod, compileFieldPath("spec.initContainers[].env[].valueFrom.secretKeyRef.name")!)).toEqual([]);
    expect(stringsAtPath(pod, compileFieldPath("spec.nodeName[]")!)).toEqual([]);
  });
});

describe("link rules", () => {
  it("turns each rule into a linker over real objects, and registers the kinds they use", () => {
    const linkers = loadLinkRules(writeRules(RULES_YAML));
    expect(linkers.map((l) => l.name)).toEqual(["rule:pod-configmaps", "rule:pod-projected-configmaps", "rule:deployment-part-of"]);
    const [configMaps, projected, partOf] = linkers;

    const pod = openshiftObject("openshift-apiserver", "core/pods.yaml", "apiserver-5d887d5fcd-mrn5h");
    const podIdentity = identityOf(pod, "", "pods");
    expect(configMaps!.claims(asBody(pod), podIdentity).map((c) => c.other.name)).toEqual(["config", "audit-1", "etcd-serving-ca", "image-import-ca", "trusted-ca-bundle"]);
    expect(configMaps!.claims(asBody(pod), podIdentity)[0]).toEqual({
      kind: "mounts-configmap",
      role: "parent",
      other: { apiGroup: "", resource: "configmaps", namespace: "openshift-apiserver", name: "config", kind: "ConfigMap" },
    });
    // Labels must match: the apiserver Pods carry apiserver: "true", the registry Pods don't.
    expect(projected!.claims(asBody(pod), podIdentity).map((c) => c.other.name)).toEqual(["kube-root-ca.crt", "openshift-service-ca.crt"]);
    const registry = openshiftObject("openshift-image-registry", "core/pods.yaml", "image-registry-6dc4cb66fc-k66zl");
    expect(projected!.claims(asBody(registry), identityOf(registry, "", "pods"))).toEqual([]);

    // Matching by kind; a cluster-scoped target has no namespace.
    const deployment = openshiftObject("openshift-console", "apps/deployments.yaml", "console");
    deployment.metadata.labels["app.kubernetes.io/part-of"] = "console";
    expect(partOf!.claims(asBody(deployment), identityOf(deployment, "apps", "deployments"))).toEqual([
      { kind: "operator", role: "parent", other: { apiGroup: "config.openshift.io", resource: "clusteroperators", namespace: "", name: "console", kind: "ClusterOperator" } },
    ]);
    expect(partOf!.claims(asBody(pod), podIdentity)).toEqual([]);

    expect(relationKindInfo("mounts-configmap").hierarchical).toBe(false);
    expect(relationKindInfo("operator")).toEqual({ hierarchical: true, description: "the ClusterOperator a Deployment belongs to" });
  });

  it("matches Kubernetes 1.8 bodies without kind by the audit identity", () => {
    const [linker] = parseLinkRules(
      `- {name: dns-config, match: {kind: Pod}, path: "spec.volumes[].configMap.name", target: {apiGroup: "", resource: configmaps, namespace: same}, relation: mounts-configmap, role: parent, hierarchical: false}`,
      "inline.yaml",
    ).linkers;
    const pod = sonobuoyItems("kube-system", "Pods").find((p) => p.metadata.name === "kube-dns-545bc4bfd4-t4lzx")!;
    expect(pod.kind).toBeUndefined();
    expect(linker!.claims(asBody(pod), identityOf(pod, "", "pods")).map((c) => c.other.name)).toEqual(["kube-dns"]);
  });

  it("reads JSON too, and an empty file as no rules", () => {
    const json = JSON.stringify([{ name: "a", match: { resource: "pods" }, path: "spec.nodeName", target: { apiGroup: "", resource: "nodes" }, relation: "runs-on", role: "parent", hierarchical: false }]);
    expect(loadLinkRules(writeRules(json, "rules.json"))).toHaveLength(1);
    expect(loadLinkRules(writeRules("# nothing yet\n"))).toEqual([]);
  });

  const rule = (fields: Record<string, unknown>) =>
    JSON.stringify([
      { name: "ok", match: { resource: "pods" }, path: "spec.nodeName", target: { apiGroup: "", resource: "nodes" }, relation: "runs-on", role: "parent", hierarchical: false },
      { name: "bad", match: { resource: "pods" }, path: "spec.nodeName", target: { apiGroup: "", resource: "nodes" }, relation: "runs-on", role: "parent", hierarchical: false, ...fields },
    ]);

  it.each([
    ["{ path: 'spec..x' }", rule({ path: "spec..x" }), 'rules[1].path: must be a dot path like spec.a.b or spec.items[].name (rule "bad")'],
    ["{ path: undefined }", rule({ path: undefined }), 'rules[1].path: is required: must be a dot path like spec.a.b or spec.items[].name (rule "bad")'],
    ["{ role: 'owner' }", rule({ role: "owner" }), 'rules[1].role: must be parent or child (the role of the object the path names) (rule "bad")'],
    ["{ hierarchical: 'yes' }", rule({ hierarchical: "yes" }), 'rules[1].hierarchical: must be true or false (rule "bad")'],
    ["{ heirarchical: true }", rule({ heirarchical: true }), 'rules[1]: unknown field "heirarchical" (rule "bad")'],
    ["{ match: {} }", rule({ match: {} }), 'rules[1].match: needs resource or kind (rule "bad")'],
    ["{ match: { resource: 'pods', kind: 'Pod' } }", rule({ match: { resource: "pods", kind: "Pod" } }), 'rules[1].match: has both resource and kind; give one (rule "bad")'],
    ["{ match: { resource: 'Pods' } }", rule({ match: { resource: "Pods" } }), 'rules[1].match.resource: must be a plural resource like pods or deployments (rule "bad")'],
    ["{ target: { apiGroup: '', resource: 'nodes', namespace: 'Same' } }", rule({ target: { apiGroup: "", resource: "nodes", namespace: "Same" } }), 'rules[1].target.namespace: must be "same" or a namespace name (absent: cluster-scoped) (rule "bad")'],
    ["{ target: { resource: 'nodes' } }", rule({ target: { resource: "nodes" } }), 'rules[1].target.apiGroup: is required: must be a string ("" for the core group) (rule "bad")'],
    ["{ relation: 'Runs On' }", rule({ relation: "Runs On" }), "rules[1].relation: must be lowercase letters, digits and '-' (like mounts-configmap) (rule \"bad\")"],
    ["{ name: 'ok' }", rule({ name: "ok" }), 'rules[1].name: "ok" is used by an earlier rule'],
    ["{ hierarchical: true }", rule({ hierarchical: true }), 'rules[1].hierarchical: relation "runs-on" is hierarchical: false in rule "ok" (rule "bad")'],
    ["{ relation: 'node', hierarchical: true }", rule({ relation: "node", hierarchical: true }), 'rules[1].hierarchical: relation "node" is built in with hierarchical: false (rule "bad")'],
    ["rules is not a list", '{"rules": 3}', "must be a list of rules, or an object with a rules list"],
    ["broken YAML", "rules: [\n  - name: x\n   bad: indentation", "not valid YAML or JSON"],
  ])("refuses a bad file with a message naming the file, rule and field: %s", (_label, text, message) => {
    const file = writeRules(text);
    expect(() => loadLinkRules(file)).toThrow(ConfigError);
    expect(() => loadLinkRules(file)).toThrow(`link rules file ${file}: ${message}`);
  });

  it("names a file it cannot read", () => {
    expect(() => loadLinkRules("/nonexistent/rules.yaml")).toThrow(/^link rules file \/nonexistent\/rules.yaml: cannot be read: ENOENT/);
  });

  it("lists every problem at once", () => {
    const text = JSON.stringify([{ name: "x", match: { resource: "pods" }, path: "a..b", target: { apiGroup: "", resource: "nodes" }, relation: "r", role: "up", hierarchical: false }]);
    expect(() => parseLinkRules(text, "/x.yaml")).toThrow(
      'link rules file /x.yaml: rules[0].path: must be a dot path like spec.a.b or spec.items[].name (rule "x"); rules[0].role: must be parent or child (the role of the object the path names) (rule "x")',
    );
  });
});
