import { compareKubernetesVersions, formatKubernetesVersion, newerOf, parseKubernetesVersion, type KubernetesVersion } from "../k8s/kubernetesVersion";
import type { Sql } from "./database";

interface KnownCluster {
  id: number;
  /** The newest Kubernetes version seen of it: stored, or seen by this registry since. */
  version: KubernetesVersion | null;
  /** The version clusters.kubernetes_version is known to hold (or to be newer than). */
  storedVersion: KubernetesVersion | null;
}

/**
 * The newer of the stored version and `$2`: `v<major>.<minor>.<patch>` compared as numbers, so
 * that a registry (an ingest worker, a replica) whose knowledge is older never stores an older
 * version over a newer one another stored.
 */
const NEWER_VERSION_SQL = `CASE WHEN clusters.kubernetes_version IS NULL
    OR string_to_array(ltrim(clusters.kubernetes_version, 'v'), '.')::int[] < string_to_array(ltrim($2, 'v'), '.')::int[]
  THEN $2 ELSE clusters.kubernetes_version END`;

/**
 * Cluster ids by name, created on first use; names never change, so caching is safe. Also the
 * newest Kubernetes version each cluster's control plane named (clusters.kubernetes_version),
 * read with the id and stored only when a newer one is seen: an ordinary batch costs no
 * statement for it.
 */
export class ClusterRegistry {
  private readonly clusters = new Map<string, KnownCluster>();

  constructor(private readonly sql: Sql) {}

  /** The id of a cluster this registry has already looked up or created. */
  known(name: string): number | undefined {
    return this.clusters.get(name)?.id;
  }

  async idOf(name: string): Promise<number> {
    const cached = this.clusters.get(name);
    if (cached !== undefined) return cached.id;
    const inserted = await this.sql.query<{ id: number; kubernetes_version: string | null }>(
      `INSERT INTO clusters (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id, kubernetes_version`,
      [name],
    );
    const row = inserted.rows[0]!;
    const id = Number(row.id);
    const stored = row.kubernetes_version === null ? null : parseKubernetesVersion(row.kubernetes_version);
    // Another batch's lookup of it may have answered meanwhile, and a version been noted since:
    // kept, with what this answer adds.
    const known = this.clusters.get(name);
    if (known !== undefined) {
      known.version = newerOf(known.version, stored);
      known.storedVersion = newerOf(known.storedVersion, stored);
      return known.id;
    }
    this.clusters.set(name, { id, version: stored, storedVersion: stored });
    return id;
  }

  /** The newest Kubernetes version known of a cluster this registry has looked up; null when none is. */
  versionOf(name: string): KubernetesVersion | null {
    return this.clusters.get(name)?.version ?? null;
  }

  /**
   * Takes `seen`, a version a batch of the cluster (looked up already) named, as its version
   * when it is newer than the one known; returns the version known now.
   */
  noteVersion(name: string, seen: KubernetesVersion | null): KubernetesVersion | null {
    const cluster = this.clusters.get(name);
    if (cluster === undefined) throw new Error(`cluster ${name} was not looked up`);
    cluster.version = newerOf(cluster.version, seen);
    return cluster.version;
  }

  /**
   * Stores the cluster's version when it is newer than the one stored: one statement when a
   * newer version is first seen, none otherwise. Outside any transaction: a batch's does not
   * hold the cluster's row locked (on PGlite its one connection would wait for it).
   */
  async storeVersion(name: string): Promise<void> {
    const cluster = this.clusters.get(name);
    if (cluster === undefined || cluster.version === null) return;
    if (cluster.storedVersion !== null && compareKubernetesVersions(cluster.version, cluster.storedVersion) <= 0) return;
    const version = cluster.version;
    const updated = await this.sql.query<{ kubernetes_version: string }>(
      `UPDATE clusters SET kubernetes_version = ${NEWER_VERSION_SQL} WHERE id = $1 RETURNING kubernetes_version`,
      [cluster.id, formatKubernetesVersion(version)],
    );
    const stored = updated.rows[0] === undefined ? null : parseKubernetesVersion(updated.rows[0].kubernetes_version);
    // Another registry may have stored a newer one meanwhile: it is this cluster's version now.
    cluster.storedVersion = newerOf(stored, version);
    cluster.version = newerOf(cluster.version, stored);
  }
}
