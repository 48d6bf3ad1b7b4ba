import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { AFTER_SESSIONS, ATTACH_AUDIT_ID, DURING_EXEC, EXEC_AUDIT_ID, execAndAttachSessions, SESSION_POD } from "../testing/scenarios/sessions";
import { eventList } from "../testing/scenarios/rollout";
import { encodeTraceId } from "./trace/traceId";
import { findTraceRoots, type TraceRootCriteria } from "./trace/search";
import { historyOfObject, objectsInNamespace, objectsNamedLike, objectsTouchedBy } from "./history";
import type { JaegerTrace } from "../jaeger/v1/jaegerJson";

/**
 * A time range takes every history entry that overlaps it: one that started before the range and
 * was still running at its start belongs to "what happened to X between t1 and t2" as much as one
 * that started inside it. The entries are a real exec session of half an hour and an attach of
 * two minutes into one Pod (server/testing/scenarios/sessions.ts).
 */
describe.each(STORE_KINDS)("entries that began before a range and ran into it, on %s", (kind) => {
  let app: TestApp;
  let podId: number;
  beforeAll(async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(eventList(execAndAttachSessions()), { cluster: "minikube" })).status).toBe(200);
    podId = Number((await app.context.db.query<{ id: number }>(`SELECT id FROM objects WHERE name = $1`, [SESSION_POD])).rows[0]!.id);
  });
  afterAll(() => app.close());

  it("are in the object's history, and those that ended before the range are not", async () => {
    const during = await historyOfObject(app.context.db, podId, DURING_EXEC);
    expect(during.map((h) => [h.auditId, h.subresource])).toEqual([[EXEC_AUDIT_ID, "exec"]]);
    expect(await historyOfObject(app.context.db, podId, AFTER_SESSIONS)).toEqual([]);
    // Both, from the range in which they began.
    const both = await historyOfObject(app.context.db, podId, { from: new Date("2018-10-26T13:38:00Z"), to: new Date("2018-10-26T13:43:00Z") });
    expect(both.map((h) => h.subresource)).toEqual(["exec", "attach"]);
  });

  it("make their object one touched by the user during the range", async () => {
    expect((await objectsTouchedBy(app.context.db, "minikube-user", DURING_EXEC)).map((o) => o.name)).toEqual([SESSION_POD]);
    expect(await objectsTouchedBy(app.context.db, "minikube-user", AFTER_SESSIONS)).toEqual([]);
    // The object was there all along (no delete): its namespace and name find it either way.
    expect((await objectsInNamespace(app.context.db, "default", DURING_EXEC)).map((o) => o.name)).toEqual([SESSION_POD]);
    expect((await objectsNamedLike(app.context.db, "nginx-deployment-*", DURING_EXEC)).map((o) => o.name)).toEqual([SESSION_POD]);
  });

  it("find their object in the trace search, by every criterion", async () => {
    const find = async (criteria: Partial<TraceRootCriteria>, range: { from: Date; to: Date }) =>
      (await findTraceRoots(app.context.db, { start: range.from, end: range.to, limit: 20, ...criteria })).map((root) => `${root.name}:${root.entryCount}`);
    const searches: Array<Partial<TraceRootCriteria>> = [
      { namespace: "default" },
      { name: SESSION_POD },
      { name: "nginx-*" },
      { user: "minikube-user" },
      { auditId: EXEC_AUDIT_ID },
      { kind: "Pod" },
      {},
    ];
    for (const criteria of searches) {
      expect(await find(criteria, DURING_EXEC), JSON.stringify(criteria)).toEqual([`${SESSION_POD}:1`]);
      expect(await find(criteria, AFTER_SESSIONS), JSON.stringify(criteria)).toEqual([]);
    }
    // The attach ended before the range: it is not what makes the Pod found.
    expect(await find({ auditId: ATTACH_AUDIT_ID }, DURING_EXEC)).toEqual([]);
  });

  it("are spans of the traces the Jaeger API finds and rebuilds by ID", async () => {
    const us = (date: Date) => date.getTime() * 1000;
    const auditIdsOf = (trace: JaegerTrace) =>
      trace.spans.flatMap((span) => span.tags.filter((tag) => tag.key === "auditID").map((tag) => tag.value)).sort();
    const search = async (range: { from: Date; to: Date }) => {
      const response = await fetch(`${app.url}/jaeger/api/traces?service=Pod&operation=tree&start=${us(range.from)}&end=${us(range.to)}&tag=namespace:default`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { data: JaegerTrace[] }).data;
    };
    const found = await search(DURING_EXEC);
    expect(found.map(auditIdsOf)).toEqual([[EXEC_AUDIT_ID]]);
    expect(await search(AFTER_SESSIONS)).toEqual([]);

    const byId = async (range: { from: Date; to: Date }) => {
      const traceId = encodeTraceId({ rootObjectId: podId, displayMode: "tree", relationMode: "self", depth: 1, startSeconds: range.from.getTime() / 1000, endSeconds: range.to.getTime() / 1000 });
      return fetch(`${app.url}/jaeger/api/traces/${traceId}`);
    };
    const during = await byId(DURING_EXEC);
    expect(during.status).toBe(200);
    expect(((await during.json()) as { data: JaegerTrace[] }).data.map(auditIdsOf)).toEqual([[EXEC_AUDIT_ID]]);
    // The Pod is there, but nothing happened to it in that range.
    const after = await byId(AFTER_SESSIONS);
    const afterTraces = after.status === 200 ? ((await after.json()) as { data: JaegerTrace[] }).data : [];
    expect(afterTraces.map(auditIdsOf).flat()).toEqual([]);
  });
});
