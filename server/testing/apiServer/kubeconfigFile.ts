import fs from "node:fs";
import path from "node:path";
import { TEST_TOKEN } from "./testClients";

/**
 * Writes `kubeconfig.yaml` in `dir` for the test API server at `server`, as `kubectl config view
 * --flatten` writes one, for a bearer token over plain HTTP (as `kubectl proxy` serves), which
 * client-node accepts only with TLS verification off. What KUBETRAIL_CLUSTERS names in app tests.
 */
export function writeKubeconfig(dir: string, server: string, context = "loopback", skipTlsVerify = true): string {
  const file = path.join(dir, "kubeconfig.yaml");
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: loopback
  cluster:
    server: ${server}${skipTlsVerify ? "\n    insecure-skip-tls-verify: true" : ""}
users:
- name: kubetrail
  user:
    token: ${TEST_TOKEN}
contexts:
- name: ${context}
  context:
    cluster: loopback
    user: kubetrail
current-context: ${context}
`,
  );
  return file;
}
