import { isDecimal } from "../ingest/audit/lateWrites";

/**
 * Orders resourceVersions: numerically when both are decimal (every etcd-backed apiserver's), else
 * equal ones alike and any other pair not at all (null: Kubernetes calls them opaque). Negative: a first.
 */
export function compareResourceVersions(a: string, b: string): number | null {
  if (isDecimal(a) && isDecimal(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a === b ? 0 : null;
}
