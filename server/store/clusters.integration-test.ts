import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseKubernetesVersion } from "../k8s/kubernetesVersion";
import { VersionTimeline } from "../k8s/kubernetesVersionTimeline";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { ClusterRegistry } from "./clusters";
import type { Database } from "./database";

/**
 * The cluster registry of one ingestor, looked up by two of its batches at once: a cluster's
 * first two batches arrive together (two webhook requests), and both ask for its id before
 * either has it.
 */
describe.each(STORE_KINDS)("a cluster looked up by two batches at once, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  /** `db`, with the next statement that looks a cluster up held until `release` is called. */
  function holdingNextLookup(db: Database): { db: Database; release: () => void } {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    const wrapped = new Proxy(db, {
      get(target, property) {
        if (property === "query")
          return async (text: string, params?: unknown[]) => {
            if (holding && text.includes("INSERT INTO clusters")) {
              holding = false;
              await held;
            }
            return target.query(text, params);
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return { db: wrapped, release };
  }

  it("keeps the version the first batch noted when the second's lookup answers after it", async () => {
    const { db, release } = holdingNextLookup(test.db);
    const clusters = new ClusterRegistry(db);
    // The second batch's lookup is sent first and answers last.
    const second = clusters.idOf("looked-up-twice");
    const id = await clusters.idOf("looked-up-twice");
    // The first batch names its cluster's version (kube-apiserver's own requests).
    clusters.noteSightings("looked-up-twice", sightings(["v1.30.2", "2024-03-20T10:00:00Z"]));
    release();
    expect(await second).toBe(id);
    expect(clusters.versionsOf("looked-up-twice").newest()).toEqual(parseKubernetesVersion("v1.30.2"));
  });
});

/** A batch's sightings: each version at the time given. */
function sightings(...seen: Array<[version: string, at: string]>): VersionTimeline {
  const timeline = new VersionTimeline();
  for (const [version, at] of seen) timeline.note(parseKubernetesVersion(version)!, new Date(at));
  return timeline;
}

describe.each(STORE_KINDS)("a cluster's version sightings, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  async function storedSightings(cluster: string): Promise<Array<[string, string]>> {
    const rows = await test.db.query<{ version: string; first_seen: Date }>(
      `SELECT s.version, s.first_seen FROM kubernetes_version_sightings s JOIN clusters c ON c.id = s.cluster_id WHERE c.name = $1 ORDER BY s.version`,
      [cluster],
    );
    return rows.rows.map((row) => [row.version, new Date(row.first_seen).toISOString()]);
  }

  /** `db`, with the statements sent to it (outside transactions) recorded by their first two words. */
  function recording(): { db: Database; sent: string[] } {
    const sent: string[] = [];
    const db = new Proxy(test.db, {
      get(target, property) {
        if (property === "query") return (text: string, params?: unknown[]) => (sent.push(text.trim().split(/\s+/, 2).join(" ")), target.query(text, params));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return { db, sent };
  }

  it("stores one only when its version is new or seen earlier than stored, keeping the earliest time any registry stored", async () => {
    const { db, sent } = recording();
    const clusters = new ClusterRegistry(db);
    await clusters.idOf("sighted");
    clusters.noteSightings("sighted", sightings(["v1.30.2", "2024-03-20T10:00:00Z"]));
    await clusters.storeSightings("sighted");
    // Seen again later: nothing to store.
    clusters.noteSightings("sighted", sightings(["v1.30.2", "2024-03-20T11:00:00Z"]));
    sent.length = 0;
    await clusters.storeSightings("sighted");
    expect(sent).toEqual([]);
    // An older log imported: seen earlier, and an older version before it.
    clusters.noteSightings("sighted", sightings(["v1.30.2", "2024-03-19T09:00:00Z"], ["v1.29.3", "2024-03-01T00:00:00Z"]));
    await clusters.storeSightings("sighted");
    expect(sent).toEqual(["INSERT INTO"]);
    expect(await storedSightings("sighted")).toEqual([
      ["v1.29.3", "2024-03-01T00:00:00.000Z"],
      ["v1.30.2", "2024-03-19T09:00:00.000Z"],
    ]);
    // Another registry (an ingest worker that saw only a later sighting) never moves it back, and learns the earlier one.
    const other = new ClusterRegistry(test.db);
    await other.idOf("sighted");
    other.noteSightings("sighted", sightings(["v1.29.3", "2024-03-10T00:00:00Z"]));
    await other.storeSightings("sighted");
    expect((await storedSightings("sighted"))[0]).toEqual(["v1.29.3", "2024-03-01T00:00:00.000Z"]);
    expect(other.versionsOf("sighted").versionAt(new Date("2024-03-05T00:00:00Z"))).toEqual(parseKubernetesVersion("v1.29.3"));
  });

  it("reads another registry's sightings on its first lookup and when asked again", async () => {
    const first = new ClusterRegistry(test.db);
    const second = new ClusterRegistry(test.db);
    await first.idOf("two-workers");
    await second.idOf("two-workers");
    first.noteSightings("two-workers", sightings(["v1.35.0", "2026-01-10T08:00:00Z"]));
    await first.storeSightings("two-workers");
    const later = new Date("2026-01-10T09:00:00Z");
    expect(second.versionsOf("two-workers").versionAt(later)).toBeNull();
    await second.readSightings(test.db, "two-workers");
    expect(second.versionsOf("two-workers").versionAt(later)).toEqual(parseKubernetesVersion("v1.35.0"));
    // A registry started after both (a restart) reads them with the cluster's id.
    const restarted = new ClusterRegistry(test.db);
    await restarted.idOf("two-workers");
    expect(restarted.versionsOf("two-workers").sightings()).toEqual([{ version: parseKubernetesVersion("v1.35.0"), firstSeen: new Date("2026-01-10T08:00:00Z") }]);
  });
});
