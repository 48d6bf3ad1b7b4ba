import { StringDecoder } from "node:string_decoder";
import { parseDocument } from "yaml";
import type { JsonStreamItem } from "../auditFile/concatenatedJson";

/**
 * Reads YAML holding Kubernetes Events as it streams in: `kubectl get events -o yaml`, a
 * must-gather's `events.yaml`, several documents separated by `---` (a YAML watch), in any mix.
 *
 * Parsing a whole list with the `yaml` package takes about 50 times its size in memory (a 14 MB
 * list, 660 MB), so a list is cut into its items by lines and each item parsed alone. That is
 * safe because of where YAML lets a line start: a document marker (`---`, `...`) only at column
 * 0 and never inside content; a top-level key (`items:`) at column 0, since anything nested is
 * indented; and the items of a block sequence each at its one indentation, with `- `, their
 * content further in (kubectl writes `items:` at column 0 and its items at column 0 too, yq
 * indents them). A document without such an `items:` list is parsed whole. Every value comes out
 * with the line it starts on (1-based); an item or document that is not YAML comes out as an
 * error at that line, naming the line of the parser's complaint, and the rest is read on.
 *
 * Times stay strings: the YAML 1.2 core schema (the package's default) reads no timestamps, as
 * the API serves them. Anchors and aliases reach only within one item (kubectl writes none).
 */
export class YamlEventScanner {
  private readonly decoder = new StringDecoder("utf8");
  /** The text after the last line break read, in pieces (a long line may come in many chunks). */
  private partial: string[] = [];
  /** The 1-based number of the next line. */
  private lineNumber = 1;

  /** The current document's lines other than its items', with their line numbers. */
  private docLines: string[] = [];
  private docLineNumbers: number[] = [];
  private mode: "document" | "awaitingItems" | "items" = "document";
  /** Whether the current document's items were cut out of it (then its other lines are only the list's own fields). */
  private itemsCut = false;
  /** The items' indentation, and the list's apiVersion, once the first item shows it. */
  private itemIndent = 0;
  private listApiVersion: string | undefined = undefined;
  private item: { lines: string[]; line: number } | null = null;

  constructor(private readonly emit: (item: JsonStreamItem) => void) {}

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
      this.partial.push(text.slice(start, end));
      this.readLine(this.partial.join(""));
      this.partial = [];
      start = end + 1;
    }
    if (start < text.length) this.partial.push(text.slice(start));
  }

  /** The input ended: the last line and document are read. */
  end(): void {
    this.partial.push(this.decoder.end());
    const rest = this.partial.join("");
    this.partial = [];
    if (rest !== "") this.readLine(rest);
    this.finishDocument();
  }

  /**
   * Reports that the input broke off (a damaged .gz file) at the line where the value being read
   * began: a YAML value cut short may still parse, so it is not read.
   */
  fail(reason: string, detail: string): void {
    const line = this.item?.line ?? this.docLineNumbers.find((_, i) => !isBlankOrComment(this.docLines[i]!)) ?? this.lineNumber;
    this.item = null;
    this.docLines = [];
    this.docLineNumbers = [];
    this.emit({ line, error: `line ${line}: ${reason}${detail}`, reason });
  }

  private readLine(text: string): void {
    const number = this.lineNumber++;
    // Windows line ends: YAML reads CR LF as a line break, and the CR alone at a document's end as an error.
    const line = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (DOCUMENT_MARKER.test(line)) {
      this.finishDocument();
      // `--- {…}`: a document may begin on its marker's line; `...` only ends one.
      if (line.startsWith("---")) this.addDocumentLine(line, number);
      return;
    }
    if (this.mode === "items") {
      const indent = indentOf(line);
      if (indent === this.itemIndent && isSequenceEntry(line, indent)) {
        this.finishItem();
        this.item = { lines: [line], line: number };
      } else if (indent <= this.itemIndent && MAPPING_KEY.test(line)) {
        // A key beside `items:` (kubectl's `kind: List` after them): the list's items are over.
        this.finishItem();
        this.mode = "document";
        this.addDocumentLine(line, number);
      } else {
        // The item's content; or a broken line, which then costs only the item it is in.
        this.item?.lines.push(line);
      }
      return;
    }
    if (this.mode === "awaitingItems" && !isBlankOrComment(line)) {
      const indent = indentOf(line);
      if (isSequenceEntry(line, indent)) {
        this.mode = "items";
        this.itemsCut = true;
        this.itemIndent = indent;
        this.listApiVersion = apiVersionOf(this.docLines.join("\n"));
        this.item = { lines: [line], line: number };
        return;
      }
      // `items:` with a mapping, or nothing, under it: the document is read whole.
      this.mode = "document";
    }
    this.addDocumentLine(line, number);
    if (this.mode === "document" && !this.itemsCut && ITEMS_KEY.test(line)) this.mode = "awaitingItems";
  }

  private addDocumentLine(raw: string, number: number): void {
    this.docLines.push(raw);
    this.docLineNumbers.push(number);
  }

  private finishItem(): void {
    const item = this.item;
    if (item === null) return;
    this.item = null;
    const parsed = parseYamlLines(item.lines);
    if (!parsed.ok) {
      this.emitError(item.line, item.line + parsed.lineOffset, parsed.message);
      return;
    }
    // The item's text is a sequence of one: the item.
    const raw = Array.isArray(parsed.value) && parsed.value.length === 1 ? parsed.value[0] : parsed.value;
    this.emit(this.listApiVersion === undefined ? { line: item.line, raw } : { line: item.line, raw, listApiVersion: this.listApiVersion });
  }

  private finishDocument(): void {
    this.finishItem();
    const lines = this.docLines;
    const numbers = this.docLineNumbers;
    const itemsCut = this.itemsCut;
    this.docLines = [];
    this.docLineNumbers = [];
    this.mode = "document";
    this.itemsCut = false;
    this.listApiVersion = undefined;
    const first = lines.findIndex((line) => !isBlankOrComment(line) && !line.startsWith("%") && !/^---\s*(#.*)?$/.test(line.trimEnd()));
    if (first < 0) return; // Nothing but comments (or a lone `---`): no document.
    const parsed = parseYamlLines(lines);
    if (!parsed.ok) {
      this.emitError(numbers[first]!, numbers[Math.min(parsed.lineOffset, numbers.length - 1)]!, parsed.message);
      return;
    }
    // With its items read one by one, the rest of a list is only its own fields.
    if (!itemsCut) this.emit({ line: numbers[first]!, raw: parsed.value });
  }

  /** A value from `line` on that is not YAML: the error says where the parser found out. */
  private emitError(line: number, errorLine: number, message: string): void {
    this.emit({ line, error: `line ${errorLine}: ${message}`, reason: "invalid YAML" });
  }
}

const DOCUMENT_MARKER = /^(---|\.\.\.)(\s|$)/;
/** A top-level `items:` key with nothing after it on its line (a comment at most). */
const ITEMS_KEY = /^items:\s*(#.*)?$/;
/** A line that starts a mapping's entry: a plain or quoted key, then `:` and a space or the line's end. */
const MAPPING_KEY = /^ *(?:[^\s#'"\-?:,[\]{}|>!&*%@`][^:#]*|"[^"]*"|'[^']*'):(?:\s|$)/;
/** Longest message of the YAML parser kept. */
const MAX_MESSAGE_CHARS = 200;

function isBlankOrComment(line: string): boolean {
  const text = line.trim();
  return text === "" || text.startsWith("#");
}

function indentOf(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === 0x20) n++;
  return n;
}

/** `- value` or a lone `-` at `indent`. */
function isSequenceEntry(line: string, indent: number): boolean {
  return line[indent] === "-" && (line.length === indent + 1 || line[indent + 1] === " " || line[indent + 1] === "\t");
}

/** The apiVersion of a list's fields read before its items, or undefined. */
function apiVersionOf(head: string): string | undefined {
  const parsed = parseYaml(head);
  if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null) return undefined;
  const { apiVersion } = parsed.value as { apiVersion?: unknown };
  return typeof apiVersion === "string" ? apiVersion : undefined;
}

type ParsedYaml = { ok: true; value: unknown } | { ok: false; lineOffset: number; message: string };

/** One YAML document's value; on an error, its message and on which line of `text` (0-based) it is. */
export function parseYaml(text: string): ParsedYaml {
  const doc = parseDocument(text, { version: "1.2", schema: "core", prettyErrors: false });
  const error = doc.errors[0];
  if (error) return { ok: false, lineOffset: linesBefore(text, error.pos[0]), message: shortMessage(error.message) };
  try {
    return { ok: true, value: doc.toJS() };
  } catch (thrown) {
    // Too many aliases (the package's guard against a billion laughs), or one to nothing.
    return { ok: false, lineOffset: 0, message: shortMessage((thrown as Error).message) };
  }
}

function parseYamlLines(lines: string[]): ParsedYaml {
  let text: string;
  try {
    text = lines.join("\n");
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return { ok: false, lineOffset: 0, message: "a document too large to read whole (longer than the longest string JavaScript holds): split it, or write it as JSON" };
  }
  return parseYaml(text);
}

function linesBefore(text: string, offset: number): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function shortMessage(message: string): string {
  const line = message.split("\n", 1)[0]!;
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS)}…` : line;
}
