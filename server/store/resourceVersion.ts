/**
 * Whether resourceVersion `a` is older than `b`. Kubernetes calls resourceVersions opaque, but
 * every apiserver backed by etcd hands out increasing integers; anything else is never "older".
 */
export function isOlderVersion(a: string | null, b: string | null): boolean {
  if (a === null || b === null || !/^\d{1,30}$/.test(a) || !/^\d{1,30}$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}
