import { startTestApiServer } from "./server/testing/apiServer/server";
import { TEST_TOKEN } from "./server/testing/apiServer/testClients";
import { writeKubeconfig } from "./server/testing/apiServer/kubeconfigFile";
import { cascadeWrites } from "./server/testing/watchedCascade";
import { CORE_EVENTS } from "./server/testing/apiServer/resources";
import type { JsonObject } from "./server/ingest/audit/types";
import fs from "node:fs";

const api = await startTestApiServer({ token: TEST_TOKEN, keepRecordedVersions: true, resources: [
  CORE_EVENTS,
  { apiGroup: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true },
  { apiGroup: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true },
  { apiGroup: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true },
]});
console.log(writeKubeconfig("/tmp/kt-dog", api.url));
fs.writeFileSync("/tmp/kt-dog/ready", "");
while (!fs.existsSync("/tmp/kt-dog/go")) await new Promise((r) => setTimeout(r, 200));
for (const write of cascadeWrites()) {
  const m = write.body.metadata as JsonObject;
  if (write.change === "ADDED") api.create(write.groupResource, write.body);
  else if (write.change === "MODIFIED") api.update(write.groupResource, write.body);
  else api.delete(write.groupResource, { namespace: m.namespace as string, name: m.name as string });
  await new Promise((r) => setTimeout(r, 300));
}
console.log("replayed");
await new Promise(() => {});
