/**
 * The standard OpenTelemetry environment variables that configure trace export, read the way
 * the OpenTelemetry specification says (docs/otlp-export.md lists them). Export is on when an
 * OTLP endpoint is set; a wrong value stops start-up with a message naming the variable.
 */

export interface OtlpExportConfig {
  /** Where ExportTraceServiceRequests are POSTed, e.g. http://collector:4318/v1/traces. */
  tracesUrl: string;
  /** Extra request headers (usually credentials): never logged. */
  headers: Record<string, string>;
  /** How long one export request (with its retries) may take. */
  timeoutMs: number;
  compression: "gzip" | "none";
  /** Spans waiting to be sent; beyond, new spans are dropped and counted. */
  maxQueueSize: number;
  /** Spans per request. */
  maxExportBatchSize: number;
  /** Longest a span waits for its batch to fill before it is sent. */
  scheduledDelayMs: number;
  /** How long the batch processor waits for one export before it moves on. */
  exportTimeoutMs: number;
}

type Env = Record<string, string | undefined>;

/** First non-empty value among the variables, with the name it came from. */
function firstSet(env: Env, ...names: string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return null;
}

/**
 * A URL as logs and errors may show it: credentials in it (`user:password@`, which the exporter
 * sends as Basic authentication) and its query (a token, with some backends) left out.
 */
export function urlForLogs(url: string | URL): string {
  const shown = new URL(url);
  const credentials = shown.username !== "" || shown.password !== "";
  shown.username = "";
  shown.password = "";
  const query = shown.search !== "";
  shown.search = "";
  const text = shown.toString();
  return `${credentials ? text.replace("//", "//…@") : text}${query ? "?…" : ""}`;
}

function httpUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an http:// or https:// URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`${name} must be an http:// or https:// URL, got "${urlForLogs(url)}"`);
  return url;
}

/**
 * The traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else OTEL_EXPORTER_OTLP_ENDPOINT
 * with `v1/traces` appended to its path (the spec's rule for OTLP/HTTP).
 */
function tracesUrlOf(env: Env): string | null {
  const traces = firstSet(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (traces) return httpUrl(traces.name, traces.value).toString();
  const base = firstSet(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  if (!base) return null;
  const url = httpUrl(base.name, base.value);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/traces`;
  return url.toString();
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** `key1=value1,key2=value2` (W3C Baggage syntax, values percent-encoded), as the spec defines OTEL_EXPORTER_OTLP_HEADERS. */
export function parseOtlpHeaders(name: string, text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [index, item] of text.split(",").entries()) {
    if (item.trim() === "") continue;
    const eq = item.indexOf("=");
    const key = eq < 0 ? "" : item.slice(0, eq).trim();
    if (!HEADER_NAME.test(key)) throw new Error(`${name} item ${index + 1}: expected name=value`);
    let value: string;
    try {
      value = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      // The message never repeats the value: headers usually hold credentials.
      throw new Error(`${name} item ${index + 1} (${key}): the value is not valid percent-encoding`);
    }
    // What HTTP allows in a field value (RFC 9110): a line break would fail every request instead.
    if (!HEADER_VALUE.test(value)) throw new Error(`${name} item ${index + 1} (${key}): the value holds a character a header cannot (a control character such as a line break)`);
    headers[key.toLowerCase()] = value;
  }
  return headers;
}

function integer(env: Env, names: string[], fallback: number, min: number): number {
  const set = firstSet(env, ...names);
  if (!set) return fallback;
  const parsed = Number(set.value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new Error(`${set.name} must be ${min === 0 ? "a non-negative" : "a positive"} integer, got "${set.value}"`);
  }
  return parsed;
}

/** The trace export settings, or null when export is off (no endpoint, or the SDK disabled). */
export function parseOtlpExportEnv(env: Env): OtlpExportConfig | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return null;
  const exporter = firstSet(env, "OTEL_TRACES_EXPORTER");
  if (exporter?.value === "none") return null;
  const tracesUrl = tracesUrlOf(env);
  if (tracesUrl === null) return null;
  if (exporter && exporter.value !== "otlp") throw new Error(`${exporter.name}: only "otlp" (or "none") is supported, got "${exporter.value}"`);

  const protocol = firstSet(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
  if (protocol && protocol.value !== "http/protobuf") {
    throw new Error(`${protocol.name}: only "http/protobuf" is supported, got "${protocol.value}"`);
  }
  const compression = firstSet(env, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION");
  if (compression && compression.value !== "gzip" && compression.value !== "none") {
    throw new Error(`${compression.name} must be "gzip" or "none", got "${compression.value}"`);
  }

  // Signal-specific headers add to (and override) the general ones.
  const general = firstSet(env, "OTEL_EXPORTER_OTLP_HEADERS");
  const traces = firstSet(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS");
  const headers = {
    ...(general ? parseOtlpHeaders(general.name, general.value) : {}),
    ...(traces ? parseOtlpHeaders(traces.name, traces.value) : {}),
  };

  const maxQueueSize = integer(env, ["OTEL_BSP_MAX_QUEUE_SIZE"], 2048, 1);
  const maxExportBatchSize = integer(env, ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"], 512, 1);
  if (maxExportBatchSize > maxQueueSize) {
    throw new Error(`OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${maxExportBatchSize}) must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize})`);
  }
  return {
    tracesUrl,
    headers,
    timeoutMs: integer(env, ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"], 10_000, 1),
    compression: compression?.value === "gzip" ? "gzip" : "none",
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMs: integer(env, ["OTEL_BSP_SCHEDULE_DELAY"], 5_000, 0),
    exportTimeoutMs: integer(env, ["OTEL_BSP_EXPORT_TIMEOUT"], 30_000, 1),
  };
}
