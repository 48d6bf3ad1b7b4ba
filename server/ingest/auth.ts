import crypto from "node:crypto";
import type { IngestAuthConfig } from "../config/config";

/** Who may post audit events: the configured tokens (plus one generated at first start, if any). */
export interface IngestAuthorizer {
  /** Checks an `Authorization` header for `cluster`; returns null when allowed, else why not. */
  check(authorizationHeader: string | null, cluster: string): string | null;
}

function digest(value: string): Buffer {
  return crypto.createHash("sha256").update(value).digest();
}

function sameSecret(a: Buffer, b: Buffer): boolean {
  return crypto.timingSafeEqual(a, b);
}

export function createIngestAuthorizer(auth: IngestAuthConfig, generatedToken: string | null = null): IngestAuthorizer {
  if (auth.mode === "disabled") return { check: () => null };
  // Compare digests in constant time: token length and content don't leak through timing.
  const shared = [auth.sharedToken, generatedToken].filter((t): t is string => !!t).map(digest);
  const perCluster = new Map(Object.entries(auth.clusterTokens).map(([cluster, token]) => [cluster, digest(token)]));

  return {
    check(header, cluster) {
      if (!header) return "missing bearer token (Authorization: Bearer <token>)";
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) return "the Authorization header must be 'Bearer <token>'";
      const presented = digest(match[1]!);
      const clusterToken = perCluster.get(cluster);
      if (clusterToken && sameSecret(presented, clusterToken)) return null;
      if (shared.some((token) => sameSecret(presented, token))) return null;
      return `the token is not valid for cluster "${cluster}"`;
    },
  };
}
