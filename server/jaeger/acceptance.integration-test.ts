import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { eventList, rolloutScenario } from "../testing/scenarios/rollout";
import { CASCADE, cascadeEventList, openshiftCascade } from "../testing/scenarios/openshiftCascade";
import { openshiftObject } from "../testing/fixtures";
import { podConfigMapsRulesYaml } from "../testing/linkers";
import type { JaegerSpan, JaegerTrace } from "./v1/jaegerJson";

/**
 * Acceptance scenarios through the HTTP API, as a Jaeger user (or Kelemetry's e2e suite) sees
 * them: the real OpenShift rolling update in cluster "prod", the rollout scenario's Deployment in
 * "staging", a custom relation rule and the example plugin. Everything goes in through the audit
 * webhook and comes out of the v1 query API.
 */

const us = (iso: string) => Date.parse(iso) * 1000;
const RANGE = `start=${us("2021-09-13T14:00:00Z")}&end=${us("2021-09-13T16:00:00Z")}`;

const tag = (span: JaegerSpan | { fields: JaegerSpan["tags"] }, key: string) =>
  ("tags" in span ? span.tags : span.fields).find((t) => t.key === key)?.value;
const parentOf = (span: JaegerSpan) => span.references.find((r) => r.refType === "CHILD_OF")?.spanID ?? null;

/** The pods mount ConfigMaps (real volumes of the captured Pods): a rule makes them the Pods' parents. */
const RULES = podConfigMapsRulesYaml(true);

/**
 * An Argo Rollout derived from the real Deployment openshift-apiserver/apiserver (same template,
 * kind Rollout, a canary strategy naming the stable Service "api"), and that Service: the example
 * plugin relates them.
 */
function rolloutPluginEvents(): unknown[] {
  const deployment = openshiftObject("openshift-apiserver", "apps/deployments.yaml", "apiserver");
  const rollout = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: "apiserver-canary", namespace: "openshift-apiserver", uid: "a1a1a1a1-0000-4000-8000-000000000001", resourceVersion: "900" },
    spec: { replicas: 3, selector: deployment.spec.selector, template: deployment.spec.template, strategy: { canary: { stableService: "api", steps: [{ setWeight: 20 }] } } },
  };
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "api", namespace: "openshift-apiserver", uid: "a1a1a1a1-0000-4000-8000-000000000002", resourceVersion: "901" },
    spec: { selector: { apiserver: "true" }, ports: [{ name: "https", port: 443, targetPort: 8443 }] },
  };
  const event = (n: number, resource: string, apiGroup: string, body: Record<string, unknown>) => ({
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    level: "RequestResponse",
    auditID: `a1a1a1a1-0000-4000-8000-00000000010${n}`,
    stage: "ResponseComplete",
    requestURI: `/apis/${apiGroup}/namespaces/openshift-apiserver/${resource}`,
    verb: "create",
    user: { username: "kube:admin", groups: ["system:authenticated"] },
    sourceIPs: ["10.0.0.5"],
    userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
    objectRef: { resource, namespace: "openshift-apiserver", name: (body.metadata as { name: string }).name, apiGroup, apiVersion: apiGroup ? "v1alpha1" : "v1" },
    responseStatus: { metadata: {}, code: 201 },
    requestObject: body,
    responseObject: body,
    requestReceivedTimestamp: `2021-09-13T15:3${n}:00.000000Z`,
    stageTimestamp: `2021-09-13T15:3${n}:00.005000Z`,
  });
  return [event(1, "services", "", service), event(2, "rollouts", "argoproj.io", rollout)];
}

describe.each(STORE_KINDS)("acceptance through the HTTP API on %s", (kind) => {
  let app: TestApp;
  let rulesDir: string;

  const v1 = async <T>(p: string): Promise<T> => {
    const response = await fetch(`${app.url}/jaeger/api/${p}`);
    const body = (await response.json()) as { data: T };
    expect(response.status, JSON.stringify(body).slice(0, 500)).toBe(200);
    return body.data;
  };
  const search = (query: string) => v1<JaegerTrace[]>(`traces?${RANGE}&${query}`);
  const only = async (query: string) => {
    const traces = await search(query);
    expect(traces, query).toHaveLength(1);
    return traces[0]!;
  };
  const names = (trace: JaegerTrace) => trace.spans.map((s) => String(tag(s, "name"))).sort();

  beforeAll(async () => {
    rulesDir = fs.mkdtempSync(path.join(os.tmpdir(), "kt-acceptance-"));
    fs.writeFileSync(path.join(rulesDir, "rules.yaml"), RULES);
    app = await startTestApp(kind, { KUBETRAIL_LINK_RULES_FILE: path.join(rulesDir, "rules.yaml"), KUBETRAIL_PLUGINS: "plugins/argo-rollouts" });
    expect((await app.postAudit(cascadeEventList(openshiftCascade()), { cluster: "prod" })).status).toBe(200);
    expect((await app.postAudit(eventList(rolloutScenario().map((s) => s.event)), { cluster: "staging" })).status).toBe(200);
    expect((await app.postAudit(eventList(rolloutPluginEvents()), { cluster: "prod" })).status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(rulesDir, { recursive: true, force: true });
  });

  it("full tree from the Deployment: the Deployment is the single root, its ReplicaSets below it, Pods below them", async () => {
    const trace = await only(`service=Deployment&operation=${encodeURIComponent("tracing (full)")}&tag=cluster:prod&tag=name:apiserver`);
    const roots = trace.spans.filter((s) => parentOf(s) === null);
    expect(roots).toHaveLength(1);
    expect(tag(roots[0]!, "kind")).toBe("Deployment");
    const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
    const replicaSets = trace.spans.filter((s) => tag(s, "kind") === "ReplicaSet");
    expect(replicaSets.map((s) => tag(s, "name")).sort()).toEqual(Object.values(CASCADE.replicaSets).map((r) => r.name).sort());
    for (const rs of replicaSets) expect(parentOf(rs)).toBe(roots[0]!.spanID);
    const pods = trace.spans.filter((s) => tag(s, "kind") === "Pod");
    expect(pods.length).toBeGreaterThan(3);
    for (const pod of pods) {
      const parent = byId.get(parentOf(pod)!)!;
      expect(tag(parent, "kind")).toBe("ReplicaSet");
      expect(String(tag(pod, "name")).startsWith(String(tag(parent, "name")))).toBe(true);
    }
  });

  it("ancestors from one ReplicaSet: the Deployment with exactly that ReplicaSet, no sibling", async () => {
    const rev2 = CASCADE.replicaSets.rev2.name;
    const trace = await only(`service=ReplicaSet&operation=${encodeURIComponent("tracing (ancestors)")}&tag=cluster:prod&tag=name:${rev2}`);
    expect(names(trace)).toEqual(["apiserver", rev2].sort());
  });

  it("owned objects: a ReplicaSet and its Pods, without the Deployment", async () => {
    const rev1 = CASCADE.replicaSets.rev1.name;
    const trace = await only(`service=ReplicaSet&operation=${encodeURIComponent("tracing (descendants)")}&tag=cluster:prod&tag=name:${rev1}`);
    const kinds = new Set(trace.spans.map((s) => tag(s, "kind")));
    expect(kinds).toEqual(new Set(["ReplicaSet", "Pod"]));
    expect(trace.spans.filter((s) => tag(s, "kind") === "Pod").every((s) => String(tag(s, "name")).startsWith(rev1))).toBe(true);
  });

  describe("the staging Deployment's history", () => {
    let logs: JaegerSpan["logs"];
    beforeAll(async () => {
      const trace = await only(`service=Deployment&operation=tracing&tag=cluster:staging`);
      logs = trace.spans.find((s) => tag(s, "kind") === "Deployment")!.logs;
    });
    const logWith = (verb: string, predicate: (log: JaegerSpan["logs"][number]) => boolean = () => true) =>
      logs.filter((l) => tag(l, "verb") === verb && predicate(l));

    it("the delete carries a snapshot", () => {
      const [deletion] = logWith("delete");
      expect(JSON.parse(String(tag(deletion!, "snapshot"))).metadata.name).toBe("apiserver");
    });

    it("a status update carries status.observedGeneration 1 -> 2", () => {
      expect(logWith("update", (l) => tag(l, "subresource") === "status").some((l) => String(tag(l, "diff")).includes("status.observedGeneration 1 -> 2"))).toBe(true);
    });

    it("no diff mentions metadata.managedFields", () => {
      const diffs = logs.map((l) => tag(l, "diff")).filter((d) => d !== undefined);
      expect(diffs.length).toBeGreaterThan(3);
      for (const diff of diffs) expect(String(diff)).not.toMatch(/managedFields/);
    });

    it("the failed request is an error, with its reason", () => {
      const [conflict] = logs.filter((l) => tag(l, "statusCode") === 409);
      expect(tag(conflict!, "error")).toBe(true);
      expect(tag(conflict!, "reason")).toBe("Conflict");
    });

    it("the no-op update is marked", () => {
      expect(logs.filter((l) => tag(l, "noop") === true)).toHaveLength(1);
    });
  });

  it("a window that cuts a history in half shows only the entries inside it", async () => {
    const all = await only(`service=Deployment&operation=tracing&tag=cluster:staging`);
    const half = await v1<JaegerTrace[]>(
      `traces?start=${us("2021-09-13T14:57:00Z")}&end=${us("2021-09-13T16:00:00Z")}&service=Deployment&operation=tracing&tag=cluster:staging`,
    );
    const count = (t: JaegerTrace) => t.spans.reduce((n, s) => n + s.logs.length, 0);
    expect(count(half[0]!)).toBeGreaterThan(0);
    expect(count(half[0]!)).toBeLessThan(count(all));
    for (const log of half[0]!.spans.flatMap((s) => s.logs)) expect(log.timestamp).toBeGreaterThanOrEqual(us("2021-09-13T14:57:00Z"));
  });

  it("a generateName create shows on the Pod the apiserver named", async () => {
    // The replicaset-controller creates Pods with generateName only; the name comes from the response.
    const trace = await only(`service=Pod&operation=tree&tag=cluster:prod&tag=name:${CASCADE.replacement.name}`);
    const pod = trace.spans.find((s) => tag(s, "kind") === "Pod" && tag(s, "name") === CASCADE.replacement.name)!;
    const creates = trace.spans.filter((s) => parentOf(s) === pod.spanID && tag(s, "verb") === "create" && tag(s, "subresource") === undefined);
    expect(creates).toHaveLength(1);
    expect(tag(creates[0]!, "user")).toBe("system:serviceaccount:kube-system:replicaset-controller");
    expect(JSON.parse(String(tag(creates[0]!, "snapshot"))).metadata.generateName).toBe(`${CASCADE.replicaSets.rev3.name}-`);
  });

  it("keeps two clusters apart", async () => {
    const traces = await search(`service=Deployment&tag=name:apiserver&tag=namespace:openshift-apiserver`);
    expect(traces).toHaveLength(2);
    for (const trace of traces) {
      const clusters = new Set(trace.spans.map((s) => tag(s, "cluster")));
      expect(clusters.size).toBe(1);
    }
    expect(new Set(traces.map((t) => tag(t.spans[0]!, "cluster")))).toEqual(new Set(["prod", "staging"]));
  });

  it("a custom rule from the rules file puts the Pods under the ConfigMap they mount", async () => {
    // The ConfigMap has no history of its own: /redirect finds it by existence.
    const redirect = await fetch(
      `${app.url}/redirect?cluster=prod&resource=configmaps&namespace=openshift-apiserver&name=config&ts=2021-09-13T15:00:00Z`,
      { redirect: "manual" },
    );
    expect(redirect.status).toBe(302);
    const traceId = redirect.headers.get("location")!.split("/").pop()!;
    const [trace] = await v1<JaegerTrace[]>(`traces/${traceId}`);
    const root = trace!.spans.find((s) => parentOf(s) === null)!;
    expect(tag(root, "kind")).toBe("ConfigMap");
    expect(trace!.spans.filter((s) => tag(s, "kind") === "Pod" && parentOf(s) === root.spanID).length).toBeGreaterThan(0);
  });

  it("the example plugin puts the stable Service under the Argo Rollout", async () => {
    const trace = await only(`service=${encodeURIComponent("Rollout.argoproj.io")}&operation=${encodeURIComponent("tracing (descendants)")}&tag=cluster:prod`);
    const root = trace.spans.find((s) => parentOf(s) === null)!;
    expect(tag(root, "name")).toBe("apiserver-canary");
    const service = trace.spans.find((s) => tag(s, "kind") === "Service")!;
    expect(tag(service, "name")).toBe("api");
    expect(parentOf(service)).toBe(root.spanID);
  });
});
