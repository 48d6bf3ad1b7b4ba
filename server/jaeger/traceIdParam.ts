/**
 * Trace IDs as Jaeger's query service reads them from a URL (`TraceIDFromString` in
 * apiv3/http_gateway.go): 1 to 32 hex characters in any case (shorter ones are the low bits
 * of a 128-bit ID), or the 16 (or 8) bytes in standard or URL-safe base64, padded or not.
 */

const HEX = /^[0-9a-fA-F]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** The ID as 32 lowercase hex characters, or null when `text` is not a trace ID. */
export function normalizeTraceId(text: string): string | null {
  if (HEX.test(text)) return text.toLowerCase().padStart(32, "0");
  if (text.length > 24 || !BASE64.test(text)) return null;
  const bytes = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (bytes.length !== 16 && bytes.length !== 8) return null;
  // Buffer's decoder skips what it can't read; only a round trip proves the text was base64.
  if (bytes.toString("base64").replace(/=+$/, "") !== text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "")) return null;
  return bytes.toString("hex").padStart(32, "0");
}

/** Why `text` is not a trace ID, for a 400's message. */
export function traceIdProblem(text: string): string {
  if (text === "") return "empty trace ID";
  if (text.length > 32) return `trace ID cannot be longer than 32 hex characters: ${JSON.stringify(text)}`;
  return `not a trace ID (1 to 32 hex characters, or base64): ${JSON.stringify(text)}`;
}
