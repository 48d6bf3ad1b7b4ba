/**
 * Rows in the text format of Postgres's COPY: one line per row, columns separated by tabs,
 * `\N` for null, and backslash, newline, carriage return and tab escaped with a backslash.
 * https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2
 */

export type CopyValue = string | number | boolean | null;

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPED = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One column's value. JSON text from JSON.stringify holds no raw control characters, only backslashes. */
export function copyField(value: CopyValue): string {
  if (value === null) return "\\N";
  if (typeof value !== "string") return String(value);
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, (c) => ESCAPES[c]!) : value;
}

/** One row, with its line end. */
export function copyRow(values: readonly CopyValue[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) line += (i === 0 ? "" : "\t") + copyField(values[i]!);
  return line + "\n";
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** `COPY table (columns) FROM STDIN` (or from `source`); names are checked, never quoted from input. */
export function copyStatement(table: string, columns: readonly string[], source = "STDIN"): string {
  for (const name of [table, ...columns]) if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: "${name}"`);
  return `COPY ${table} (${columns.join(", ")}) FROM ${source}`;
}
