import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPExporterBase } from "@opentelemetry/otlp-exporter-base";
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from "@opentelemetry/otlp-exporter-base/node-http";
import { ProtobufTraceSerializer, TraceExporterMetricsHelper, type IExportTraceServiceResponse, type ISerializer } from "@opentelemetry/otlp-transformer";
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { committedEntryCount, type CommittedBatch } from "../../ingest/audit/ingest";
import type { Sql } from "../../store/database";
import { loadCommittedEntries } from "./committedEntries";
import { ExportedObjectSpans, spansOfCommittedEntries } from "./exportSpans";
import { urlForLogs, type OtlpExportConfig } from "./otelEnv";
import { ResourceCache } from "./readableSpan";

/**
 * Exports history as traces while it is ingested. The ingestor calls onCommitted after each
 * commit and goes on at once: the batch is read back and turned into spans in the background,
 * one batch at a time, and the SDK's BatchSpanProcessor sends them in batches through the
 * exporter. Everything waiting — batches not yet read, spans not yet sent — counts against one
 * bound (maxQueueSize spans); beyond it new spans are dropped, counted and reported in a
 * warning at once, then at most every WARNING_INTERVAL_MS (drops within it when it ends). Nothing here can fail or slow down ingestion.
 */

export interface TraceExportStats {
  /** Spans the exporter delivered. */
  exported: number;
  /** Spans given up: queue full, exporter failed, batch unreadable, refused by the receiver. */
  dropped: number;
}

export interface TraceExport {
  /** For the ingestor: a batch was committed. Returns at once; never throws. */
  onCommitted(batch: CommittedBatch): void;
  /** Resolves when everything committed so far has been sent (or given up). */
  flush(): Promise<void>;
  /** Flushes, then stops: later batches are ignored. */
  shutdown(): Promise<void>;
  stats(): TraceExportStats;
}

export interface TraceExportOptions {
  /** How many levels of ancestors a trace reaches, and so the depth its ID asks for: the query API's (KUBETRAIL_TRACE_MAX_DEPTH). */
  traceDepth: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMs: number;
  exportTimeoutMs: number;
  /** Where warnings go (dropped spans); never given header values. */
  log: (message: string) => void;
  /** Least time between two warnings; WARNING_INTERVAL_MS unless a test says otherwise. */
  warningIntervalMs?: number;
  /** Longest a shutdown waits for what is still being sent; SHUTDOWN_TIMEOUT_MS unless a test says otherwise. */
  shutdownTimeoutMs?: number;
}

export const WARNING_INTERVAL_MS = 10_000;

/**
 * A shutdown gives up on what is still being sent after this long: the server stops within 20
 * seconds (scripts/serve.mjs), and the database must still be closed after the export, which a
 * receiver that never answers (up to OTEL_EXPORTER_OTLP_TIMEOUT per request, and the reading
 * back of batches besides) would leave no time for. What is given up is counted and reported.
 */
export const SHUTDOWN_TIMEOUT_MS = 5_000;

/** The exporter's CompressionAlgorithm enum ("gzip" | "none"), named without importing its internal module. */
type ExporterCompression = NonNullable<Parameters<typeof convertLegacyHttpOptions>[0]["compression"]>;

/** An export the receiver accepted, and what of it the receiver refused (OTLP's partial success). */
export interface PartialExportResult extends ExportResult {
  refused?: { count: number; message: string };
}

/**
 * Trace export to the OTLP/HTTP (protobuf) endpoint of `config`: built from the parts that
 * @opentelemetry/exporter-trace-otlp-proto's OTLPTraceExporter is made of (that package is no
 * longer needed), except that the receiver's answer is read for a partial success: the SDK only
 * tells its diagnostic logger (off) about one, and the spans the receiver refused would count as
 * delivered.
 */
export function createOtlpTraceExport(sql: Sql, config: OtlpExportConfig & Pick<TraceExportOptions, "traceDepth">, log: (message: string) => void): TraceExport {
  let refused: PartialExportResult["refused"];
  const serializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
    serializeRequest: (spans) => ProtobufTraceSerializer.serializeRequest(spans),
    deserializeResponse(data) {
      const response = ProtobufTraceSerializer.deserializeResponse(data);
      const count = Number(response.partialSuccess?.rejectedSpans ?? 0);
      if (count > 0) refused = { count, message: response.partialSuccess?.errorMessage || "no reason given" };
      return response;
    },
  };
  const options = { url: config.tracesUrl, headers: config.headers, timeoutMillis: config.timeoutMs, compression: config.compression as ExporterCompression };
  const base = new OTLPExporterBase<ReadableSpan[]>(
    createOtlpHttpExportDelegate(
      convertLegacyHttpOptions(options, "TRACES", "v1/traces", { "Content-Type": "application/x-protobuf" }),
      serializer,
      "otlp_http_span_exporter",
      TraceExporterMetricsHelper,
      undefined,
    ),
  );
  const exporter: SpanExporter = {
    export(spans, done) {
      base.export(spans, (result) => {
        // The delegate decodes an answer and calls back in one go: what `refused` holds is this export's.
        const partial: PartialExportResult = refused && result.code === ExportResultCode.SUCCESS ? { ...result, refused } : result;
        refused = undefined;
        done(partial);
      });
    },
    shutdown: () => base.shutdown(),
    forceFlush: () => base.forceFlush(),
  };
  return createTraceExport(sql, exporter, { ...config, log: (message) => log(`OTLP export to ${urlForLogs(config.tracesUrl)}: ${message}`) });
}

/** Trace export through any SpanExporter (tests use an in-memory one). */
export function createTraceExport(sql: Sql, exporter: SpanExporter, options: TraceExportOptions): TraceExport {
  const stats: TraceExportStats = { exported: 0, dropped: 0 };
  /** Spans waiting: reserved for batches not yet read, then handed to the processor until their export ends. */
  let waiting = 0;
  let closed = false;
  /** Set when a shutdown gave up on what was still being sent, and counted it dropped. */
  let givenUp = false;
  let tail: Promise<void> = Promise.resolve();

  const unreported = new Map<string, number>();
  const warningIntervalMs = options.warningIntervalMs ?? WARNING_INTERVAL_MS;
  let lastWarning = Number.NEGATIVE_INFINITY;
  /** Set while drops wait for the interval to pass: they are reported then, not at the next drop, which may never come. */
  let warningTimer: NodeJS.Timeout | undefined;
  const exportedObjects = new ExportedObjectSpans();
  const drop = (count: number, reason: string, spans: ReadableSpan[] = []) => {
    if (count <= 0 || givenUp) return;
    // A dropped object span must go out again with the object's next entry.
    for (const span of spans) exportedObjects.forget(span.spanContext().traceId, span.spanContext().spanId);
    stats.dropped += count;
    unreported.set(reason, (unreported.get(reason) ?? 0) + count);
    const wait = lastWarning + warningIntervalMs - Date.now();
    if (wait <= 0) reportDrops();
    else warningTimer ??= setTimeout(reportDrops, wait).unref();
  };
  const reportDrops = () => {
    clearTimeout(warningTimer);
    warningTimer = undefined;
    if (unreported.size === 0) return;
    const reasons = [...unreported].map(([reason, count]) => `${count} (${reason})`).join(", ");
    const total = [...unreported.values()].reduce((a, b) => a + b, 0);
    options.log(`dropped ${total} span${total === 1 ? "" : "s"}: ${reasons}; ${stats.dropped} dropped since start`);
    unreported.clear();
    lastWarning = Date.now();
  };

  // Counts what the processor's exports deliver or lose, and knows which are still under way
  // (the processor's forceFlush doesn't wait for an export its timer started).
  const underWay = new Set<Promise<void>>();
  const counting: SpanExporter = {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      let settle = () => {};
      const settled = new Promise<void>((resolve) => (settle = resolve));
      underWay.add(settled);
      exporter.export(spans, (result) => {
        waiting -= spans.length;
        if (givenUp) {
          // Counted as dropped when the shutdown gave up on it.
        } else if (result.code === ExportResultCode.SUCCESS) {
          // Which spans a partial success refused, it doesn't say: object spans among them are not sent again.
          const refused = Math.min((result as PartialExportResult).refused?.count ?? 0, spans.length);
          stats.exported += spans.length - refused;
          drop(refused, `refused by the receiver: ${(result as PartialExportResult).refused?.message}`);
        } else drop(spans.length, `export failed: ${result.error?.message ?? "unknown error"}`, spans);
        underWay.delete(settled);
        settle();
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
  const processor = new BatchSpanProcessor(counting, {
    // Our own bound (`waiting`) is at most this, so the processor never drops silently.
    maxQueueSize: options.maxQueueSize,
    maxExportBatchSize: options.maxExportBatchSize,
    scheduledDelayMillis: options.scheduledDelayMs,
    exportTimeoutMillis: options.exportTimeoutMs,
  });
  const resources = new ResourceCache();

  const exportBatch = async (batch: CommittedBatch, reserved: number) => {
    let spans: ReadableSpan[];
    try {
      spans = spansOfCommittedEntries(await loadCommittedEntries(sql, batch, options.traceDepth), options.traceDepth, resources, exportedObjects);
    } catch (error) {
      waiting -= reserved;
      drop(reserved, `could not read the batch back: ${(error as Error).message}`);
      return;
    }
    waiting -= reserved;
    for (const span of spans) {
      if (waiting >= options.maxQueueSize) {
        drop(1, "queue full", [span]);
        continue;
      }
      waiting++;
      processor.onEnd(span);
    }
  };

  const flush = async (): Promise<void> => {
    await tail;
    // The processor hands its buffer over; the exporter then finishes the requests under way.
    // A failed export is already counted: flush itself never fails.
    await processor.forceFlush().catch(() => {});
    await counting.forceFlush?.().catch(() => {});
    // Bounded: an exporter that never answers must not hold up a shutdown.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.exportTimeoutMs)));
    await Promise.race([Promise.all([...underWay]), deadline]);
    clearTimeout(timer);
  };

  return {
    onCommitted(batch) {
      if (closed) return;
      const count = committedEntryCount(batch);
      if (count === 0) return;
      if (waiting + count > options.maxQueueSize) {
        drop(count, "queue full");
        return;
      }
      waiting += count;
      tail = tail.then(() => exportBatch(batch, count));
    },
    flush,
    async shutdown() {
      if (closed) return;
      closed = true;
      const finished = flush().then(() => processor.shutdown().catch(() => {}));
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        finished.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), options.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (gaveUp && waiting > 0) {
        stats.dropped += waiting;
        unreported.set("not sent before shutdown", (unreported.get("not sent before shutdown") ?? 0) + waiting);
        // Whatever still ends after this is not counted again.
        waiting = 0;
        givenUp = true;
      }
      reportDrops();
    },
    stats: () => ({ ...stats }),
  };
}
