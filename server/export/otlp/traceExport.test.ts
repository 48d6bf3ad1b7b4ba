import { describe, expect, it } from "vitest";
import { SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Sql } from "../../store/database";
import { OBJECTS_SQL, PARENTS_SQL } from "../../query/trace/assemble";
import type { TraceEntry, TraceObject } from "../../query/trace/assembled";
import type { EpochMicros } from "../../query/trace/types";
import { COMMITTED_ENTRIES_SQL, type CommittedEntry } from "./committedEntries";
import { ExportedObjectSpans, spansOfCommittedEntries } from "./exportSpans";
import { decodeTraceId } from "../../query/trace/traceId";
import { exportedTraceId, objectSpanId } from "./ids";
import { hrTimeOfMicros, ResourceCache } from "./readableSpan";
import { createTraceExport } from "./traceExport";

const µs = (iso: string) => (Date.parse(iso) * 1000) as EpochMicros;

function object(id: number, kind: string, resource: string, apiGroup: string, name: string): TraceObject {
  return { id, cluster: "prod", apiGroup, apiVersion: "v1", resource, kind, namespace: "web", name, uid: `uid-${id}`, firstSeen: µs("2024-05-01T10:00:00Z"), lastSeen: µs("2024-05-01T12:00:00Z"), deletedAt: null };
}

function entry(id: number, objectId: number, at: string, statusCode = 200): TraceEntry {
  return {
    id,
    objectId,
    source: "audit",
    start: µs(at),
    end: (µs(at) + 4_000) as EpochMicros,
    actor: "system:node:node-1",
    verb: "patch",
    subresource: "status",
    statusCode,
    title: statusCode === 200 ? "system:node:node-1 patch status" : "system:node:node-1 patch status (Conflict)",
    auditId: `audit-${id}`,
    stage: "ResponseComplete",
    userAgent: "kubelet/v1.30.0",
    details: statusCode === 200 ? {} : { failure: { reason: "Conflict", message: "the object has been modified" } },
    diff: [{ path: "status.phase", old: "Pending", new: "Running" }],
    snapshot: null,
    noop: false,
  };
}

const deployment = object(1, "Deployment", "deployments", "apps", "web");
const replicaSet = object(2, "ReplicaSet", "replicasets", "apps", "web-5d8f");
const podA = object(3, "Pod", "pods", "", "web-5d8f-aaaaa");
const podB = object(4, "Pod", "pods", "", "web-5d8f-bbbbb");
const line = (pod: TraceObject) => [pod, replicaSet, deployment];
const relations = ["controller-owner", "controller-owner"];
/** The depth of the exported traces (KUBETRAIL_TRACE_MAX_DEPTH's default). */
const DEPTH = 10;

describe("spansOfCommittedEntries", () => {
  it("hangs each entry under its object, each object under its parent, in the trace of the topmost one for the day", () => {
    const resources = new ResourceCache();
    const exported = new ExportedObjectSpans();
    // Audit timestamps carry microseconds; a JS Date would not.
    const first: CommittedEntry[] = [{ entry: { ...entry(10, podA.id, "2024-05-01T12:00:00Z"), start: (µs("2024-05-01T12:00:00.123Z") + 456) as EpochMicros }, line: line(podA), relations }];
    const spans = spansOfCommittedEntries(first, DEPTH, resources, exported);
    const traceId = exportedTraceId(deployment.id, { startSeconds: µs("2024-05-01T00:00:00Z") / 1e6, endSeconds: µs("2024-05-02T00:00:00Z") / 1e6 }, DEPTH);
    expect(decodeTraceId(traceId)).toMatchObject({ rootObjectId: deployment.id, relationMode: "descendants", displayMode: "tree", depth: DEPTH });
    expect(spans.map((s) => [s.name, s.spanContext().spanId, s.parentSpanContext?.spanId ?? null, s.resource.attributes["service.name"]])).toEqual([
      ["web/web (cluster prod)", objectSpanId(traceId, deployment.id), null, "Deployment"],
      ["web/web-5d8f", objectSpanId(traceId, replicaSet.id), objectSpanId(traceId, deployment.id), "ReplicaSet"],
      ["web/web-5d8f-aaaaa", objectSpanId(traceId, podA.id), objectSpanId(traceId, replicaSet.id), "Pod"],
      ["system:node:node-1 patch status", expect.stringMatching(/^[0-9a-f]{16}$/), objectSpanId(traceId, podA.id), "Pod"],
    ]);
    for (const span of spans) expect(span.spanContext().traceId).toBe(traceId);
    const [root, , pod, entrySpan] = spans;
    expect(root!.startTime).toEqual([µs("2024-05-01T00:00:00Z") / 1e6, 0]);
    expect(root!.endTime).toEqual([µs("2024-05-02T00:00:00Z") / 1e6, 0]);
    expect(pod!.attributes).toMatchObject({ kind: "Pod", relation: "controller-owner", cluster: "prod" });
    expect(entrySpan!.startTime).toEqual(hrTimeOfMicros(µs("2024-05-01T12:00:00.123Z") + 456));
    expect(entrySpan!.startTime).toEqual([µs("2024-05-01T12:00:00Z") / 1e6, 123_456_000]);
    expect(entrySpan!.attributes).toMatchObject({ user: "system:node:node-1", diff: "status.phase Pending -> Running", auditID: "audit-10" });
    // Spans of one kind and cluster share their Resource: the OTLP serializer groups by identity.
    expect(entrySpan!.resource).toBe(pod!.resource);

    // The next entries of the day: their objects' spans only when new, the same IDs throughout.
    const second = spansOfCommittedEntries(
      [
        { entry: entry(11, podA.id, "2024-05-01T12:05:00Z", 409), line: line(podA), relations },
        { entry: entry(12, podB.id, "2024-05-01T12:06:00Z"), line: line(podB), relations },
      ],
      DEPTH,
      resources,
      exported,
    );
    expect(second.map((s) => s.name)).toEqual(["system:node:node-1 patch status (Conflict)", "web/web-5d8f-bbbbb", "system:node:node-1 patch status"]);
    expect(second[0]!.status).toEqual({ code: SpanStatusCode.ERROR, message: "Conflict: the object has been modified" });
    expect(second[0]!.parentSpanContext?.spanId).toBe(objectSpanId(traceId, podA.id));
    expect(second[1]!.parentSpanContext?.spanId).toBe(objectSpanId(traceId, replicaSet.id));
    expect(second[2]!.status).toEqual({ code: SpanStatusCode.UNSET });

    // Another day is another trace.
    const nextDay = spansOfCommittedEntries([{ entry: entry(13, podA.id, "2024-05-02T00:00:01Z"), line: line(podA), relations }], DEPTH, resources, exported);
    expect(nextDay).toHaveLength(4);
    expect(nextDay[0]!.spanContext().traceId).not.toBe(traceId);
  });
});

/** A store that holds one committed Pod entry, with no relations. */
function fakeStore(entries: TraceEntry[]): Sql {
  return {
    async query<Row>(text: string) {
      const rows: unknown[] = text === COMMITTED_ENTRIES_SQL ? entries : text === OBJECTS_SQL ? [podA] : text === PARENTS_SQL ? [] : [];
      if (![COMMITTED_ENTRIES_SQL, OBJECTS_SQL, PARENTS_SQL].includes(text)) throw new Error(`unexpected SQL ${text}`);
      return { rows: rows as Row[], rowCount: rows.length };
    },
  };
}

const batchOf = (entries: TraceEntry[]) => ({ clusterId: 1, cluster: "prod", historyEntries: entries.map((e) => ({ auditId: e.auditId!, stage: e.stage!, startTime: new Date(e.start / 1000) })) });

describe("createTraceExport", () => {
  const options = { traceDepth: DEPTH, maxExportBatchSize: 2, scheduledDelayMs: 60_000, exportTimeoutMs: 1_000 };

  it("exports in the background and delivers everything on flush", async () => {
    const exporter = new InMemorySpanExporter();
    const entries = [entry(1, podA.id, "2024-05-01T12:00:00Z"), entry(2, podA.id, "2024-05-01T12:01:00Z"), entry(3, podA.id, "2024-05-01T12:02:00Z")];
    const traceExport = createTraceExport(fakeStore(entries), exporter, { ...options, maxQueueSize: 100, log: () => {} });
    traceExport.onCommitted(batchOf(entries));
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await traceExport.flush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["web/web-5d8f-aaaaa (cluster prod)", ...entries.map((e) => e.title)]);
    expect(traceExport.stats()).toEqual({ exported: 4, dropped: 0 });
    await traceExport.shutdown();
  });

  it("drops what does not fit in the queue, counts it and says so", async () => {
    const exporter = new InMemorySpanExporter();
    const logs: string[] = [];
    const entries = [entry(1, podA.id, "2024-05-01T12:00:00Z"), entry(2, podA.id, "2024-05-01T12:01:00Z")];
    const traceExport = createTraceExport(fakeStore(entries), exporter, { ...options, maxQueueSize: 2, log: (m) => logs.push(m) });
    traceExport.onCommitted(batchOf(entries));
    // The first batch holds the whole queue until it is read: the second does not fit.
    traceExport.onCommitted(batchOf(entries));
    await traceExport.flush();
    expect(traceExport.stats()).toEqual({ exported: 2, dropped: 3 });
    expect(logs).toEqual(["dropped 2 spans: 2 (queue full); 2 dropped since start"]);
    await traceExport.shutdown();
    // The rest is reported when the export stops, rather than waiting for the next warning.
    expect(logs).toEqual(["dropped 2 spans: 2 (queue full); 2 dropped since start", "dropped 1 span: 1 (queue full); 3 dropped since start"]);
  });

  it("reports drops made within the warning interval once it ends, without waiting for another drop", async () => {
    const exporter = new InMemorySpanExporter();
    const logs: string[] = [];
    const entries = [entry(1, podA.id, "2024-05-01T12:00:00Z"), entry(2, podA.id, "2024-05-01T12:01:00Z")];
    const traceExport = createTraceExport(fakeStore(entries), exporter, { ...options, maxQueueSize: 2, warningIntervalMs: 50, log: (m) => logs.push(m) });
    traceExport.onCommitted(batchOf(entries));
    // A burst: the first drop is reported at once, the next ones within the interval are not yet.
    traceExport.onCommitted(batchOf(entries));
    traceExport.onCommitted(batchOf(entries));
    expect(logs).toEqual(["dropped 2 spans: 2 (queue full); 2 dropped since start"]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    // The third batch, and one span of the first: its object's, for which the queue had no room.
    expect(logs).toEqual(["dropped 2 spans: 2 (queue full); 2 dropped since start", "dropped 3 spans: 3 (queue full); 5 dropped since start"]);
    await traceExport.shutdown();
  });

  it("gives up, counts and reports what a receiver that never answers still holds when the export shuts down", async () => {
    // An exporter whose requests never come back: a collector that accepts connections and hangs.
    const hanging: SpanExporter = { export: () => {}, shutdown: async () => {} };
    const logs: string[] = [];
    const entries = [entry(1, podA.id, "2024-05-01T12:00:00Z"), entry(2, podA.id, "2024-05-01T12:01:00Z"), entry(3, podA.id, "2024-05-01T12:02:00Z")];
    // Its own timeouts far beyond the test's: only the shutdown's bound can end the wait.
    const traceExport = createTraceExport(fakeStore(entries), hanging, { ...options, exportTimeoutMs: 600_000, maxQueueSize: 100, shutdownTimeoutMs: 100, log: (m) => logs.push(m) });
    traceExport.onCommitted(batchOf(entries));
    await traceExport.shutdown();
    expect(traceExport.stats()).toEqual({ exported: 0, dropped: 4 });
    expect(logs).toEqual(["dropped 4 spans: 4 (not sent before shutdown); 4 dropped since start"]);
  });

  it("gives up a batch it cannot read back, and ignores batches after shutdown", async () => {
    const exporter = new InMemorySpanExporter();
    const broken: Sql = { query: () => Promise.reject(new Error("connection terminated")) };
    const logs: string[] = [];
    const traceExport = createTraceExport(broken, exporter, { ...options, maxQueueSize: 10, log: (m) => logs.push(m) });
    traceExport.onCommitted(batchOf([entry(1, podA.id, "2024-05-01T12:00:00Z")]));
    await traceExport.flush();
    expect(traceExport.stats()).toEqual({ exported: 0, dropped: 1 });
    expect(logs).toEqual(["dropped 1 span: 1 (could not read the batch back: connection terminated); 1 dropped since start"]);
    await traceExport.shutdown();
    traceExport.onCommitted(batchOf([entry(2, podA.id, "2024-05-01T12:00:00Z")]));
    await traceExport.flush();
    expect(traceExport.stats()).toEqual({ exported: 0, dropped: 1 });
  });
});
