/**
 * `npm run demo:cluster -- <dir> [--delay-ms N]`: a stand-in cluster to try object watches
 * without one. Starts the project's test API server (server/testing/apiServer) on loopback,
 * writes a kubeconfig for it to <dir>/kubeconfig.yaml, waits until Kubetrail watches its
 * Deployments, ReplicaSets and Pods, then replays the rollout of docs/samples/deployment-cascade.jsonl
 * write by write (the real bodies, at the resourceVersions the real cluster gave them), one every
 * --delay-ms (default 300). Runs until stopped (Ctrl-C). In another shell:
 *
 *   KUBETRAIL_CLUSTERS=demo=<dir>/kubeconfig.yaml KUBETRAIL_WATCH_RESOURCES=deployments.apps,replicasets.apps,pods npm start
 */
import fs from "node:fs";
import path from "node:path";
import { startTestApiServer } from "../server/testing/apiServer/server";
import { CORE_EVENTS } from "../server/testing/apiServer/resources";
import { TEST_TOKEN } from "../server/testing/apiServer/testClients";
import { writeKubeconfig } from "../server/testing/apiServer/kubeconfigFile";
import { cascadeWrites } from "../server/testing/watchedCascade";
import type { JsonObject } from "../server/ingest/audit/types";

const USAGE = "usage: npm run demo:cluster -- <dir> [--delay-ms N]";

function parseArgs(args: string[]): { dir: string; delayMs: number } | string {
  let dir: string | null = null;
  let delayMs = 300;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--delay-ms") {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 0) return `--delay-ms: expected a whole number of milliseconds, got ${JSON.stringify(args[i] ?? "")}`;
      delayMs = value;
    } else if (arg.startsWith("-")) return `unknown option ${arg}`;
    else if (dir === null) dir = arg;
    else return `one directory, got a second: ${arg}`;
  }
  return dir === null ? "the directory to write the kubeconfig in is missing" : { dir: path.resolve(dir), delayMs };
}

const parsed = parseArgs(process.argv.slice(2));
if (typeof parsed === "string") {
  console.error(`demo:cluster: ${parsed}\n${USAGE}`);
  process.exit(2);
}
const resources = [
  CORE_EVENTS,
  { apiGroup: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true },
  { apiGroup: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true },
  { apiGroup: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true },
] as const;
const api = await startTestApiServer({ token: TEST_TOKEN, resources, keepRecordedVersions: true });
fs.mkdirSync(parsed.dir, { recursive: true });
const file = writeKubeconfig(parsed.dir, api.url);
console.log(`demo cluster at ${api.url}; kubeconfig: ${file}`);
console.log(`waiting for Kubetrail to watch it: KUBETRAIL_CLUSTERS=demo=${file} KUBETRAIL_WATCH_RESOURCES=deployments.apps,replicasets.apps,pods npm start`);
// The Events source and the three watch sources.
await api.waitForWatches(resources.length);
const writes = cascadeWrites();
for (const [index, write] of writes.entries()) {
  const metadata = write.body.metadata as JsonObject;
  if (write.change === "ADDED") api.create(write.groupResource, write.body);
  else if (write.change === "MODIFIED") api.update(write.groupResource, write.body);
  else api.delete(write.groupResource, { namespace: metadata.namespace as string, name: metadata.name as string });
  console.log(`${index + 1}/${writes.length} ${write.verb}${write.subresource ? ` ${write.subresource}` : ""} ${write.groupResource} ${String(metadata.name)}`);
  await new Promise((resolve) => setTimeout(resolve, parsed.delayMs));
}
console.log("replayed the rollout; serving until stopped");
