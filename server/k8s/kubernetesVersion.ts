/**
 * A Kubernetes release, as its components name it (`v1.29.3`). Only major, minor and patch are
 * kept: what kube-apiserver does depends on its release (and the feature gates' defaults in it),
 * not on a distribution's build (`v1.21.1+9807387`, `v1.29.3-eks-…`, `v1.31.0-rc.1`).
 */
export interface KubernetesVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/**
 * `v1.29.3`, `1.29.3`, `v1.29`, `1.29`, with any pre-release or build suffix (`-rc.1`, `+k3s1`,
 * `-gke.1589018`); null for anything else, and for `v0.0.0`, which a component built without
 * version stamping reports (`…/v0.0.0 (linux/amd64) kubernetes/$Format`): it tells nothing.
 */
export function parseKubernetesVersion(text: string): KubernetesVersion | null {
  const match = /^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,6}))?(?:[-+][0-9A-Za-z.+-]*)?$/.exec(text);
  if (match === null) return null;
  const version = { major: Number(match[1]), minor: Number(match[2]), patch: match[3] === undefined ? 0 : Number(match[3]) };
  return version.major === 0 ? null : version;
}

/** `v1.29.3`: how the version is stored (kubernetes_version_sightings) and shown. */
export function formatKubernetesVersion(version: KubernetesVersion): string {
  return `v${version.major}.${version.minor}.${version.patch}`;
}

/** Negative when `a` is the older release, positive when it is the newer, 0 when they are the same. */
export function compareKubernetesVersions(a: KubernetesVersion, b: KubernetesVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether `version` is release `major`.`minor` or a later one. */
export function isAtLeast(version: KubernetesVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * The control-plane components whose requests tell the cluster's version, with the users they
 * authenticate as. Each names itself and its version in its user agent, as client-go builds it
 * (`<binary>/<version> (<os>/<arch>) kubernetes/<commit>`, a controller's name or service account
 * sometimes after it): `kube-apiserver/v1.29.3 (linux/amd64) kubernetes/6813625`.
 *
 * - kube-apiserver: its requests to itself (its informers' lists and watches, its lease, the
 *   `kubernetes` Service's endpoints, a PodDisruptionBudget's status after an eviction), made as
 *   `system:apiserver` over its loopback connection. The apiserver's own version: the one the
 *   rules depend on.
 * - kube-controller-manager and kube-scheduler: the version skew policy lets them be as new as
 *   the apiserver or one minor release older (during an upgrade, which updates the apiserver
 *   first), never newer. The newest of the three is therefore the apiserver's version whenever
 *   the apiserver's own requests were seen, and otherwise at most one minor release behind it.
 *   kube-controller-manager authenticates as itself or, with
 *   `--use-service-account-credentials`, as each controller's service account in kube-system.
 *
 * Not trusted: kubelets and kube-proxy (the skew policy lets them be three minor releases older
 * than the apiserver), kubectl and other clients (any version), and anything whose user is not the
 * component's own: a user agent is whatever the client says, and a user who could pass for the
 * control plane would otherwise set the version every rule reads.
 */
const CONTROL_PLANE_COMPONENTS: ReadonlyArray<{ agent: string; authenticatesAs: (username: string) => boolean }> = [
  { agent: "kube-apiserver", authenticatesAs: (username) => username === "system:apiserver" },
  { agent: "kube-controller-manager", authenticatesAs: (username) => username === "system:kube-controller-manager" || username.startsWith("system:serviceaccount:kube-system:") },
  { agent: "kube-scheduler", authenticatesAs: (username) => username === "system:kube-scheduler" },
];

/**
 * The version a control-plane component (kube-apiserver, kube-controller-manager,
 * kube-scheduler) names in `userAgent`, when `username` (the authenticated user, not an
 * impersonated one) is that component's; null for every other request.
 */
export function controlPlaneVersionOf(userAgent: string | null, username: string): KubernetesVersion | null {
  // Cheap for the many requests that are not the control plane's: every audit event comes here.
  if (userAgent === null || !userAgent.startsWith("kube-")) return null;
  const slash = userAgent.indexOf("/");
  if (slash < 0) return null;
  const agent = userAgent.slice(0, slash);
  const component = CONTROL_PLANE_COMPONENTS.find((candidate) => candidate.agent === agent);
  if (component === undefined || !component.authenticatesAs(username)) return null;
  const end = userAgent.indexOf(" ", slash);
  return parseKubernetesVersion(userAgent.slice(slash + 1, end < 0 ? undefined : end));
}
