import { falcoEvents } from "../../../server/testing/fixtures";
import type { Actor, Json } from "./envelope";

/** The real events of the falco k8s-audit traces (minikube, Kubernetes v1.12) that the writes start from. */

/** The release of the recording clusters, for the user agents those old events lack. */
export const FALCO_RELEASE = "v1.12.1 (linux/amd64) kubernetes/4ed3216";

/** The first event of a trace file, e.g. "create_configmap.json". */
export function falcoTemplate(file: string): Json {
  const [event] = falcoEvents(file);
  if (!event) throw new Error(`${file}: no event`);
  return event;
}

/** The user of a trace that was recorded with kubectl (minikube-user), with kubectl's user agent. */
export function kubectlActor(template: Json): Actor {
  return { user: template.user, userAgent: `kubectl/${FALCO_RELEASE}`, sourceIP: template.sourceIPs[0], reason: "" };
}
