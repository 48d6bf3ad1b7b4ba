import { describe, expect, it } from "vitest";
import { ambiguityHint } from "./redirect";

// Candidates as the sample (docs/samples/audit-sample.jsonl) and the falco traces give them: the
// Deployment openshift-apiserver/apiserver in two clusters, and the ClusterRole some-reader
// created and deleted four times in one cluster.
const apiserverIn = (cluster: string) => ({ cluster, apiGroup: "apps", resource: "deployments", namespace: "openshift-apiserver" });
const someReader = { cluster: "sample", apiGroup: "rbac.authorization.k8s.io", resource: "clusterroles", namespace: "" };

describe("ambiguityHint", () => {
  it("names the parameters not given in which the candidates differ", () => {
    expect(ambiguityHint([apiserverIn("prod"), apiserverIn("staging")], {})).toBe("add cluster, or pick one");
    const inTwoNamespaces = [apiserverIn("prod"), { ...apiserverIn("prod"), namespace: "openshift-oauth-apiserver" }];
    expect(ambiguityHint(inTwoNamespaces, {})).toBe("add namespace, or pick one");
    expect(ambiguityHint([...inTwoNamespaces, apiserverIn("staging")], {})).toBe("add cluster or namespace, or pick one");
    const inTwoGroups = [apiserverIn("prod"), { ...apiserverIn("prod"), apiGroup: "extensions" }];
    expect(ambiguityHint(inTwoGroups, {})).toBe("add the API group to resource (deployments.apps), or pick one");
  });

  it("says a name deleted and created again is told apart only by picking, not by cluster or namespace", () => {
    expect(ambiguityHint([someReader, someReader], {})).toBe("the name was deleted and created again in this window: pick one, or give another ts");
    expect(ambiguityHint([apiserverIn("prod"), apiserverIn("prod")], { cluster: "prod", namespace: "openshift-apiserver" })).toMatch(/^the name was deleted and created again/);
  });
});
