import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config/config";
import { openshiftObject } from "../testing/fixtures";
import { asBody, identityOf } from "../testing/linkers";
import { configuredLinkers } from "../model/links/configured";
import { relationKindInfo } from "../model/links/kinds";
import { loadPlugins } from "./load";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * The captures hold no Argo Rollout. This one migrates the real Deployment
 * openshift-apiserver/apiserver to a canary Rollout the way Argo's docs describe
 * (workloadRef to the Deployment, canary/stable Services named after the real `api` Service,
 * an analysis step), in argoproj.io/v1alpha1 shape.
 */
function apiserverRollout(): Record<string, any> {
  const deployment = openshiftObject("openshift-apiserver", "apps/deployments.yaml", "apiserver");
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: deployment.metadata.name, namespace: deployment.metadata.namespace, uid: "9c1d7e55-3f0a-4b8e-b2a4-0d6f1e2c3b4a", labels: deployment.metadata.labels },
    spec: {
      replicas: deployment.spec.replicas,
      selector: deployment.spec.selector,
      workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name, scaleDown: "progressively" },
      strategy: {
        canary: {
          canaryService: "api-canary",
          stableService: "api",
          analysis: { templates: [{ templateName: "success-rate" }] },
          steps: [{ setWeight: 33 }, { analysis: { templates: [{ templateName: "apiserver-health", clusterScope: true }, { templateName: "success-rate" }] } }, { setWeight: 100 }],
        },
      },
    },
  };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
function pluginFile(source: string, name = "plugin.mjs"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-plugin-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, name), source);
  return path.join(dir, name);
}

describe("the argo-rollouts example plugin", () => {
  it("loads from KUBETRAIL_PLUGINS by its folder, relative to the project root", async () => {
    const config = loadConfig({ KUBETRAIL_PLUGINS: "plugins/argo-rollouts" });
    const [plugin] = await loadPlugins(config.plugins, ROOT);
    expect(plugin!.name).toBe("argo-rollouts");
    expect(Object.keys(plugin!.relationKinds!)).toEqual(["rollout-service", "rollout-workload", "rollout-analysis"]);
  });

  it("relates a Rollout to its Services, its workload and its analysis templates", async () => {
    const plugins = await loadPlugins(["plugins/argo-rollouts"], ROOT);
    const linkers = configuredLinkers(null, plugins);
    expect(linkers.map((l) => l.name).at(-1)).toBe("argoRollouts");
    expect(relationKindInfo("rollout-service").hierarchical).toBe(true);
    expect(relationKindInfo("rollout-workload").hierarchical).toBe(false);

    const rollout = apiserverRollout();
    const claims = linkers.at(-1)!.claims(asBody(rollout), identityOf(rollout, "argoproj.io", "rollouts"));
    expect(claims.map((c) => `${c.kind} ${c.role} ${c.other.apiGroup}/${c.other.resource} ${c.other.namespace}/${c.other.name}`)).toEqual([
      "rollout-service child /services openshift-apiserver/api-canary",
      "rollout-service child /services openshift-apiserver/api",
      "rollout-workload parent apps/deployments openshift-apiserver/apiserver",
      "rollout-analysis parent argoproj.io/analysistemplates openshift-apiserver/success-rate",
      "rollout-analysis parent argoproj.io/clusteranalysistemplates /apiserver-health",
      "rollout-analysis parent argoproj.io/analysistemplates openshift-apiserver/success-rate",
    ]);
    // Other resources and malformed specs state nothing.
    const deployment = openshiftObject("openshift-apiserver", "apps/deployments.yaml", "apiserver");
    expect(linkers.at(-1)!.claims(asBody(deployment), identityOf(deployment, "apps", "deployments"))).toEqual([]);
    rollout.spec = { strategy: { canary: { steps: "x", canaryService: 3 } }, workloadRef: { kind: "StatefulSet", name: "x" } };
    expect(linkers.at(-1)!.claims(asBody(rollout), identityOf(rollout, "argoproj.io", "rollouts"))).toEqual([]);
  });
});

describe("loadPlugins", () => {
  it("loads a JavaScript plugin by absolute path, extension optional", async () => {
    const file = pluginFile(`export default { name: "hello", linkers: [{ name: "hello", claims: () => [] }], dataSources: [{ name: "events", start: async () => {} }] };`);
    const [plugin] = await loadPlugins([file.replace(/\.mjs$/, "")], ROOT);
    expect(plugin!.name).toBe("hello");
    expect(plugin!.dataSources![0]!.name).toBe("events");
  });

  it.each([
    ["a missing module", () => "plugins/no-such-plugin", /^KUBETRAIL_PLUGINS: plugin plugins\/no-such-plugin: no such module \(looked for .*plugins\/no-such-plugin with \.ts, \.mts, \.js, \.mjs or an index file\)$/],
    ["a module that throws", () => pluginFile(`throw new Error("needs ARGO_TOKEN");`), /: cannot be loaded: needs ARGO_TOKEN$/],
    ["a syntax error", () => pluginFile(`export default {`), /: cannot be loaded: /],
    ["no default export", () => pluginFile(`export const x = 1;`), /: the module's default export must be a plugin object \{name, linkers\?, relationKinds\?, dataSources\?\}$/],
    ["a nameless plugin", () => pluginFile(`export default { linkers: [] };`), /\): name: must be a non-empty string$/],
    ["a linker without claims()", () => pluginFile(`export default { name: "x", linkers: [{ name: "a", claims: 3 }] };`), /\): linkers\[0\]\.claims: must be a function \(claims\(body, self\): RelationClaim\[\]\)$/],
    ["a bad relation kind", () => pluginFile(`export default { name: "x", relationKinds: { "r": { hierarchical: "yes", description: "" } } };`), /\): relationKinds\.r\.hierarchical: must be true or false$/],
    ["a typo", () => pluginFile(`export default { name: "x", linker: [] };`), /\): unknown field "linker"$/],
    ["a data source without start()", () => pluginFile(`export default { name: "x", dataSources: [{ name: "events" }] };`), /\): dataSources\[0\]\.start: must be a function/],
  ])("refuses %s with a ConfigError naming the plugin", async (_label, specifier, message) => {
    const promise = loadPlugins([specifier()], ROOT);
    await expect(promise).rejects.toBeInstanceOf(ConfigError);
    await expect(loadPlugins([specifier()], ROOT)).rejects.toThrow(message);
  });

  it("refuses two plugins of one name, and linker names used twice", async () => {
    const a = pluginFile(`export default { name: "same", linkers: [{ name: "ownerReferences", claims: () => [] }] };`);
    await expect(loadPlugins([a, a], ROOT)).rejects.toThrow(/name "same" is also the name of plugin /);
    const plugins = await loadPlugins([a], ROOT);
    expect(() => configuredLinkers(null, plugins)).toThrow('plugin same: linker name "ownerReferences" is already used by the built-in linkers');
  });

  it("refuses a plugin's relation kind that contradicts a built-in", async () => {
    const plugins = await loadPlugins([pluginFile(`export default { name: "k", relationKinds: { node: { hierarchical: true, description: "" } } };`)], ROOT);
    expect(() => configuredLinkers(null, plugins)).toThrow(/KUBETRAIL_PLUGINS: plugin k: relation kind "node" is built in with hierarchical: false, not true/);
  });
});
