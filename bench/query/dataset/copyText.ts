/** PostgreSQL COPY's text format: tab-separated columns, `\N` for NULL, backslash escapes. */

export const COPY_NULL = "\\N";

/** `text` escaped for a COPY text-format column. */
export function copyText(text: string): string {
  return /[\\\n\r\t]/.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t")) : text;
}

/** A nullable column. */
export function copyValue(value: string | number | boolean | null): string {
  return value === null ? COPY_NULL : typeof value === "string" ? copyText(value) : String(value);
}

/** An RFC 3339 timestamp with microseconds, as timestamptz input (UTC). */
export function copyTimestamp(epochMicros: number): string {
  const ms = Math.floor(epochMicros / 1000);
  const micros = String(epochMicros - ms * 1000).padStart(3, "0");
  return new Date(ms).toISOString().replace("Z", `${micros}Z`);
}
