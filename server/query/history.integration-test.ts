import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { allFalcoEvents } from "../testing/fixtures";
import { eventList, rolloutScenario } from "../testing/scenarios/rollout";
import {
  HISTORY_OF_OBJECT_SQL,
  OBJECTS_IN_NAMESPACE_SQL,
  OBJECTS_NAMED_LIKE_SQL,
  OBJECTS_TOUCHED_BY_SQL,
  historyOfObject,
  likePattern,
  objectsInNamespace,
  objectsNamedLike,
  objectsTouchedBy,
} from "./history";

const day = (iso: string) => new Date(iso);

describe.each(STORE_KINDS)("history queries on %s", (kind) => {
  let app: TestApp;
  let deploymentId: number;
  beforeAll(async () => {
    app = await startTestApp(kind);
    await app.postAudit(eventList(allFalcoEvents()), { cluster: "minikube" });
    await app.postAudit(eventList(rolloutScenario().map((s) => s.event)), { cluster: "openshift" });
    deploymentId = (await app.context.db.query<{ id: number }>(`SELECT id FROM objects WHERE name = 'apiserver'`)).rows[0]!.id;
  });
  afterAll(() => app.close());

  it("gives an object's history between any two times", async () => {
    const all = await historyOfObject(app.context.db, deploymentId, { from: day("2021-01-01"), to: day("2022-01-01") });
    expect(all.map((h) => h.verb)).toEqual(["create", "update", "patch", "update", "patch", "update", "update", "update", "delete"]);
    // The rollout's steps are a minute apart from 14:54:16: a window that cuts it in half.
    const middle = await historyOfObject(app.context.db, deploymentId, { from: day("2021-09-13T14:56:00Z"), to: day("2021-09-13T14:59:00Z") });
    expect(middle.map((h) => h.title)).toEqual([
      "kube:admin patch",
      "system:serviceaccount:kube-system:deployment-controller update status",
      "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator patch",
    ]);
  });

  it("finds the objects of a namespace, by name pattern, and by who touched them", async () => {
    const range = { from: day("2018-01-01"), to: day("2030-01-01") };
    const inKubePublic = await objectsInNamespace(app.context.db, "kube-public", range);
    // The ReplicaSet is known only from the Pod's ownerReferences (no history of its own), and is there all the same.
    expect(inKubePublic.map((o) => `${o.kind}/${o.name}`).sort()).toEqual([
      "Pod/nginx-deployment-7998647bdf-tlpkp",
      "ReplicaSet/nginx-deployment-7998647bdf",
      "ServiceAccount/myacct",
    ]);
    expect((await objectsNamedLike(app.context.db, "nginx-deployment-*", range)).every((o) => o.name.startsWith("nginx-deployment-"))).toBe(true);
    expect((await objectsNamedLike(app.context.db, "api", range)).map((o) => o.name)).toEqual(["apiserver"]);
    expect(await objectsNamedLike(app.context.db, "100%_sure", range)).toEqual([]);
    const byAdmin = await objectsTouchedBy(app.context.db, "kube:admin", range);
    expect(byAdmin.map((o) => [o.cluster, o.name])).toEqual([["openshift", "apiserver"]]);
    expect(await objectsTouchedBy(app.context.db, "kube:admin", { from: day("2022-01-01"), to: day("2023-01-01") })).toEqual([]);
  });

  it("finds what a user only tried to do, under the impersonated user's name and under the impersonating one's", async () => {
    // The rollout's refused update (409), made by mallory acting as bob, in a cluster where nothing else happened.
    const conflict = rolloutScenario().find((s) => s.label === "conflict")!.event;
    await app.postAudit(eventList([{ ...conflict, user: { username: "mallory", groups: ["system:authenticated"] }, impersonatedUser: { username: "bob" } }]), { cluster: "impersonation" });
    const range = { from: day("2021-09-13T15:01:16Z"), to: day("2021-09-13T15:01:17Z") };
    expect((await objectsTouchedBy(app.context.db, "bob", range)).map((o) => [o.cluster, o.kind, o.name])).toEqual([["impersonation", "Deployment", "apiserver"]]);
    // An audit asks what mallory did, as herself or as anyone else.
    expect((await objectsTouchedBy(app.context.db, "mallory", range)).map((o) => [o.cluster, o.kind, o.name])).toEqual([["impersonation", "Deployment", "apiserver"]]);
    expect(await objectsTouchedBy(app.context.db, "alice", range)).toEqual([]);
    // Half-open: an entry that starts at the range's end is outside it.
    expect(await objectsTouchedBy(app.context.db, "bob", { from: day("2021-09-13T15:00:00Z"), to: day("2021-09-13T15:01:16Z") })).toEqual([]);
  });

  it("orders objects seen last at the same time by id, newest first, so that a limit cuts the same list every time", async () => {
    // Five objects whose last write has the same time (one deletecollection ends them all), stored out of id order.
    const ids = [9_000_003, 9_000_001, 9_000_005, 9_000_002, 9_000_004];
    await app.context.db.query(
      `INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid, first_seen, last_seen)
       SELECT id, (SELECT min(id) FROM clusters), '', 'v1', 'configmaps', 'ConfigMap', 'ties', 'tie-' || id, NULL, '2021-01-01', '2021-01-02' FROM unnest($1::bigint[]) AS t(id)`,
      [ids],
    );
    await app.context.db.query(
      `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, title, details)
       SELECT id, (SELECT min(id) FROM clusters), 'audit', '2021-01-02', '2021-01-02', 'tie-maker', 'deletecollection', 'tie-maker deletecollection', '{}' FROM unnest($1::bigint[]) AS t(id)`,
      [ids],
    );
    const range = { from: day("2020-01-01"), to: day("2022-01-01") };
    const newestFirst = [...ids].sort((a, b) => b - a);
    const idsOf = (rows: Array<{ id: number }>) => rows.map((o) => Number(o.id));
    for (const limit of [1, 2, 3, 5]) {
      expect(idsOf(await objectsInNamespace(app.context.db, "ties", range, limit))).toEqual(newestFirst.slice(0, limit));
      expect(idsOf(await objectsNamedLike(app.context.db, "tie-*", range, limit))).toEqual(newestFirst.slice(0, limit));
      expect(idsOf(await objectsTouchedBy(app.context.db, "tie-maker", range, limit))).toEqual(newestFirst.slice(0, limit));
    }
  });

  it("answers each question from an index", async () => {
    // With sequential scans priced out, a plan without the index would still be chosen if no index could serve.
    await app.context.db.transaction(async (tx) => {
      await tx.query("SET LOCAL enable_seqscan = off");
      const plan = async (sql: string, params: unknown[]) =>
        (await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      const range = [day("2018-01-01"), day("2030-01-01")];
      const plans = [
        await plan(HISTORY_OF_OBJECT_SQL, [deploymentId, ...range]),
        await plan(OBJECTS_IN_NAMESPACE_SQL, ["default", ...range, 100]),
        await plan(OBJECTS_NAMED_LIKE_SQL, [likePattern("nginx"), ...range, 100]),
        await plan(OBJECTS_TOUCHED_BY_SQL, ["kube:admin", ...range, 100]),
      ];
      for (const text of plans) {
        // Which index the planner picks on a small table varies; that one serves, not a scan of everything, is the point.
        expect(text).toMatch(/Index Scan|Index Only Scan|Bitmap Index Scan/);
        expect(text).not.toMatch(/Seq Scan on (history_entries|objects)/);
      }
    });
  });
});

describe("likePattern", () => {
  it("treats * as a wildcard, else matches a substring, and escapes LIKE's own characters", () => {
    expect(likePattern("nginx-*")).toBe("nginx-%");
    expect(likePattern("api")).toBe("%api%");
    expect(likePattern("100%_sure")).toBe("%100\\%\\_sure%");
  });
});
