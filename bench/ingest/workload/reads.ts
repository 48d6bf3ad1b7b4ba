import { loadHkermaEvents } from "../../../server/testing/hkermaCsv";
import { DEFAULT_SKIP_RESOURCES } from "../../../server/ingest/audit/defaults";
import type { GeneratorContext, Json } from "./envelope";

/**
 * Reads (get, list, watch) at Metadata level, replayed from the real events of a kubeadm
 * cluster in hkerma-kubernetes-event-dataset (server/testing/hkermaCsv.ts rebuilds them from
 * its CSV): real users, verbs, resources, URIs and status codes, with new auditIDs and times.
 * Only reads of resources are replayed (the dataset's many discovery GETs of /apis are left
 * out so that the counters see a controller-like mix), and none of the resources Kubetrail
 * skips by default.
 *
 * The CSV lost the groups, source IPs, user agent and authorization annotations; they are
 * filled in as kube-apiserver records them for such users (v1.26, the dataset's era), so
 * that an event has its real size.
 */

const RELEASE = "v1.26.1 (linux/amd64) kubernetes/8f94681";

function groupsOf(username: string): string[] {
  if (username.startsWith("system:node:")) return ["system:nodes", "system:authenticated"];
  const serviceAccount = /^system:serviceaccount:([^:]+):/.exec(username);
  if (serviceAccount) return ["system:serviceaccounts", `system:serviceaccounts:${serviceAccount[1]}`, "system:authenticated"];
  if (username === "system:anonymous") return ["system:unauthenticated"];
  if (username === "kubernetes-admin") return ["system:masters", "system:authenticated"];
  return ["system:authenticated"];
}

function userAgentOf(username: string): string {
  if (username.startsWith("system:node:")) return `kubelet/${RELEASE}`;
  if (username === "system:kube-scheduler") return `kube-scheduler/${RELEASE}/scheduler`;
  if (username === "system:kube-controller-manager") return `kube-controller-manager/${RELEASE}/kube-controller-manager`;
  if (username === "system:apiserver") return `kube-apiserver/${RELEASE}`;
  if (username === "kubernetes-admin") return `kubectl/${RELEASE}`;
  const serviceAccount = /^system:serviceaccount:([^:]+):(.+)$/.exec(username);
  if (serviceAccount?.[1] === "kube-system") return `kube-controller-manager/${RELEASE}/${username}`;
  if (serviceAccount) return `${serviceAccount[2]}/v0.0.0 (linux/amd64) kubernetes/$Format`;
  return `Go-http-client/1.1`;
}

function sourceIpOf(username: string): string {
  const node = /^system:node:k8s-(node-\d|master)/.exec(username)?.[1];
  if (node === "node-1") return "10.10.0.11";
  if (node === "node-2") return "10.10.0.12";
  return "10.10.0.10";
}

const SKIPPED = new Set(DEFAULT_SKIP_RESOURCES.map((s) => `${s.apiGroup}/${s.resource}`));

/** The replayable reads, with the fields the CSV lost filled in; built once. */
const pool: Json[] = (loadHkermaEvents() as Json[])
  .filter((e) => ["get", "list", "watch"].includes(e.verb) && e.stage === "ResponseComplete" && e.objectRef?.resource)
  .filter((e) => !SKIPPED.has(`${e.objectRef.apiGroup ?? ""}/${e.objectRef.resource}`))
  .map((e) => {
    const username = e.user.username as string;
    const forbidden = e.responseStatus?.code === 403;
    return {
      ...e,
      user: { username, groups: groupsOf(username) },
      sourceIPs: [sourceIpOf(username)],
      userAgent: userAgentOf(username),
      annotations: {
        "authorization.k8s.io/decision": forbidden ? "forbid" : "allow",
        "authorization.k8s.io/reason": forbidden ? "" : `RBAC: allowed by ClusterRoleBinding "${username}" of ClusterRole "${username}" to User "${username}"`,
      },
    };
  });

/** Replays the pool in order, round and round, as new requests. */
export class ReadReplayer {
  private position = 0;
  constructor(private readonly ctx: GeneratorContext) {}

  next(): Json {
    const original = pool[this.position++ % pool.length]!;
    const times = this.ctx.times();
    return { ...original, auditID: this.ctx.auditId(), requestReceivedTimestamp: times.received, stageTimestamp: times.completed };
  }
}
