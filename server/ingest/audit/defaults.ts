/**
 * Resources whose audit events are noise for object histories: leader-election leases are
 * renewed every few seconds by every controller, and Events are a record of activity already
 * (Kubetrail reads them separately), not objects whose history anyone wants.
 */
export const DEFAULT_SKIP_RESOURCES: Array<{ apiGroup: string; resource: string }> = [
  { apiGroup: "coordination.k8s.io", resource: "leases" },
  { apiGroup: "", resource: "events" },
  { apiGroup: "events.k8s.io", resource: "events" },
];

/**
 * kube-controller-manager and kube-scheduler give their leader-election client a user agent
 * ending in `/leader-election` (client-go's AddUserAgent), which also catches lock renewals on
 * configmaps/endpoints in clusters that don't use leases.
 */
export const DEFAULT_SKIP_USER_AGENT_SUBSTRINGS: string[] = ["/leader-election"];

/**
 * Events stored per transaction at most: kube-apiserver's default webhook batch, what the
 * benchmarks measure. A sender's larger batch (`--audit-webhook-batch-max-size`, or an import's
 * `--batch-size`) is stored in consecutive transactions, each within this and the lock budget
 * of transactionParts.ts: one of 20,000 objects ran Postgres's lock table out ("out of shared
 * memory") and failed whole, every time it was resent.
 */
export const MAX_EVENTS_PER_TRANSACTION = 400;

/**
 * Events one webhook request may carry unless configured (KUBETRAIL_MAX_BATCH_EVENTS): the
 * apiserver sends 400 by default, and a batch this large is still well within the body limit.
 */
export const DEFAULT_MAX_BATCH_EVENTS = 5000;
