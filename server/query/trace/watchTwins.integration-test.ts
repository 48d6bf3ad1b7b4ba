import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { CASCADE, cascadeEventList, openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { insertWatchRows, versionsOf, watchRowsOf, WATCH_DELAY_MS } from "../../testing/scenarios/watchedCascade";
import { formatDiffEntry } from "../../model/diff/diff";
import { loadTimeline, loadTimelineEntry } from "../timeline/load";
import { searchObjects } from "../objectSearch";
import { findTraceRoots } from "./search";
import type { TimelineEntry } from "../timeline/types";
import type { JaegerKeyValue, JaegerTrace } from "../../jaeger/v1/jaegerJson";
import { ATTR } from "./attributes";
import { objectIdOf } from "./rolloutTree.fixture";
import { encodeTraceId } from "./traceId";
import { TWIN_CANDIDATES_SQL } from "./watchTwins";
import type { DisplayMode } from "./types";

/**
 * One write seen by the audit webhook and by a watch is shown once, as its audit entry, on the
 * object page and through the Jaeger API. The audit side: the real OpenShift rollout
 * (server/testing/scenarios/openshiftCascade.ts, docs/samples/deployment-cascade.jsonl) posted to
 * the webhook, less two of the Deployment's writes the audit missed (its create, as if the
 * webhook was set up a moment later, and one status update). The watch side: a watch that saw
 * every version of the Deployment (watchedCascade.ts, from the same real bodies), stored by SQL.
 */
const CLUSTER = "watched";
const at = (clock: string) => new Date(`2021-09-13T${clock}Z`);
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const MISSED_BY_AUDIT = new Set(["create deployment apiserver", "deployment apiserver status: 3 available"]);
const JAEGER = { basePath: "/jaeger", uiServed: false };

describe.each(STORE_KINDS)("watch entries folded into their audit twins on %s", (kind) => {
  let app: TestApp;
  let deploymentId: number;
  const steps = openshiftCascade();
  const versions = versionsOf(steps, "deployments", CASCADE.deployment.name);
  const watchRows = watchRowsOf(versions);
  let watchIdOf: Map<string, number>;

  beforeAll(async () => {
    app = await startTestApp(kind);
    const audited = steps.filter((step) => !MISSED_BY_AUDIT.has(step.label));
    expect((await app.postAudit(cascadeEventList(audited), { cluster: CLUSTER })).status).toBe(200);
    deploymentId = await objectIdOf(app.context.db, CLUSTER, "deployments", CASCADE.deployment.name);
    const ids = await insertWatchRows(app.context.db, deploymentId, watchRows);
    watchIdOf = new Map(versions.map((version, i) => [version.resourceVersion, ids[i]!]));
  });
  afterAll(() => app?.close());

  const timelineEntries = async (range?: { startMicros: number; endMicros: number }): Promise<TimelineEntry[]> => {
    const timeline = await loadTimeline(app.context.db, { id: deploymentId, relations: "self", ...(range ? { range } : {}) }, { jaeger: JAEGER });
    return timeline!.rows[0]!.entries;
  };
  const jaegerTrace = async (start: Date, end: Date, displayMode: DisplayMode = "tracing"): Promise<JaegerTrace> => {
    const traceId = encodeTraceId({ rootObjectId: deploymentId, relationMode: "self", displayMode, depth: 1, startSeconds: seconds(start), endSeconds: seconds(end) });
    const response = await fetch(`${app.url}/jaeger/api/traces/${traceId}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: JaegerTrace[] }).data[0]!;
  };
  const fieldsOf = (fields: JaegerKeyValue[]) => Object.fromEntries(fields.map((field) => [field.key, field.value]));
  /** Each log of the object's span as `<source> <resourceVersionAfter>`: which entries the trace shows. */
  const logVersions = (trace: JaegerTrace) => trace.spans[0]!.logs.map((log) => fieldsOf(log.fields)).map((f) => `${f[ATTR.source]} ${f[ATTR.resourceVersionAfter] ?? "-"}`);
  const watchDiffOf = (resourceVersion: string) => watchRows[versions.findIndex((v) => v.resourceVersion === resourceVersion)]!.diff!.map(formatDiffEntry);

  it("the object page shows each write once: the audit entry where audit saw it, the watch entry where only the watch did", async () => {
    const entries = await timelineEntries();
    const summary = entries.map((entry) => `${entry.source} ${entry.verb}${entry.subresource ? ` ${entry.subresource}` : ""}`);
    expect(summary).toEqual([
      "audit update status",
      // The create audit missed: the watch's ADDED, with the body it saw (reported after the status update that followed it).
      "watch create",
      // The status update audit missed.
      "watch update status",
      "audit update",
      "audit update status",
      "audit update",
      "audit update status",
      "audit update status",
      "audit update status",
      "audit update status",
      "audit delete",
    ]);
    expect(entries[1]).toMatchObject({ title: "cluster-openshift-apiserver-operator create (watched)", hasSnapshot: true });
    expect(entries[2]!.diff).toEqual(watchDiffOf("9119").slice(0, 20));
  });

  it("an audit entry without a diff shows its watch twin's, and says so; one with its own keeps it", async () => {
    const entries = await timelineEntries();
    // Audit's first sight of the Deployment: no earlier version to compare with, but the watch had one.
    const firstAudited = entries[0]!;
    expect(firstAudited.diff.length).toBeGreaterThan(0);
    expect(firstAudited.diff).toEqual(watchDiffOf("9109").slice(0, 20));
    // The status the deployment controller first wrote: what audit alone could not say.
    expect(firstAudited.diff.some((line) => line.startsWith('status (added) {"observedGeneration":1,'))).toBe(true);
    const whole = (await loadTimelineEntry(app.context.db, firstAudited.id))!;
    expect(whole.diff).toEqual(watchDiffOf("9109"));
    expect(whole).toMatchObject({ source: "audit", diffFrom: "watch", request: { resourceVersionAfter: "9109", diffFromEntryId: watchIdOf.get("9109"), auditId: expect.any(String) } });

    // rev2: audit compared it with what it held (9109, since it missed 9119), and keeps its own diff.
    const rev2 = entries[3]!;
    const rev2Whole = (await loadTimelineEntry(app.context.db, rev2.id))!;
    expect(rev2Whole).toMatchObject({ diffFrom: null, request: { diffFromEntryId: null } });
    expect(rev2Whole.diff).not.toEqual(watchDiffOf("9120"));
    expect(rev2Whole.diff).toContain("metadata.generation 1 -> 2");
  });

  it("the Jaeger API shows the same entries in every display mode, the borrowed diff on the audit log", async () => {
    const expected = ["audit 9109", "watch 9101", "watch 9119", "audit 9120", "audit 9127", "audit 9128", "audit 9135", "audit 9146", "audit 9157", "audit 9162", "audit -"];
    const trace = await jaegerTrace(at("14:50:00"), at("15:30:00"));
    expect(logVersions(trace)).toEqual(expected);
    const firstAudited = fieldsOf(trace.spans[0]!.logs[0]!.fields);
    expect(firstAudited).toMatchObject({ [ATTR.diff]: watchDiffOf("9109").join("\n"), [ATTR.diffFrom]: "watch", [ATTR.diffFromEntryId]: watchIdOf.get("9109"), [ATTR.user]: "system:serviceaccount:kube-system:deployment-controller" });

    // Grouped: the "watch" child span holds only the writes audit missed.
    const grouped = await jaegerTrace(at("14:50:00"), at("15:30:00"), "grouped");
    const watchSpan = grouped.spans.find((span) => span.operationName === "watch")!;
    expect(watchSpan.logs.map((log) => fieldsOf(log.fields)[ATTR.resourceVersionAfter])).toEqual(["9101", "9119"]);
    // Tree and timeline: one span per entry, the same entries.
    for (const mode of ["tree", "timeline"] as const) {
      const spans = (await jaegerTrace(at("14:50:00"), at("15:30:00"), mode)).spans.slice(1);
      expect(spans.map((span) => `${fieldsOf(span.tags)[ATTR.source]} ${fieldsOf(span.tags)[ATTR.resourceVersionAfter] ?? "-"}`)).toEqual(expected);
    }
  });

  it("a twin just outside the range still folds: the audit entry keeps the diff, the watch entry stays hidden", async () => {
    const audit9109 = at("14:53:16.296");
    const watch9109 = new Date(at("14:53:16.300").getTime() + WATCH_DELAY_MS);
    // The range ends between the audit entry and its watch twin (whole seconds: 14:53:17).
    expect(seconds(watch9109)).toBeGreaterThanOrEqual(seconds(audit9109) + 1);
    const endsBetween = await jaegerTrace(at("14:53:00"), new Date((seconds(audit9109) + 1) * 1000));
    expect(logVersions(endsBetween)).toEqual(["audit 9109"]);
    expect(fieldsOf(endsBetween.spans[0]!.logs[0]!.fields)[ATTR.diff]).toBe(watchDiffOf("9109").join("\n"));

    // The range starts between them: the watch entry is in it, the write it saw is not.
    const startsBetween = await jaegerTrace(new Date((seconds(audit9109) + 1) * 1000), at("14:54:00"));
    expect(logVersions(startsBetween)).toEqual(["watch 9101", "watch 9119"]);

    // The object page, µs ranges: the same.
    const micros = (date: Date) => date.getTime() * 1000;
    const page = await timelineEntries({ startMicros: micros(audit9109) - 1000, endMicros: micros(audit9109) + 1000 });
    expect(page.map((entry) => `${entry.source} ${entry.diff.length > 0}`)).toEqual(["audit true"]);
    const later = await timelineEntries({ startMicros: micros(at("14:53:16.300")) + 1000, endMicros: micros(watch9109) + 1000 });
    // Only the create audit missed, which the watch reported in the meantime.
    expect(later.map((entry) => `${entry.source} ${entry.verb}`)).toEqual(["watch create"]);
  });

  it("searches count each write once, as its trace shows it: the dashboard's and the Jaeger API's", async () => {
    const micros = (date: Date) => date.getTime() * 1000;
    const audit9109 = at("14:53:16.296");
    // The whole rollout; a range that starts between the audit entry of 9109 and its watch twin (whole seconds, as a trace's).
    const ranges = [
      { from: at("14:50:00"), to: at("15:30:00"), deployment: 11 },
      { from: new Date((seconds(audit9109) + 1) * 1000), to: at("14:54:00"), deployment: 2 },
    ];
    for (const { from, to, deployment } of ranges) {
      const found = await searchObjects(app.context.db, { cluster: CLUSTER, namespace: CASCADE.namespace, from, to, limit: 100 });
      // The Deployment (watched: twinned and untwinned entries), its ReplicaSets and Pods (not watched).
      expect(found.objects.filter((object) => object.kind === "Deployment").map((object) => object.entryCount)).toEqual([deployment]);
      expect(found.objects.length).toBeGreaterThan(1);
      for (const object of found.objects) {
        const timeline = await loadTimeline(app.context.db, { id: object.id, relations: "self", range: { startMicros: micros(from), endMicros: micros(to) } }, { jaeger: JAEGER });
        expect(object.entryCount, `${object.kind}/${object.name} from ${from.toISOString()}`).toBe(timeline!.rows[0]!.entries.length);
      }
      expect(logVersions(await jaegerTrace(from, to))).toHaveLength(deployment);
    }
    // By kind, over the store's whole range (the dashboard's default): the search that reads the recent entries first.
    const byKind = await searchObjects(app.context.db, { cluster: CLUSTER, kind: "deployment", limit: 10 });
    expect(byKind.objects.map((object) => `${object.name} ${object.entryCount}`)).toEqual([`${CASCADE.deployment.name} 11`]);
  });

  it("counts an object with more watch entries than a search pairs as stored, and says so", async () => {
    const criteria = { cluster: CLUSTER, resource: "deployments", apiGroup: "apps", name: CASCADE.deployment.name, start: at("14:50:00"), end: at("15:30:00"), limit: 10 };
    const countOf = async (maxWatchEntriesToFold: number) =>
      (await findTraceRoots(app.context.db, criteria, { maxWatchEntriesToFold })).map((root) => ({ entryCount: root.entryCount, entryCountFolded: root.entryCountFolded }));
    // The Deployment's ten versions, each seen by the watch: eight also by audit.
    expect(watchRows).toHaveLength(10);
    expect(await countOf(10)).toEqual([{ entryCount: 11, entryCountFolded: true }]);
    expect(await countOf(9)).toEqual([{ entryCount: 19, entryCountFolded: false }]);
    // The Jaeger search, which builds the traces, counts as stored.
    expect((await findTraceRoots(app.context.db, criteria, { entryCounts: "stored" })).map((root) => root.entryCount)).toEqual([19]);
  });

  it("reads the entries around a range from the index of an object's history", async () => {
    // Over a range that holds every entry, only the object's index narrows the search.
    await app.context.db.query("ANALYZE history_entries");
    await app.context.db.transaction(async (tx) => {
      await tx.query("SET LOCAL enable_seqscan = off");
      const plan = (await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN ${TWIN_CANDIDATES_SQL}`, [[deploymentId], new Date("1970-01-01"), new Date("2100-01-01")])).rows.map((row) => row["QUERY PLAN"]).join("\n");
      expect(plan).toMatch(/history_object_time_idx/);
      expect(plan).not.toMatch(/Seq Scan on history_entries/);
    });
  });
});

/**
 * Two audit entries of one version, and the watch entry of that version between them: the side
 * panel must lend (or not) the watch entry's diff as the lane does, whatever range the lane shows.
 * The same rollout as above; by SQL, the Deployment's first audited write (the status update
 * that made 9109, 14:53:16.296, no diff of its own) recorded a second time 150 s later under
 * another audit ID, as audit stores a request that changed nothing when it did not know the
 * version before it (a retried request, a no-op update: `noop` compares with the version audit
 * knew); and the watch that saw 9109 reporting it 100 s late (a watch that fell behind), nearer
 * the second entry than the first.
 */
describe.each(STORE_KINDS)("a watch entry between two audit entries of its version on %s", (kind) => {
  let app: TestApp;
  let deploymentId: number;
  let first: number;
  let second: number;
  let watch9109: number;
  const steps = openshiftCascade();
  const versions = versionsOf(steps, "deployments", CASCADE.deployment.name);
  const watchRows = watchRowsOf(versions);
  const FIRST_AT = at("14:53:16.296");
  const WATCH_LATE_MS = 100_000;
  const SECOND_AFTER_MS = 150_000;

  beforeAll(async () => {
    app = await startTestApp(kind);
    const audited = steps.filter((step) => !MISSED_BY_AUDIT.has(step.label));
    expect((await app.postAudit(cascadeEventList(audited), { cluster: CLUSTER })).status).toBe(200);
    deploymentId = await objectIdOf(app.context.db, CLUSTER, "deployments", CASCADE.deployment.name);
    const late = watchRows.map((row, i) => (versions[i]!.resourceVersion === "9109" ? { ...row, startTime: new Date(FIRST_AT.getTime() + WATCH_LATE_MS) } : row));
    const ids = await insertWatchRows(app.context.db, deploymentId, late);
    watch9109 = ids[versions.findIndex((v) => v.resourceVersion === "9109")]!;
    const audit9109 = await app.context.db.query<{ id: string }>(
      `SELECT id FROM history_entries WHERE object_id = $1 AND source = 'audit' AND details->>'resourceVersionAfter' = '9109'`,
      [deploymentId],
    );
    expect(audit9109.rows).toHaveLength(1);
    first = Number(audit9109.rows[0]!.id);
    const copied = await app.context.db.query<{ id: string }>(
      `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, subresource, status_code, title, audit_id, stage, user_agent, impersonator, details, diff, snapshot, noop)
       SELECT object_id, cluster_id, source, start_time + $2 * interval '1 millisecond', end_time + $2 * interval '1 millisecond', actor, verb, subresource, status_code, title,
              'c0a50000-0000-4000-8000-00000000a109', stage, user_agent, impersonator, details, diff, snapshot, noop
         FROM history_entries WHERE id = $1
       RETURNING id`,
      [first, SECOND_AFTER_MS],
    );
    second = Number(copied.rows[0]!.id);
  });
  afterAll(() => app?.close());

  const laneOf = async (range?: { startMicros: number; endMicros: number }) =>
    (await loadTimeline(app.context.db, { id: deploymentId, relations: "self", ...(range ? { range } : {}) }, { jaeger: JAEGER }))!.rows[0]!.entries;
  const micros = (date: Date) => date.getTime() * 1000;

  it("the watch entry's diff goes to the audit entry nearer it, on the lane and in the side panel", async () => {
    const lane = await laneOf();
    const shown = (id: number) => lane.find((entry) => entry.id === id)!;
    // Folded into the second (50 s from it, 100 s from the first): not on the lane.
    expect(lane.map((entry) => entry.id)).not.toContain(watch9109);
    expect(shown(second)).toMatchObject({ diffFrom: "watch" });
    expect(shown(first)).toMatchObject({ diffFrom: null, diff: [] });

    const panelOfFirst = (await loadTimelineEntry(app.context.db, first))!;
    expect(panelOfFirst).toMatchObject({ diffFrom: null, diff: [], request: { diffFromEntryId: null } });
    const panelOfSecond = (await loadTimelineEntry(app.context.db, second))!;
    expect(panelOfSecond).toMatchObject({ diffFrom: "watch", request: { diffFromEntryId: watch9109 } });
    expect(panelOfSecond.diff).toEqual(watchRows[versions.findIndex((v) => v.resourceVersion === "9109")]!.diff!.map(formatDiffEntry));
  });

  it("a lane whose range holds only the first entry pairs the watch entry as the whole lane does", async () => {
    // The watch entry lies after the range's end (within two minutes of it), the second entry beyond that.
    const lane = await laneOf({ startMicros: micros(at("14:53:00")), endMicros: micros(at("14:53:30")) });
    // (The create audit missed, which the watch reported a second after the first entry, is in it too.)
    expect(lane.map((entry) => `${entry.source} ${entry.id === first} ${entry.diffFrom}`)).toEqual(["audit true null", "watch false null"]);
  });
});

/**
 * A data source's watch entry whose version is a JSON number (the plugin API takes any details
 * object; the built-in watch writes a string): no version a twin may share (twinVersionOf), so
 * every view shows it as its own entry. The real rollout as above, the watch entry of 9109 stored
 * with `resourceVersionAfter: 9109`.
 */
describe.each(STORE_KINDS)("a watch entry whose version is no string on %s", (kind) => {
  let app: TestApp;
  let deploymentId: number;
  let audit9109: number;
  let watch9109: number;
  const steps = openshiftCascade();
  const versions = versionsOf(steps, "deployments", CASCADE.deployment.name);
  const micros = (date: Date) => date.getTime() * 1000;

  beforeAll(async () => {
    app = await startTestApp(kind);
    const audited = steps.filter((step) => !MISSED_BY_AUDIT.has(step.label));
    expect((await app.postAudit(cascadeEventList(audited), { cluster: CLUSTER })).status).toBe(200);
    deploymentId = await objectIdOf(app.context.db, CLUSTER, "deployments", CASCADE.deployment.name);
    const rows = watchRowsOf(versions).map((row, i) => (versions[i]!.resourceVersion === "9109" ? { ...row, details: { ...row.details, resourceVersionAfter: 9109 } } : row));
    const ids = await insertWatchRows(app.context.db, deploymentId, rows);
    watch9109 = ids[versions.findIndex((v) => v.resourceVersion === "9109")]!;
    const found = await app.context.db.query<{ id: string }>(`SELECT id FROM history_entries WHERE object_id = $1 AND source = 'audit' AND details->>'resourceVersionAfter' = '9109'`, [deploymentId]);
    audit9109 = Number(found.rows[0]!.id);
  });
  afterAll(() => app?.close());

  const laneOf = async (range?: { startMicros: number; endMicros: number }) =>
    (await loadTimeline(app.context.db, { id: deploymentId, relations: "self", ...(range ? { range } : {}) }, { jaeger: JAEGER }))!.rows[0]!.entries;

  it("is no twin on the lane, at a range's edge, in the side panel, nor in a search's count", async () => {
    const lane = await laneOf();
    expect(lane.map((entry) => entry.id)).toContain(watch9109);
    expect(lane.find((entry) => entry.id === audit9109)).toMatchObject({ diffFrom: null, diff: [] });
    // A range holding the audit entry alone: the watch entry, just after it, read as a candidate.
    const edge = await laneOf({ startMicros: micros(at("14:53:16.296")) - 1000, endMicros: micros(at("14:53:16.296")) + 1000 });
    expect(edge.map((entry) => `${entry.source} ${entry.diffFrom}`)).toEqual(["audit null"]);
    expect(await loadTimelineEntry(app.context.db, audit9109)).toMatchObject({ diffFrom: null, diff: [] });

    const [from, to] = [at("14:50:00"), at("15:30:00")];
    const found = await searchObjects(app.context.db, { cluster: CLUSTER, kind: "deployment", from, to, limit: 10 });
    const shown = await laneOf({ startMicros: micros(from), endMicros: micros(to) });
    expect(found.objects.map((object) => object.entryCount)).toEqual([shown.length]);
  });
});
