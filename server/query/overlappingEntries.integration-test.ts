import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import {
  AFTER_SESSIONS,
  ATTACH_AUDIT_ID,
  ATTACH_END,
  ATTACH_START,
  DURING_EXEC,
  EXEC_AUDIT_ID,
  EXEC_END,
  EXEC_START,
  execAndAttachSessions,
  SESSION_POD,
  SESSION_USER,
  SLOW_ATTACH_AUDIT_ID,
  SLOW_ATTACH_END,
  SLOW_ATTACH_START,
  slowAttach,
} from "../testing/scenarios/sessions";
import { eventList } from "../testing/scenarios/rollout";
import { assembleTrace } from "./trace/assemble";
import { encodeTraceId } from "./trace/traceId";
import { findTraceRoots, type TraceRootCriteria } from "./trace/search";
import { historyOfObject, objectsInNamespace, objectsNamedLike, objectsTouchedBy, type TimeRange } from "./history";
import type { JaegerTrace } from "../jaeger/v1/jaegerJson";

/**
 * A time range takes every history entry that overlaps it: one that started before the range and
 * was still running at its start belongs to "what happened to X between t1 and t2" as much as one
 * that started inside it. The entries are a real exec session of two hours, an attach of two
 * minutes and one of twenty seconds into one Pod (server/testing/scenarios/sessions.ts); the
 * ranges put them in each of the parts a range is asked in (overlappingEntries.ts) and on their edges.
 */
const at = (iso: string) => new Date(`2018-10-26T${iso}Z`);
const minutes = (date: Date, n: number) => new Date(date.getTime() + n * 60_000);
const millis = (date: Date, n: number) => new Date(date.getTime() + n);

const RANGES: Array<{ what: string; range: TimeRange; auditIds: string[] }> = [
  { what: "in which both began", range: { from: at("13:38:00"), to: at("13:43:00") }, auditIds: [EXEC_AUDIT_ID, ATTACH_AUDIT_ID] },
  // The exec began less than a minute but more than a second before the range (the part "slow").
  { what: "that begins less than a minute after the exec began", range: { from: at("13:39:00"), to: at("13:46:00") }, auditIds: [EXEC_AUDIT_ID, ATTACH_AUDIT_ID] },
  // The exec began more than a minute before the range (the part "long"), the attach less, more than a second ("slow").
  { what: "that begins less than a minute after the attach began, more after the exec", range: { from: at("13:43:00"), to: at("13:46:00") }, auditIds: [EXEC_AUDIT_ID, ATTACH_AUDIT_ID] },
  // Both began more than a minute before the range: both "long".
  { what: "that begins more than a minute after both began, while the attach runs", range: { from: at("13:44:00"), to: at("13:46:00") }, auditIds: [EXEC_AUDIT_ID, ATTACH_AUDIT_ID] },
  { what: "that begins as the attach ends", range: { from: ATTACH_END, to: at("13:46:00") }, auditIds: [EXEC_AUDIT_ID, ATTACH_AUDIT_ID] },
  { what: "that begins just after the attach ended", range: { from: new Date(ATTACH_END.getTime() + 1), to: at("13:46:00") }, auditIds: [EXEC_AUDIT_ID] },
  { what: "that ends as the attach begins", range: { from: at("13:40:00"), to: ATTACH_START }, auditIds: [EXEC_AUDIT_ID] },
  { what: "that ends as the exec begins", range: { from: at("13:30:00"), to: EXEC_START }, auditIds: [] },
  { what: "while only the exec runs", range: DURING_EXEC, auditIds: [EXEC_AUDIT_ID] },
  { what: "that begins as the exec ends, two hours after it began", range: { from: EXEC_END, to: minutes(EXEC_END, 1) }, auditIds: [EXEC_AUDIT_ID] },
  { what: "after both ended", range: AFTER_SESSIONS, auditIds: [] },
  // The slow attach began at most a second before the range (the part "recent"), on the edge, or
  // more than a second but at most a minute before it ("slow"); the exec, long before ("long").
  { what: "that begins half a second after the slow attach began", range: { from: millis(SLOW_ATTACH_START, 500), to: at("15:01:00") }, auditIds: [EXEC_AUDIT_ID, SLOW_ATTACH_AUDIT_ID] },
  { what: "that begins a second after the slow attach began", range: { from: millis(SLOW_ATTACH_START, 1000), to: at("15:01:00") }, auditIds: [EXEC_AUDIT_ID, SLOW_ATTACH_AUDIT_ID] },
  { what: "that begins just over a second after the slow attach began", range: { from: millis(SLOW_ATTACH_START, 1001), to: at("15:01:00") }, auditIds: [EXEC_AUDIT_ID, SLOW_ATTACH_AUDIT_ID] },
  { what: "that begins ten seconds after the slow attach began", range: { from: millis(SLOW_ATTACH_START, 10_000), to: at("15:01:00") }, auditIds: [EXEC_AUDIT_ID, SLOW_ATTACH_AUDIT_ID] },
  { what: "that begins as the slow attach ends", range: { from: SLOW_ATTACH_END, to: at("15:01:00") }, auditIds: [EXEC_AUDIT_ID, SLOW_ATTACH_AUDIT_ID] },
  { what: "that begins just after the slow attach ended", range: { from: millis(SLOW_ATTACH_END, 1), to: at("15:01:00") }, auditIds: [EXEC_AUDIT_ID] },
  { what: "that ends as the slow attach begins", range: { from: at("14:59:00"), to: SLOW_ATTACH_START }, auditIds: [EXEC_AUDIT_ID] },
];

/** The criteria of a Jaeger search that find the Pod by its own identity or by its entries. */
const SEARCHES: Array<Partial<TraceRootCriteria>> = [{ namespace: "default" }, { name: SESSION_POD }, { name: "nginx-*" }, { user: SESSION_USER }, { auditId: EXEC_AUDIT_ID }, { kind: "Pod" }, {}];

describe.each(STORE_KINDS)("entries that began before a range and ran into it, on %s", (kind) => {
  let app: TestApp;
  let podId: number;
  beforeAll(async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(eventList([...execAndAttachSessions(), slowAttach()]), { cluster: "minikube" })).status).toBe(200);
    podId = Number((await app.context.db.query<{ id: number }>(`SELECT id FROM objects WHERE name = $1`, [SESSION_POD])).rows[0]!.id);
    const stored = await app.context.db.query<{ audit_id: string; start_time: Date; end_time: Date }>(`SELECT audit_id, start_time, end_time FROM history_entries ORDER BY start_time`);
    expect(stored.rows).toEqual([
      { audit_id: EXEC_AUDIT_ID, start_time: EXEC_START, end_time: EXEC_END },
      { audit_id: ATTACH_AUDIT_ID, start_time: ATTACH_START, end_time: ATTACH_END },
      { audit_id: SLOW_ATTACH_AUDIT_ID, start_time: SLOW_ATTACH_START, end_time: SLOW_ATTACH_END },
    ]);
  });
  afterAll(() => app.close());

  it.each(RANGES)("are in the object's history over a range $what", async ({ range, auditIds }) => {
    expect((await historyOfObject(app.context.db, podId, range)).map((h) => h.auditId)).toEqual(auditIds);
  });

  it.each(RANGES)("make their object one the user touched over a range $what", async ({ range, auditIds }) => {
    expect((await objectsTouchedBy(app.context.db, SESSION_USER, range)).map((o) => o.name)).toEqual(auditIds.length > 0 ? [SESSION_POD] : []);
  });

  it.each(RANGES)("find their object in the trace search by every criterion, reading recent entries or not, over a range $what", async ({ range, auditIds }) => {
    for (const criteria of SEARCHES) {
      for (const recentEntriesScan of [undefined, 1]) {
        const found = await findTraceRoots(app.context.db, { start: range.from, end: range.to, limit: 20, ...criteria }, { recentEntriesScan });
        const label = `${JSON.stringify(criteria)}, scan ${recentEntriesScan}`;
        // The auditID criterion takes only the exec's entry.
        const matching = criteria.auditId !== undefined ? auditIds.filter((id) => id === EXEC_AUDIT_ID) : auditIds;
        expect(found.map((root) => `${root.name}:${root.entryCount}`), label).toEqual(matching.length > 0 ? [`${SESSION_POD}:${matching.length}`] : []);
      }
    }
  });

  it("give a found object the start of an entry that began before the range as its first entry", async () => {
    const [root] = await findTraceRoots(app.context.db, { start: DURING_EXEC.from, end: DURING_EXEC.to, limit: 20, user: SESSION_USER });
    expect(root).toMatchObject({ firstEntry: EXEC_START.getTime() * 1000, lastEntry: EXEC_START.getTime() * 1000, entryCount: 1 });
    const [both] = await findTraceRoots(app.context.db, { start: at("13:44:00"), end: at("13:46:00"), limit: 20, namespace: "default" });
    expect(both).toMatchObject({ firstEntry: EXEC_START.getTime() * 1000, lastEntry: ATTACH_START.getTime() * 1000, entryCount: 2 });
  });

  it("leave an object found by its identity out when none of its entries overlaps the range", async () => {
    // The Pod was there all along (no delete): its namespace and name find it, its entries do not make it a trace root.
    expect((await objectsInNamespace(app.context.db, "default", AFTER_SESSIONS)).map((o) => o.name)).toEqual([SESSION_POD]);
    expect((await objectsNamedLike(app.context.db, "nginx-deployment-*", AFTER_SESSIONS)).map((o) => o.name)).toEqual([SESSION_POD]);
    expect(await findTraceRoots(app.context.db, { start: AFTER_SESSIONS.from, end: AFTER_SESSIONS.to, limit: 20, namespace: "default" })).toEqual([]);
  });

  it.each(RANGES.filter(({ range }) => range.from.getMilliseconds() === 0 && range.to.getMilliseconds() === 0))(
    "are entries of the object's trace over a range $what",
    async ({ range, auditIds }) => {
      const trace = await assembleTrace(app.context.db, {
        rootObjectId: podId,
        relationMode: "self",
        displayMode: "tree",
        depth: 1,
        startSeconds: range.from.getTime() / 1000,
        endSeconds: range.to.getTime() / 1000,
      });
      expect(trace!.nodes.flatMap((node) => node.entries.map((entry) => entry.auditId))).toEqual(auditIds);
    },
  );

  it("are spans of the traces the Jaeger API finds and rebuilds by ID", async () => {
    const us = (date: Date) => date.getTime() * 1000;
    const auditIdsOf = (trace: JaegerTrace) =>
      trace.spans.flatMap((span) => span.tags.filter((tag) => tag.key === "auditID").map((tag) => tag.value)).sort();
    const search = async (range: TimeRange) => {
      const response = await fetch(`${app.url}/jaeger/api/traces?service=Pod&operation=tree&start=${us(range.from)}&end=${us(range.to)}&tag=namespace:default`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { data: JaegerTrace[] }).data;
    };
    const found = await search(DURING_EXEC);
    expect(found.map(auditIdsOf)).toEqual([[EXEC_AUDIT_ID]]);
    expect(await search(AFTER_SESSIONS)).toEqual([]);

    const byId = async (range: TimeRange) => {
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
