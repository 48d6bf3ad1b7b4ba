import http from "node:http";
import { createRequire } from "node:module";
import zlib from "node:zlib";
import type { AddressInfo } from "node:net";

/**
 * An OTLP/HTTP trace receiver for tests, as a collector (or Jaeger, Tempo) serves it: a real
 * HTTP server on loopback taking `POST /v1/traces` with `Content-Type: application/x-protobuf`
 * (gzip or not), decoding each ExportTraceServiceRequest with the protobuf code that
 * @opentelemetry/otlp-transformer generated from the official opentelemetry-proto files.
 * That code is the package's `generated/root.js` up to 0.216.0 (later versions serialize by
 * hand and ship no decoder), installed as the dev dependency `otlp-transformer-protobufjs`.
 */

// The generated module is CommonJS and typed only as a protobufjs Root; we use its static classes.
const require = createRequire(import.meta.url);
const root = require("otlp-transformer-protobufjs/build/src/generated/root.js") as GeneratedRoot;
const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1;

interface MessageType {
  decode(data: Uint8Array): unknown;
  encode(message: object): { finish(): Uint8Array };
  toObject(message: unknown, options: Record<string, unknown>): unknown;
}

interface GeneratedRoot {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: MessageType; ExportTraceServiceResponse: MessageType } } } } };
}

/** ExportTraceServiceRequest as toObject gives it with the options below: 64-bit integers as decimal strings, bytes as base64. */
interface WireAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: WireAnyValue[] };
  kvlistValue?: { values?: WireKeyValue[] };
  bytesValue?: string;
}
interface WireKeyValue {
  key: string;
  value?: WireAnyValue;
}
interface WireSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: WireKeyValue[];
  events?: Array<{ timeUnixNano: string; name: string; attributes?: WireKeyValue[] }>;
  links?: Array<{ traceId: string; spanId: string; attributes?: WireKeyValue[] }>;
  status?: { code?: number; message?: string };
}
interface WireRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: WireKeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string; version?: string }; spans?: WireSpan[] }>;
  }>;
}

export type ReceivedValue = string | number | boolean | bigint | null | ReceivedValue[] | { [key: string]: ReceivedValue };

/** A decoded span with its resource and scope: IDs as lowercase hex, times as nanosecond bigints. */
export interface ReceivedSpan {
  resource: Record<string, ReceivedValue>;
  scope: string;
  traceId: string;
  spanId: string;
  /** null for a root span. */
  parentSpanId: string | null;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, ReceivedValue>;
  events: Array<{ timeUnixNano: bigint; name: string; attributes: Record<string, ReceivedValue> }>;
  links: Array<{ traceId: string; spanId: string; attributes: Record<string, ReceivedValue> }>;
  /** OTLP's StatusCode: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
}

export interface ReceivedRequest {
  contentType: string | undefined;
  contentEncoding: string | undefined;
  headers: http.IncomingHttpHeaders;
  spanCount: number;
}

export interface OtlpReceiver {
  /** The base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it: http://127.0.0.1:<port> */
  endpoint: string;
  /** Every span accepted so far, in arrival order. */
  spans: ReceivedSpan[];
  /** Every request answered 200. */
  requests: ReceivedRequest[];
  /** Requests answered with a failure status (see failWith). */
  refused: number;
  /** Answer every later request with this status (e.g. 503) without keeping its spans; null: accept again. */
  failWith(status: number | null): void;
  /** Answer every later request 200 with a partial success refusing this many of its spans (null: full success); the spans are kept. */
  rejectSpans(partial: { count: number; message: string } | null): void;
  close(): Promise<void>;
}

const hexOfBase64 = (text: string) => Buffer.from(text, "base64").toString("hex");

function valueOf(value: WireAnyValue | undefined): ReceivedValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return BigInt(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.kvlistValue) return attributesOf(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return hexOfBase64(value.bytesValue);
  return null;
}

function attributesOf(list: WireKeyValue[] | undefined): Record<string, ReceivedValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

/** Decodes an ExportTraceServiceRequest body into spans. */
export function decodeExportTraceServiceRequest(body: Uint8Array): ReceivedSpan[] {
  const message = ExportTraceServiceRequest.decode(body);
  const request = ExportTraceServiceRequest.toObject(message, { longs: String, bytes: String, enums: Number, oneofs: false }) as WireRequest;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const parent = span.parentSpanId ? hexOfBase64(span.parentSpanId) : "";
        spans.push({
          resource,
          scope: scopeSpans.scope?.name ?? "",
          traceId: hexOfBase64(span.traceId),
          spanId: hexOfBase64(span.spanId),
          parentSpanId: parent === "" ? null : parent,
          name: span.name,
          kind: span.kind ?? 0,
          startTimeUnixNano: BigInt(span.startTimeUnixNano ?? "0"),
          endTimeUnixNano: BigInt(span.endTimeUnixNano ?? "0"),
          attributes: attributesOf(span.attributes),
          events: (span.events ?? []).map((event) => ({ timeUnixNano: BigInt(event.timeUnixNano ?? "0"), name: event.name, attributes: attributesOf(event.attributes) })),
          links: (span.links ?? []).map((link) => ({ traceId: hexOfBase64(link.traceId), spanId: hexOfBase64(link.spanId), attributes: attributesOf(link.attributes) })),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? "" },
        });
      }
    }
  }
  return spans;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let failure: number | null = null;
  let partial: { count: number; message: string } | null = null;
  const receiver: Omit<OtlpReceiver, "endpoint" | "close"> = {
    spans: [],
    requests: [],
    refused: 0,
    failWith: (status) => void (failure = status),
    rejectSpans: (rejected) => void (partial = rejected),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const reply = (status: number, body: Uint8Array | string = "", contentType = "text/plain") =>
        void res.writeHead(status, { "content-type": contentType }).end(Buffer.from(body));
      if (req.method !== "POST" || req.url !== "/v1/traces") return reply(404, "not found");
      if (failure !== null) {
        receiver.refused++;
        return reply(failure, "refused by the test");
      }
      const contentType = req.headers["content-type"];
      if (contentType !== "application/x-protobuf") return reply(415, `expected application/x-protobuf, got ${contentType}`);
      let spans: ReceivedSpan[];
      try {
        const raw = Buffer.concat(chunks);
        spans = decodeExportTraceServiceRequest(req.headers["content-encoding"] === "gzip" ? zlib.gunzipSync(raw) : raw);
      } catch (error) {
        return reply(400, `not an ExportTraceServiceRequest: ${(error as Error).message}`);
      }
      receiver.spans.push(...spans);
      receiver.requests.push({ contentType, contentEncoding: req.headers["content-encoding"], headers: req.headers, spanCount: spans.length });
      const response = partial ? { partialSuccess: { rejectedSpans: partial.count, errorMessage: partial.message } } : {};
      reply(200, ExportTraceServiceResponse.encode(response).finish(), "application/x-protobuf");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
