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
