import { compareKubernetesVersions, formatKubernetesVersion, type KubernetesVersion } from "./kubernetesVersion";

/** A version a cluster's control plane named, and the earliest audit event time it was seen at. */
export interface VersionSighting {
  readonly version: KubernetesVersion;
  /** The requestReceivedTimestamp of the earliest control-plane request that named it. */
  readonly firstSeen: Date;
}

/**
 * The Kubernetes versions a cluster ran, in audit event time: each version its control plane
 * named (server/k8s/kubernetesVersion.ts, controlPlaneVersionOf) with the earliest time it was
 * seen. Versions only go up (Kubernetes supports no downgrade of the control plane), so the
 * version in effect at a time is the newest one already seen then.
 *
 * A rolling upgrade of a highly available control plane runs both versions at once, and an
 * audit event does not say which apiserver answered it: from the first sighting of the newer
 * version on, it counts (as the newest version seen always did), though a write then may have
 * gone to an apiserver not yet upgraded. Its older version stays in effect only before that.
 */
export class VersionTimeline {
  /** By formatted version (`v1.29.3`): patch releases apart, as they are stored. */
  private readonly byVersion = new Map<string, VersionSighting>();

  /** Whether any version is known. */
  get isEmpty(): boolean {
    return this.byVersion.size === 0;
  }

  /**
   * Takes `version` as seen at `at`; true when that is news (a version not known, or seen
   * earlier than known), false when the timeline already says as much.
   */
  note(version: KubernetesVersion, at: Date): boolean {
    const key = formatKubernetesVersion(version);
    const known = this.byVersion.get(key);
    if (known !== undefined && known.firstSeen.getTime() <= at.getTime()) return false;
    this.byVersion.set(key, { version, firstSeen: at });
    return true;
  }

  /** Takes every sighting of `other`. */
  merge(other: VersionTimeline): void {
    for (const sighting of other.sightings()) this.note(sighting.version, sighting.firstSeen);
  }

  sightings(): VersionSighting[] {
    return [...this.byVersion.values()];
  }

  /** The sightings of this timeline that `stored` does not have (a version it lacks, or a later first sighting). */
  newerThan(stored: VersionTimeline): VersionSighting[] {
    return this.sightings().filter((sighting) => {
      const there = stored.byVersion.get(formatKubernetesVersion(sighting.version));
      return there === undefined || sighting.firstSeen.getTime() < there.firstSeen.getTime();
    });
  }

  /**
   * The version that ran at `time`: the newest first seen at or before it. Before every sighting,
   * the oldest version known: the cluster ran it or an older release then (versions only go up),
   * and it is the closest known, where "unknown" would take today's rules (apiserverBehaviour.ts)
   * for a cluster whose first audit events may well say otherwise. Null when none is known.
   */
  versionAt(time: Date): KubernetesVersion | null {
    let newestBefore: KubernetesVersion | null = null;
    let oldest: KubernetesVersion | null = null;
    for (const { version, firstSeen } of this.byVersion.values()) {
      if (oldest === null || compareKubernetesVersions(version, oldest) < 0) oldest = version;
      if (firstSeen.getTime() <= time.getTime() && (newestBefore === null || compareKubernetesVersions(version, newestBefore) > 0)) newestBefore = version;
    }
    return newestBefore ?? oldest;
  }

  /** The newest version seen, at any time; null when none is. */
  newest(): KubernetesVersion | null {
    let newest: KubernetesVersion | null = null;
    for (const { version } of this.byVersion.values()) if (newest === null || compareKubernetesVersions(version, newest) > 0) newest = version;
    return newest;
  }
}
