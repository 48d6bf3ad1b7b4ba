import { formatKubernetesVersion, parseKubernetesVersion } from "../k8s/kubernetesVersion";
import { VersionTimeline } from "../k8s/kubernetesVersionTimeline";
import { timestamptzArray, textArray } from "./arrayParam";
import { prepared, type Sql } from "./database";

interface KnownCluster {
  id: number;
  /** Its Kubernetes versions and when each was first seen: stored, or seen by this registry since. */
  versions: VersionTimeline;
  /** What kubernetes_version_sightings is known to hold of it (or earlier sightings than these). */
  stored: VersionTimeline;
}

/**
 * A cluster's sightings, read again by every batch with a binding or an eviction: in a real
 * cluster nearly every batch (a binding is about one Pod write in six). Prepared, like ingest's
 * other statements that run on every batch: parsed and planned once per connection.
 */
const SIGHTINGS_OF_CLUSTER = prepared("kt_version_sightings_of_cluster", `SELECT version, first_seen FROM kubernetes_version_sightings WHERE cluster_id = $1`);

interface SightingRow {
  version: string;
  first_seen: Date | string;
}

/**
 * Cluster ids by name, created on first use; names never change, so caching is safe. Also when
 * each Kubernetes version the cluster's control plane named was first seen
 * (kubernetes_version_sightings), read with the id and stored only when a version is new or seen
 * earlier than stored: an ordinary batch costs no statement for it.
 *
 * Each ingestor (the server, each ingest worker, each replica, `npm run import`) has its own
 * registry, so one may not know a version another stored: readSightings asks the database again
 * where the answer would be stored for good (a batch's bindings and evictions).
 */
export class ClusterRegistry {
  private readonly clusters = new Map<string, KnownCluster>();

  constructor(private readonly sql: Sql) {}

  /** The id of a cluster this registry has already looked up or created. */
  known(name: string): number | undefined {
    return this.clusters.get(name)?.id;
  }

  /** The cluster's id, created if it is new; its version sightings are read with it, in the same statement. */
  async idOf(name: string): Promise<number> {
    const cached = this.clusters.get(name);
    if (cached !== undefined) return cached.id;
    const rows = await this.sql.query<SightingRow & { id: number }>(
      `WITH cluster AS (INSERT INTO clusters (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id)
       SELECT cluster.id, s.version, s.first_seen FROM cluster LEFT JOIN kubernetes_version_sightings s ON s.cluster_id = cluster.id`,
      [name],
    );
    const id = Number(rows.rows[0]!.id);
    const stored = timelineOf(rows.rows.filter((row) => row.version !== null));
    // Another batch's lookup of it may have answered meanwhile, and versions been noted since:
    // kept, with what this answer adds.
    const known = this.clusters.get(name);
    if (known !== undefined) {
      known.versions.merge(stored);
      known.stored.merge(stored);
      return known.id;
    }
    const versions = new VersionTimeline();
    versions.merge(stored);
    this.clusters.set(name, { id, versions, stored });
    return id;
  }

  /** The Kubernetes versions known of a cluster this registry has looked up, with when each was first seen. */
  versionsOf(name: string): VersionTimeline {
    const cluster = this.clusters.get(name);
    if (cluster === undefined) throw new Error(`cluster ${name} was not looked up`);
    return cluster.versions;
  }

  /** Takes the versions a batch of the cluster (looked up already) named, each at its earliest time in the batch. */
  noteSightings(name: string, seen: VersionTimeline): void {
    this.versionsOf(name).merge(seen);
  }

  /**
   * Reads the cluster's stored sightings again, in `sql` (a batch's transaction), and takes those
   * this registry did not know: another ingestor's. One statement.
   */
  async readSightings(sql: Sql, name: string): Promise<void> {
    const cluster = this.clusters.get(name);
    if (cluster === undefined) throw new Error(`cluster ${name} was not looked up`);
    const rows = await sql.query<SightingRow>(SIGHTINGS_OF_CLUSTER, [cluster.id]);
    const stored = timelineOf(rows.rows);
    cluster.stored.merge(stored);
    cluster.versions.merge(stored);
  }

  /**
   * Stores the cluster's sightings the database does not have yet (a version new to it, or one
   * seen earlier than stored): one statement then, none otherwise. Each row keeps the earlier
   * of its stored time and this one, so that an ingestor that knew only a later sighting never
   * moves one back. Outside any transaction: on PGlite, whose one connection a batch's holds,
   * it would wait for it.
   */
  async storeSightings(name: string): Promise<void> {
    const cluster = this.clusters.get(name);
    if (cluster === undefined) return;
    const unstored = cluster.versions.newerThan(cluster.stored);
    if (unstored.length === 0) return;
    const stored = await this.sql.query<SightingRow>(
      `INSERT INTO kubernetes_version_sightings (cluster_id, version, first_seen)
       SELECT $1, version, first_seen FROM unnest($2::text[], $3::timestamptz[]) AS seen(version, first_seen)
       ON CONFLICT (cluster_id, version) DO UPDATE SET first_seen = LEAST(kubernetes_version_sightings.first_seen, excluded.first_seen)
       RETURNING version, first_seen`,
      [cluster.id, textArray(unstored.map((s) => formatKubernetesVersion(s.version))), timestamptzArray(unstored.map((s) => s.firstSeen))],
    );
    // Another ingestor may have stored an earlier sighting meanwhile: it is the first now.
    const answered = timelineOf(stored.rows);
    cluster.stored.merge(answered);
    cluster.versions.merge(answered);
  }
}

function timelineOf(rows: readonly SightingRow[]): VersionTimeline {
  const timeline = new VersionTimeline();
  for (const row of rows) {
    const version = parseKubernetesVersion(row.version);
    if (version !== null) timeline.note(version, new Date(row.first_seen));
  }
  return timeline;
}
