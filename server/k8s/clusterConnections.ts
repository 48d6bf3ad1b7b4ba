import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { ConfigError, type ClusterConnectionConfig } from "../config/config";

/**
 * The KubeConfig that reaches a configured cluster (KUBETRAIL_CLUSTERS): read and checked once at
 * start-up, so a missing file, an unknown context or a context without a server stops Kubetrail
 * with a message naming the setting, rather than failing in the background later.
 */
export function kubeConfigFor(connection: ClusterConnectionConfig): KubeConfig {
  const setting = `KUBETRAIL_CLUSTERS (cluster "${connection.cluster}")`;
  const kubeConfig = new KubeConfig();
  if (connection.kind === "in-cluster") {
    // What loadFromCluster reads: without them it would still make a config, pointing nowhere.
    if (!process.env.KUBERNETES_SERVICE_HOST || !existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token")) {
      throw new ConfigError(`${setting}: "in-cluster" needs to run in a Pod (KUBERNETES_SERVICE_HOST and a service account token)`);
    }
    kubeConfig.loadFromCluster();
    return kubeConfig;
  }
  if (!existsSync(connection.file)) throw new ConfigError(`${setting}: no kubeconfig file at ${connection.file}`);
  try {
    kubeConfig.loadFromFile(connection.file);
  } catch (error) {
    throw new ConfigError(`${setting}: cannot read the kubeconfig ${connection.file}: ${(error as Error).message}`);
  }
  if (connection.context !== null) {
    if (!kubeConfig.getContextObject(connection.context)) {
      throw new ConfigError(`${setting}: the kubeconfig ${connection.file} has no context "${connection.context}"`);
    }
    kubeConfig.setCurrentContext(connection.context);
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) {
    throw new ConfigError(`${setting}: the kubeconfig ${connection.file} has no current context with a cluster server`);
  }
  if (!/^https?:\/\//.test(cluster.server)) {
    throw new ConfigError(`${setting}: the server "${cluster.server}" of the kubeconfig ${connection.file} is not an http(s) URL`);
  }
  if (cluster.server.startsWith("http://") && !cluster.skipTLSVerify) {
    // @kubernetes/client-node refuses plain HTTP otherwise (kubectl does not): say so now, not in the background.
    throw new ConfigError(
      `${setting}: the server ${cluster.server} of the kubeconfig ${connection.file} is plain HTTP (e.g. \`kubectl proxy\`): set \`insecure-skip-tls-verify: true\` on its cluster, as @kubernetes/client-node requires`,
    );
  }
  return kubeConfig;
}
