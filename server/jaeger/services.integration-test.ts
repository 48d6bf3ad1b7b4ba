import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { KINDS_SQL } from "../query/kinds";
import { listServices } from "./services";

/**
 * The kinds of object in the store, found by skipping through an index (KINDS_SQL), against
 * what reading every object finds: the same set, whatever mix of groups, resources and
 * unknown kinds the objects have.
 */

type Row = { kind: string | null; apiGroup: string; resource: string };
const sorted = (rows: Row[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe.each(STORE_KINDS)("the kinds of object in the store, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`INSERT INTO clusters (id, name) VALUES (1, 'prod'), (2, 'dev')`);
  });
  afterAll(() => test?.dispose());

  let nextId = 1;
  async function insert(objects: Array<[cluster: number, apiGroup: string, resource: string, kind: string | null]>, copies = 1): Promise<void> {
    for (const [cluster, apiGroup, resource, objectKind] of objects) {
      for (let i = 0; i < copies; i++) {
        await test.db.query(
          `INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, first_seen, last_seen)
           VALUES ($1, $2, $3, 'v1', $4, $5, 'default', $6, now(), now())`,
          [nextId, cluster, apiGroup, resource, objectKind, `object-${nextId++}`],
        );
      }
    }
  }
  const distinct = async () => (await test.db.query<Row>(`SELECT DISTINCT kind, api_group AS "apiGroup", resource FROM objects`)).rows;
  const skipped = async () => (await test.db.query<Row>(KINDS_SQL)).rows;

  it("finds none in an empty store", async () => {
    expect(await skipped()).toEqual([]);
    expect(await listServices(test.db)).toEqual(["*"]);
  });

  it("finds each kind once, with resources of one name in several groups and objects of unknown kind", async () => {
    await insert(
      [
        [1, "", "pods", "Pod"],
        [2, "", "pods", null], // a Pod only a relation named, in another cluster
        [1, "", "events", "Event"],
        [1, "events.k8s.io", "events", "Event"],
        [1, "apps", "deployments", "Deployment"],
        [1, "apps", "replicasets", null], // named by a Pod, never seen itself
        [1, "extensions", "ingresses", "Ingress"],
        [1, "networking.k8s.io", "ingresses", "Ingress"],
        [1, "argoproj.io", "rollouts", "Rollout"],
        [1, "argoproj.io", "rollouts", "RolloutV2"], // not Kubernetes' way, but the store allows it
        [2, "", "nodes", null],
        [2, "", "namespaces", "Namespace"],
      ],
      3,
    );
    const found = await skipped();
    expect(found).toHaveLength(12);
    expect(sorted(found)).toEqual(sorted(await distinct()));
    expect(await listServices(test.db)).toEqual(["*", "Deployment", "Event", "Ingress", "Namespace", "Node", "Pod", "ReplicaSet", "Rollout.argoproj.io", "RolloutV2.argoproj.io"]);
  });
});
