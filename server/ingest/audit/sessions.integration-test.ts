import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SETUPS, startTestApp, type TestApp } from "../../testing/appHarness";
import { STORE_KINDS } from "../../testing/databases";
import { startOtlpReceiver, type OtlpReceiver } from "../../testing/otlpReceiver";
import { loadFalcoTraceEvent } from "../../testing/fixtures";
import { runImportScript, summaryCount } from "../../testing/importScript";
import { eventList } from "../../testing/scenarios/rollout";
import { openPglite } from "../../store/pglite";
import { loadTimeline } from "../../query/timeline/load";
import { encodeTraceId } from "../../query/trace/traceId";
import { ATTR } from "../../query/trace/attributes";
import type { JaegerKeyValue, JaegerTrace } from "../../jaeger/v1/jaegerJson";

/*
 * A `kubectl exec` session, visible while it is open and closed by its end. The events are the
 * real recorded exec of falco's exec_pod.json (shared/fixtures/real/falco-k8s-audit-traces),
 * whose log holds only its ResponseStarted stage, and its closing stage derived from it as
 * kube-apiserver logs it when the session ends: the same request at ResponseComplete, later.
 * Each test works on a cluster of its own.
 */
type Event = Record<string, any>;
const POD = "nginx-deployment-7998647bdf-phvq7";
const AUDIT_ID = "ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6";
const JAEGER = { basePath: "/jaeger", uiServed: false };
const micros = (iso: string) => Date.parse(iso) * 1000;

const started = (): Event => structuredClone(loadFalcoTraceEvent("exec_pod.json")) as Event;
function completed(): Event {
  const event = started();
  event.stage = "ResponseComplete";
  event.stageTimestamp = "2018-10-26T14:05:12.250000Z";
  event.timestamp = "2018-10-26T14:05:12Z";
  // What the closing stage tells that the opening one could not: an annotation added since.
  event.annotations = { ...event.annotations, "example.com/session-recorder": "kept" };
  return event;
}
/** A `kubectl get pods --watch`, derived from the same request: long-running too, but no session. */
function watchStarted(): Event {
  const event = started();
  event.auditID = "watch-of-pods";
  event.verb = "watch";
  event.objectRef = { apiVersion: "v1", namespace: "default", resource: "pods" };
  event.requestURI = "/api/v1/namespaces/default/pods?watch=true";
  event.responseStatus = { code: 200, metadata: {} };
  return event;
}

interface Entry {
  id: string;
  stage: string;
  title: string;
  status_code: number | null;
  start_time: Date;
  end_time: Date;
  details: Record<string, any>;
}

for (const setup of APP_SETUPS) {
  describe(`an exec session on ${setup.label}`, () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(setup.kind, setup.env);
    });
    afterAll(() => app?.close());

    async function post(cluster: string, events: Event[]) {
      const response = await app.postAudit(eventList(events), { cluster });
      expect(response.status).toBe(200);
      return (await response.json()) as { accepted: number; duplicates: number; skipped: number; history: number };
    }
    const entriesOf = async (cluster: string) =>
      (
        await app.context.db.query<Entry>(
          `SELECT h.id, h.stage, h.title, h.status_code, h.start_time, h.end_time, h.details FROM history_entries h JOIN clusters c ON c.id = h.cluster_id
            WHERE c.name = $1 ORDER BY h.id`,
          [cluster],
        )
      ).rows;
    const receiptsOf = async (cluster: string) =>
      (
        await app.context.db.query<{ stage: string }>(
          `SELECT r.stage FROM audit_receipts r JOIN clusters c ON c.id = r.cluster_id WHERE c.name = $1 ORDER BY r.stage`,
          [cluster],
        )
      ).rows.map((row) => row.stage);
    const podLastSeen = async (cluster: string) =>
      (await app.context.db.query<{ last_seen: Date }>(`SELECT o.last_seen FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.name = $2`, [cluster, POD])).rows[0]!
        .last_seen;

    const expectClosed = (entry: Entry) => {
      expect(entry).toMatchObject({ stage: "ResponseComplete", title: "minikube-user create exec", status_code: 101 });
      expect(entry.start_time.toISOString()).toBe("2018-10-26T13:38:34.867Z");
      expect(entry.end_time.toISOString()).toBe("2018-10-26T14:05:12.250Z");
      expect(entry.details).toMatchObject({ session: "closed", stage: "ResponseComplete", annotations: { "example.com/session-recorder": "kept" } });
    };

    it("stores the recorded exec, of which only ResponseStarted was logged, as its session, open", async () => {
      expect(await post("open", [started()])).toMatchObject({ accepted: 1, history: 1, skipped: 0 });
      const [entry, ...others] = await entriesOf("open");
      expect(others).toEqual([]);
      expect(entry).toMatchObject({ stage: "ResponseStarted", title: "minikube-user create exec (open)", status_code: 101, details: { session: "open" } });
      expect(entry!.end_time.toISOString()).toBe("2018-10-26T13:38:34.902Z");
    });

    it("closes the open entry with the ResponseComplete: one entry, its end, status and annotations the closing stage's", async () => {
      await post("started-then-completed", [started()]);
      expect(await post("started-then-completed", [completed()])).toMatchObject({ accepted: 1, duplicates: 0, history: 1 });
      const entries = await entriesOf("started-then-completed");
      expect(entries).toHaveLength(1);
      expectClosed(entries[0]!);
      // The Pod was seen until the session ended.
      expect((await podLastSeen("started-then-completed")).toISOString()).toBe("2018-10-26T14:05:12.250Z");
    });

    it("changes nothing with a ResponseStarted that comes after the ResponseComplete, and keeps its receipt", async () => {
      await post("completed-then-started", [completed()]);
      const before = await entriesOf("completed-then-started");
      expect(await post("completed-then-started", [started()])).toMatchObject({ accepted: 1, duplicates: 0, history: 0, skipped: 1 });
      expect(await entriesOf("completed-then-started")).toEqual(before);
      expectClosed(before[0]!);
      expect(await receiptsOf("completed-then-started")).toEqual(["ResponseComplete", "ResponseStarted"]);
    });

    it.each([
      ["in order", () => [started(), completed()]],
      ["out of order", () => [completed(), started()]],
    ])("stores both stages in one batch, %s, as one closed entry", async (order, events) => {
      const cluster = `one-batch-${order.replace(/ /g, "-")}`;
      expect(await post(cluster, events())).toMatchObject({ accepted: 2, history: 1, skipped: 1 });
      const entries = await entriesOf(cluster);
      expect(entries).toHaveLength(1);
      expectClosed(entries[0]!);
    });

    it("takes retries of either stage as duplicates, before and after the session closed", async () => {
      const cluster = "retries";
      await post(cluster, [started()]);
      expect(await post(cluster, [started()])).toMatchObject({ accepted: 0, duplicates: 1 });
      expect(await entriesOf(cluster)).toMatchObject([{ stage: "ResponseStarted", details: { session: "open" } }]);
      await post(cluster, [completed()]);
      const closed = await entriesOf(cluster);
      for (const retry of [[completed()], [started()], [started(), completed()]]) {
        expect(await post(cluster, retry)).toMatchObject({ accepted: 0, duplicates: retry.length });
        expect(await entriesOf(cluster)).toEqual(closed);
      }
      expectClosed(closed[0]!);
    });

    it("stores both stages sent at once in two requests as one closed entry", async () => {
      const cluster = "concurrent";
      await Promise.all([post(cluster, [started()]), post(cluster, [completed()])]);
      const entries = await entriesOf(cluster);
      expect(entries).toHaveLength(1);
      expectClosed(entries[0]!);
    });

    it("closes the open entry with a Panic during the session: one entry, failed, not left open", async () => {
      const cluster = "started-then-panic";
      const panic = completed(); // derived: the apiserver panicking while the session ran, in place of its ResponseComplete
      panic.stage = "Panic";
      panic.responseStatus = { code: 500, status: "Failure", reason: "InternalError", message: "APIServer panic'd: boom", metadata: {} };
      await post(cluster, [started()]);
      await post(cluster, [panic]);
      const entries = await entriesOf(cluster);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ stage: "Panic", status_code: 500, details: { session: "closed", stage: "Panic" } });
      expect(entries[0]!.end_time.toISOString()).toBe("2018-10-26T14:05:12.250Z");
    });

    it("stores a refused exec, whose ResponseStarted and ResponseComplete both tell the refusal, as one failed entry, not open", async () => {
      const cluster = "refused";
      // Derived: RBAC refusing the recorded exec; kube-apiserver logs a long-running request's
      // ResponseStarted at its first status line, the 403 too.
      const refused = (stage: string) => {
        const event = stage === "ResponseStarted" ? started() : completed();
        event.responseStatus = { code: 403, status: "Failure", reason: "Forbidden", metadata: {} };
        return event;
      };
      await post(cluster, [refused("ResponseStarted")]);
      await post(cluster, [refused("ResponseComplete")]);
      const entries = await entriesOf(cluster);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ stage: "ResponseComplete", status_code: 403 });
      expect(entries[0]!.details.session).toBeUndefined();
    });

    it("still skips the ResponseStarted of a request that opens no session (a watch)", async () => {
      expect(await post("watch", [watchStarted()])).toMatchObject({ accepted: 1, skipped: 1, history: 0 });
      expect(await entriesOf("watch")).toEqual([]);
    });

    it("shows an open session on the object page as running to the range's end, and over the Jaeger API as open", async () => {
      const cluster = "shown-open";
      await post(cluster, [started()]);
      const podId = Number((await app.context.db.query<{ id: string }>(`SELECT o.id FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.name = $2`, [cluster, POD])).rows[0]!.id);
      const range = { startMicros: micros("2018-10-26T13:30:00Z"), endMicros: micros("2018-10-26T14:00:00Z") };
      const timeline = await loadTimeline(app.context.db, { id: podId, relations: "self", range }, { jaeger: JAEGER });
      expect(timeline!.rows[0]!.entries).toMatchObject([
        { mark: "connect", session: "open", title: "minikube-user create exec (open)", startMicros: micros("2018-10-26T13:38:34.867Z"), endMicros: range.endMicros },
      ]);

      const traceId = encodeTraceId({ rootObjectId: podId, relationMode: "self", displayMode: "tree", depth: 1, startSeconds: range.startMicros / 1e6, endSeconds: range.endMicros / 1e6 });
      const response = await fetch(`${app.url}/jaeger/api/traces/${traceId}`);
      expect(response.status).toBe(200);
      const trace = ((await response.json()) as { data: JaegerTrace[] }).data[0]!;
      const span = trace.spans.find((s) => s.tags.some((tag) => tag.key === ATTR.auditId && tag.value === AUDIT_ID))!;
      const tags = Object.fromEntries(span.tags.map((tag: JaegerKeyValue) => [tag.key, tag.value]));
      expect(tags).toMatchObject({ [ATTR.session]: "open", [ATTR.stage]: "ResponseStarted" });
      expect(tags[`${ATTR.detailPrefix}session`]).toBeUndefined();
      // Its end as known so far: when it opened (the stage's time; Dates keep milliseconds).
      expect(span.startTime).toBe(micros("2018-10-26T13:38:34.867Z"));
      expect(span.duration).toBe(micros("2018-10-26T13:38:34.902Z") - micros("2018-10-26T13:38:34.867Z"));
    });
  });
}

describe.each(STORE_KINDS)("OTLP export of an exec session on %s", (kind) => {
  let receiver: OtlpReceiver;
  let app: TestApp;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    app = await startTestApp(kind, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  const nanos = (timestamp: string) => BigInt(Date.parse(timestamp)) * 1_000_000n;
  const sessionSpans = () => receiver.spans.filter((span) => span.attributes[ATTR.auditId] === AUDIT_ID);

  it("exports the span open, ending where it is known to have run, and again, the same span, once it closes", async () => {
    expect((await app.postAudit(eventList([started()]), { cluster: "otlp" })).status).toBe(200);
    await app.context.traceExport!.flush();
    const [open, ...none] = sessionSpans();
    expect(none).toEqual([]);
    expect(open!.attributes).toMatchObject({ [ATTR.session]: "open", [ATTR.stage]: "ResponseStarted" });
    expect(open!.endTimeUnixNano).toBe(nanos("2018-10-26T13:38:34.902Z"));

    expect((await app.postAudit(eventList([completed()]), { cluster: "otlp" })).status).toBe(200);
    await app.context.traceExport!.flush();
    const [, closed, ...more] = sessionSpans();
    expect(more).toEqual([]);
    // The same span, as a receiver that keeps the latest of a span's versions shows it: closed.
    expect(closed!.spanId).toBe(open!.spanId);
    expect(closed!.attributes).toMatchObject({ [ATTR.session]: "closed", [ATTR.stage]: "ResponseComplete" });
    expect(closed!.endTimeUnixNano).toBe(nanos("2018-10-26T14:05:12.250Z"));
  });
});

describe("npm run import of a log with an exec session", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "kubetrail-sessions-"));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("closes the session's open entry when its ResponseComplete comes in a later batch", async () => {
    const file = path.join(dir, "audit.log");
    writeFileSync(file, [started(), completed()].map((event) => JSON.stringify(event)).join("\n") + "\n");
    const dataDir = path.join(dir, "data");
    // One event a batch: the closing stage is stored in a transaction after the opening one's.
    const result = await runImportScript("scripts/import.ts", { KUBETRAIL_DATA_DIR: dataDir }, [file, "--batch-size", "1"]);
    expect(result.stderr).not.toMatch(/^import:/m);
    expect(result.code).toBe(0);
    expect(summaryCount(result.stdout, "accepted")).toBe(2);
    const db = await openPglite(dataDir);
    try {
      const entries = await db.query<{ stage: string; end_time: Date; details: Record<string, unknown> }>(`SELECT stage, end_time, details FROM history_entries`);
      expect(entries.rows).toHaveLength(1);
      expect(entries.rows[0]).toMatchObject({ stage: "ResponseComplete", details: { session: "closed" } });
      expect(entries.rows[0]!.end_time.toISOString()).toBe("2018-10-26T14:05:12.250Z");
    } finally {
      await db.close();
    }
  });
});
