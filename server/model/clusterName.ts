/** Cluster names are DNS-1123 subdomain-like: they appear in URLs (/api/audit/<cluster>) and in configuration. */
export const CLUSTER_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

export const CLUSTER_NAME_RULE = "lowercase letters, digits, '-', '.'";

export function isValidClusterName(name: string): boolean {
  return CLUSTER_NAME_PATTERN.test(name);
}
