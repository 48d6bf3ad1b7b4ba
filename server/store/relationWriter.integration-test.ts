import { afterEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../testing/databases";
import { falcoEvents } from "../testing/fixtures";
import { BUILTIN_LINKERS } from "../model/links/builtin";
import type { JsonObject } from "../ingest/audit/types";
import { applyRelationClaims, observeRelations, type RelationObservation } from "./relationWriter";

/**
 * Placeholders made in a transaction of their own (Postgres): what the relation writer does when
 * batches name objects Kubetrail has not seen. The Pods are the real recorded Pod create
 * (falco's create_nginx_pod_privileged.json), renamed; its ReplicaSet is never seen itself.
 */

/** The recorded Pod's body under another name, as the claimant with objects.id `objectId`. */
function podObservation(objectId: number, suffix: string): RelationObservation[] {
  const [event] = falcoEvents("create_nginx_pod_privileged.json");
  const body = structuredClone(event!.responseObject) as JsonObject & { metadata: { name: string; namespace: string; uid: string } };
  body.metadata.name = `${body.metadata.name}-${suffix}`;
  const { name, namespace } = body.metadata;
  const identity = { apiGroup: "", apiVersion: "v1", resource: "pods", kind: "Pod", namespace, name, uid: null };
  return observeRelations([{ objectId, identity, at: new Date("2021-09-13T14:54:16Z"), state: body, deleted: false }], BUILTIN_LINKERS);
}

describe("placeholders on Postgres, made in a transaction of their own", () => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  async function clusterId(): Promise<number> {
    return (await test.db.query<{ id: number }>(`INSERT INTO clusters (name) VALUES ('c') RETURNING id`)).rows[0]!.id;
  }

  async function ownersAndRelations() {
    const owners = await test.db.query<{ id: number; name: string }>(`SELECT id, name FROM objects WHERE resource = 'replicasets'`);
    const relations = await test.db.query<{ from_object_id: number; to_object_id: number }>(
      `SELECT from_object_id, to_object_id FROM relations WHERE kind = 'controller-owner' ORDER BY to_object_id`,
    );
    return { owners: owners.rows, relations: relations.rows };
  }

  it("lets a batch use the placeholder an open batch made, without waiting for that batch to commit", async () => {
    test = await openTestDatabase("postgres");
    const cluster = await clusterId();
    expect(test.db.separateTransaction).toBeDefined();
    const first = podObservation(101, "a");
    expect(first[0]!.claims!.map((claim) => claim.kind)).toContain("controller-owner");

    let placeholderMade!: () => void;
    let release!: () => void;
    const made = new Promise<void>((resolve) => (placeholderMade = resolve));
    const firstBatch = test.db.transaction(async (tx) => {
      const outcome = await applyRelationClaims(tx, cluster, first, undefined, test.db.separateTransaction);
      placeholderMade();
      // Held open until the second batch is done: were the placeholder this transaction's own
      // (uncommitted) row, the second batch would wait for this commit, and never get there.
      await new Promise<void>((resolve) => (release = resolve));
      return outcome;
    });
    await made;
    const placeholder = await ownersAndRelations();
    expect(placeholder.owners).toHaveLength(1);
    expect(placeholder.relations).toEqual([]); // the first batch's relation is not committed yet

    const secondOutcome = await test.db.transaction((tx) => applyRelationClaims(tx, cluster, podObservation(102, "b"), undefined, test.db.separateTransaction));
    release();
    const firstOutcome = await firstBatch;

    expect(firstOutcome.placeholders).toBeGreaterThanOrEqual(1);
    expect(secondOutcome.placeholders).toBe(0);
    const { owners, relations } = await ownersAndRelations();
    expect(owners).toEqual(placeholder.owners);
    expect(relations).toEqual([
      { from_object_id: owners[0]!.id, to_object_id: 101 },
      { from_object_id: owners[0]!.id, to_object_id: 102 },
    ]);
  });

  it("keeps the placeholder of a batch that fails, with no relation naming it, and gives it to the next batch", async () => {
    test = await openTestDatabase("postgres");
    const cluster = await clusterId();
    const failed = test.db.transaction(async (tx) => {
      await applyRelationClaims(tx, cluster, podObservation(101, "a"), undefined, test.db.separateTransaction);
      throw new Error("the batch fails after its relations");
    });
    await expect(failed).rejects.toThrow("the batch fails after its relations");
    const afterFailure = await ownersAndRelations();
    expect(afterFailure.owners).toHaveLength(1);
    expect(afterFailure.relations).toEqual([]);

    const outcome = await test.db.transaction((tx) => applyRelationClaims(tx, cluster, podObservation(102, "b"), undefined, test.db.separateTransaction));
    expect(outcome.placeholders).toBe(0);
    const { owners, relations } = await ownersAndRelations();
    expect(owners).toEqual(afterFailure.owners);
    expect(relations).toEqual([{ from_object_id: owners[0]!.id, to_object_id: 102 }]);
  });
});

describe("placeholders on PGlite", () => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  it("are made in the batch's own transaction (its one connection has no room for another), and go with it when it fails", async () => {
    test = await openTestDatabase("pglite");
    expect(test.db.separateTransaction).toBeUndefined();
    const cluster = (await test.db.query<{ id: number }>(`INSERT INTO clusters (name) VALUES ('c') RETURNING id`)).rows[0]!.id;
    const failed = test.db.transaction(async (tx) => {
      const outcome = await applyRelationClaims(tx, cluster, podObservation(101, "a"), undefined, test.db.separateTransaction);
      expect(outcome.placeholders).toBeGreaterThanOrEqual(1);
      throw new Error("the batch fails after its relations");
    });
    await expect(failed).rejects.toThrow("the batch fails after its relations");
    expect((await test.db.query(`SELECT id FROM objects`)).rows).toEqual([]);
  });
});
