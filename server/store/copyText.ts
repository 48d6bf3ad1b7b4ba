/**
 * Rows in the text format of Postgres's COPY: one line per row, columns separated by tabs,
 * `\N` for null, and backslash, newline, carriage return and tab escaped with a backslash.
 * https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2
 */

export type CopyValue = string | number | boolean | null;

const HAS_CONTROL = /[\n\r\t]/;
const ESCAPED = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * One column's value. JSON text from JSON.stringify holds no raw control characters, often
 * backslashes (JSON in annotations): those alone are doubled by a plain replaceAll, which on
 * the benchmark's rows costs two thirds of a replace calling back for each match.
 */
export function copyField(value: CopyValue): string {
  if (value === null) return "\\N";
  if (typeof value !== "string") return String(value);
  if (HAS_CONTROL.test(value)) return value.replace(ESCAPED, (c) => ESCAPES[c]!);
  return value.includes("\\") ? value.replaceAll("\\", "\\\\") : value;
}

/** One row, with its line end. */
export function copyRow(values: readonly CopyValue[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) line += (i === 0 ? "" : "\t") + copyField(values[i]!);
  return line + "\n";
}

/**
 * COPY text in pieces (whole rows each), as `Transaction.copyFrom` takes it. A piece is at most
 * about PIECE_CHARS long, unless a single row is longer.
 */
export type CopyText = readonly string[];

/**
 * Pieces stay well under the size from which V8 puts a string in its large-object space
 * (128 KB): each such string is fresh memory from the kernel, and on the VMs we measured,
 * making one costs about ten times what the same bytes in small strings do (page faults).
 * A batch's history rows come to hundreds of kilobytes.
 */
const PIECE_CHARS = 32 * 1024;

/** Builds COPY text row by row, in pieces (see CopyText). */
export class CopyTextBuilder {
  private readonly pieces: string[] = [];
  private current = "";
  private rowCount = 0;

  addRow(values: readonly CopyValue[]): void {
    this.current += copyRow(values);
    this.rowCount++;
    if (this.current.length >= PIECE_CHARS) {
      this.pieces.push(this.current);
      this.current = "";
    }
  }

  get rows(): number {
    return this.rowCount;
  }

  /** The text so far; the builder is then empty. */
  take(): CopyText {
    if (this.current !== "") this.pieces.push(this.current);
    const taken = this.pieces.splice(0);
    this.current = "";
    this.rowCount = 0;
    return taken;
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** `COPY table (columns) FROM STDIN` (or from `source`); names are checked, never quoted from input. */
export function copyStatement(table: string, columns: readonly string[], source = "STDIN"): string {
  for (const name of [table, ...columns]) if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: "${name}"`);
  return `COPY ${table} (${columns.join(", ")}) FROM ${source}`;
}
