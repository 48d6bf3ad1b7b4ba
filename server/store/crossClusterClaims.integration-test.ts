import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjectIdentity } from "../ingest/audit/types";
import type { RelationClaim } from "../model/links/types";
import { openTestDatabase, type TestDatabase } from "../testing/databases";
import { ClusterRegistry } from "./clusters";
import { applyRelationClaims, type RelationObservation } from "./relationWriter";

/**
 * Parent links to objects in another cluster (the `kubetrail.io/parent-link` annotation), from
 * batches stored at the same time. Postgres only: PGlite has one connection, so its
 * transactions never overlap.
 */

const deployment = (name: string): ObjectIdentity => ({ apiGroup: "apps", apiVersion: "apps/v1", resource: "deployments", kind: "Deployment", namespace: "web", name, uid: null });

const parentLinkTo = (cluster: string, application: string): RelationClaim => ({
  kind: "parent-link",
  role: "parent",
  other: { cluster, apiGroup: "argoproj.io", apiVersion: "argoproj.io/v1alpha1", resource: "applications", namespace: "argocd", name: application },
});

describe("parent links to another cluster (postgres)", () => {
  let test: TestDatabase;
  let spoke: number;

  beforeAll(async () => {
    test = await openTestDatabase("postgres");
    const clusters = new ClusterRegistry(test.db);
    spoke = await clusters.idOf("spoke");
    await clusters.idOf("hub");
  });
  afterAll(async () => {
    await test?.dispose();
  });

  async function insertObject(identity: ObjectIdentity): Promise<number> {
    const result = await test.db.query<{ id: number }>(
      `INSERT INTO objects (cluster_id, api_group, api_version, resource, kind, namespace, name, first_seen, last_seen)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now()) RETURNING id`,
      [spoke, identity.apiGroup, identity.apiVersion, identity.resource, identity.kind, identity.namespace, identity.name],
    );
    return Number(result.rows[0]!.id);
  }

  async function observation(name: string, application: string): Promise<RelationObservation> {
    const identity = deployment(name);
    return { objectId: await insertObject(identity), identity, at: new Date("2026-12-06T10:00:00Z"), claims: [parentLinkTo("hub", application)] };
  }

  it("does not make a batch wait for another open one that links into the same cluster", async () => {
    const first = await observation("frontend", "storefront");
    const second = await observation("checkout", "payments");
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstApplied!: () => void;
    const firstHasApplied = new Promise<void>((resolve) => (firstApplied = resolve));

    const firstBatch = test.db.transaction(async (tx) => {
      await applyRelationClaims(tx, spoke, [first]);
      firstApplied();
      await firstHolds; // still open, with whatever it locked
    });
    await firstHasApplied;
    try {
      // Fails with "canceling statement due to lock timeout" if it waits for the first batch's
      // locks: before, both upserted the cluster's row, and the second waited for the first's COMMIT.
      const outcome = await test.db.transaction(async (tx) => {
        await tx.query("SET LOCAL lock_timeout = '10s'");
        return applyRelationClaims(tx, spoke, [second]);
      });
      expect(outcome).toEqual({ opened: 1, ended: 0, placeholders: 1 });
    } finally {
      releaseFirst();
      await firstBatch;
    }

    const rows = await test.db.query<{ claimant: string; parent: string; cluster: string }>(
      `SELECT c.name AS claimant, p.name AS parent, pc.name AS cluster
         FROM relations r JOIN objects c ON c.id = r.claimed_by_id JOIN objects p ON p.id = r.from_object_id
         JOIN clusters pc ON pc.id = p.cluster_id
        WHERE r.kind = 'parent-link' ORDER BY 1`,
    );
    expect(rows.rows).toEqual([
      { claimant: "checkout", parent: "payments", cluster: "hub" },
      { claimant: "frontend", parent: "storefront", cluster: "hub" },
    ]);
  });

  it("makes a cluster that two open batches name at once, once, and both link to one object in it", async () => {
    const [api, worker] = [await observation("api", "backend"), await observation("worker", "backend")];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstApplied!: () => void;
    const firstHasApplied = new Promise<void>((resolve) => (firstApplied = resolve));
    const firstBatch = test.db.transaction(async (tx) => {
      await applyRelationClaims(tx, spoke, [{ ...api, claims: [parentLinkTo("edge", "backend")] }]);
      firstApplied();
      await firstHolds;
    });
    await firstHasApplied;
    // The second batch's insert of the name waits for the first transaction; once that commits,
    // the row it made is invisible to the waiting statement's snapshot: the next one reads it.
    const secondBatch = test.db.transaction((tx) => applyRelationClaims(tx, spoke, [{ ...worker, claims: [parentLinkTo("edge", "backend")] }]));
    await untilOneSessionWaitsForALock();
    releaseFirst();
    await Promise.all([firstBatch, secondBatch]);

    const clusters = await test.db.query(`SELECT id FROM clusters WHERE name = 'edge'`);
    expect(clusters.rows).toHaveLength(1);
    const parents = await test.db.query<{ from_object_id: string }>(
      `SELECT DISTINCT r.from_object_id FROM relations r JOIN objects p ON p.id = r.from_object_id WHERE p.cluster_id = $1`,
      [Number(clusters.rows[0]!.id)],
    );
    expect(parents.rows).toHaveLength(1);
  });

  async function untilOneSessionWaitsForALock(): Promise<void> {
    for (;;) {
      const waiting = await test.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (waiting.rows[0]!.n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
});
