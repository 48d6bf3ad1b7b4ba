/**
 * Reads a stream of concatenated JSON values — audit Events one per line (JSON lines),
 * pretty-printed Events, EventLists compact, one per line or pretty-printed, JSON arrays of
 * Events — in any order and mix, and hands out the events one by one: a list's items as they
 * are read, never the whole list held. Only strings, escapes and brackets are followed here;
 * each event's text is then checked by JSON.parse. Works on bytes, so a chunk may end anywhere,
 * even inside a multi-byte UTF-8 character.
 *
 * Damage stays where it is. A value written on one line (text follows its opening bracket on
 * that line, as in JSON lines) ends where its line does when the line breaks inside a string
 * (JSON allows no line break there) or the next line starts with a bracket other than as the
 * next item of its list (`[{…},` then an event per line): a line cut short costs only itself. In any value, a bracket that starts a line where JSON allows no value to
 * begin (after a complete value, or where a key is due) means the value before it was cut short
 * at the end of the line before; in a list written over several lines, that costs only the item.
 * There a line break inside a string ends the string (the text was cut on that line), so that
 * the quotes after a cut are not read the wrong way round, taking every value after it along.
 * Text between values that starts none is reported and skipped to the end of its line; a UTF-8
 * byte order mark there is skipped, as files concatenated may each start with one.
 */

import { LF, CR, SPACE, TAB, QUOTE, BACKSLASH, COMMA, COLON, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } from "../jsonBytes";

/**
 * One event read, or why some text could not be read: `error` says where (the line and byte
 * offset where the broken value or item starts) and why in full; `reason` is the short cause
 * alone (e.g. "invalid JSON"), the same for all alike items. `line` is the 1-based line on which
 * the event's (or the broken text's) JSON starts. `listApiVersion`: an item's list's apiVersion,
 * when the list gave one (before its items, when they are read one by one), for items that
 * leave theirs out, as the API's lists do.
 */
export type JsonStreamItem = { line: number; raw: unknown; listApiVersion?: string } | { line: number; error: string; reason: string };

/** Takes an item and how many bytes of JSON text it stood for (for batch sizes). */
export type Emit = (item: JsonStreamItem, textBytes: number) => void;

/** Reason texts are shown to people: a parser message is cut to this length. */
const MAX_MESSAGE_CHARS = 200;
/** How much of a stretch of text that starts no JSON value is quoted in its error. */
const MAX_QUOTED_BYTES = 32;

const ITEMS_KEY = Buffer.from("items");
/** A UTF-8 byte order mark: between values it is the start of a file concatenated to the one before (`cat a.json b.json`), skipped like white space. */
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Container types, kept for the innermost levels only: deeper ones read as unknown (0). */
const OBJECT = 1;
const ARRAY = 2;
const MAX_TRACKED_DEPTH = 256;

/** Which "written on one line?" question the next byte answers (a newline: no; text: yes). */
const DECIDE_VALUE = 1;
const DECIDE_LIST = 2;
const DECIDE_ITEM = 4;

type ScanState =
  /** Between values. */
  | "top"
  /** Inside a top-level object that has not (yet) shown an `items` array: an Event, read whole. */
  | "object"
  /** Inside an `items` array: an EventList's, or a top-level array's. */
  | "items"
  /** Inside an EventList after its items: skipped. */
  | "tail"
  /** Text that starts no JSON value: skipped to the end of its line. */
  | "garbage";

/** A growing byte sequence kept as pieces; gives up (and frees them) past a size limit. */
class ByteCollector {
  private pieces: Buffer[] = [];
  length = 0;
  oversized = false;

  constructor(private readonly limit: number) {}

  /** Adds bytes that stay valid only until the next chunk arrives: they are copied. */
  add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.length += bytes.length;
    if (this.oversized) return;
    if (this.length > this.limit) {
      this.oversized = true;
      this.pieces = [];
      return;
    }
    this.pieces.push(Buffer.from(bytes));
  }

  get heldBytes(): number {
    return this.oversized ? 0 : this.length;
  }

  /** The collected bytes plus `tail`; empties the collector. */
  finish(tail: Buffer): Buffer {
    const all = this.pieces.length === 0 ? tail : Buffer.concat([...this.pieces, tail]);
    this.reset();
    return all;
  }

  reset(): void {
    this.pieces = [];
    this.length = 0;
    this.oversized = false;
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
}

/**
 * JSON.parse's complaint about text that goes wrong before its end, or null when the text is
 * merely cut short (the parser wanted more). V8 says where it stopped ("at position N"); a
 * message without a position counts as cut short.
 */
function complaintBeforeEnd(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const at = /at position (\d+)/.exec(error instanceof Error ? error.message : "");
    return at && Number(at[1]) < text.trimEnd().length ? describeParseError(error) : null;
  }
}

function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

function isEventList(value: unknown): value is { items: unknown[]; apiVersion?: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Array.isArray((value as { items?: unknown }).items);
}

/**
 * The apiVersion among a list's fields before its items (`{"kind":"EventList","apiVersion":"v1",
 * "metadata":{…},"items":`), or undefined when it has none there or they do not read as JSON.
 */
function apiVersionBeforeItems(head: Buffer): string | undefined {
  const fields = head.toString("utf8").replace(/,?\s*"items"\s*:\s*$/, "");
  try {
    const { apiVersion } = JSON.parse(`${fields}}`) as { apiVersion?: unknown };
    return typeof apiVersion === "string" ? apiVersion : undefined;
  } catch {
    return undefined;
  }
}

/** An error item at `line`, `byte` (0-based offset in the text); `detail` follows the reason (": …" or " (…)"). */
function errorItem(line: number, byte: number, reason: string, detail = ""): JsonStreamItem {
  return { line, error: `line ${line} (byte ${byte}): ${reason}${detail}`, reason };
}

export class ConcatenatedJsonScanner {
  private state: ScanState = "top";
  /** Offset in the text of the current chunk's first byte. */
  private chunkOffset = 0;
  private line = 1;
  /** No text yet on the current line (outside strings). */
  private atLineStart = true;
  /** Where the next line break in the current chunk is, once looked for (the chunk's length: none). */
  private nextLineBreak = -1;

  // The JSON structure of the value being read.
  private depth = 0;
  private readonly containers = new Uint8Array(MAX_TRACKED_DEPTH);
  /** Whether JSON lets a value begin here: after `[`, `:`, or `,` in an array. */
  private valueAllowed = false;
  private inString = false;
  private escaped = false;

  // The top-level value being read.
  private valueLine = 1;
  private valueByte = 0;
  private valueOneLine: boolean | null = null;
  /** How much of "items" the current key at depth 1 of a top-level object matched; -1: none. */
  private keyMatched = -1;
  private lastStringWasItemsKey = false;
  private awaitingItemsValue = false;

  // The items array being read: its depth (2 in an EventList, 1 for a top-level array) and item.
  private arrayDepth = 0;
  /** The apiVersion the EventList being read gave before its items. */
  private listApiVersion: string | undefined = undefined;
  private listOneLine: boolean | null = null;
  private itemInProgress = false;
  private itemOneLine: boolean | null = null;
  private sawValueSeparator = false;

  private deciding = 0;

  /** The text being collected (a top-level object, or a list item) and where it starts. */
  private readonly collected: ByteCollector;
  /** Where the collected text starts in the current chunk; -1 when not collecting. */
  private collectFrom = -1;
  private unitLine = 1;
  private unitByte = 0;

  /** How many bytes of a byte order mark have been read between values; where it started. */
  private bomMatched = 0;
  private bomByte = 0;

  private garbageLine = 0;
  private garbageByte = 0;
  private garbageText: number[] = [];
  private garbageLength = 0;

  constructor(
    private readonly maxItemBytes: number,
    private readonly emit: Emit,
  ) {
    this.collected = new ByteCollector(maxItemBytes);
  }

  get bufferedBytes(): number {
    return this.collected.heldBytes;
  }

  /** Counts bytes that come before the text given to `push` (a byte order mark). */
  skip(bytes: number): void {
    this.chunkOffset += bytes;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    this.nextLineBreak = -1;
    let i = 0;
    while (i < n) {
      if (this.inString) {
        i = this.keyMatched >= 0 ? this.scanKey(chunk, i) : this.scanString(chunk, i);
        continue;
      }
      const b = chunk[i]!;
      if (this.bomMatched > 0 || (this.state === "top" && b === UTF8_BOM[0])) {
        if (b === UTF8_BOM[this.bomMatched]) {
          if (this.bomMatched === 0) this.bomByte = this.chunkOffset + i;
          this.bomMatched = (this.bomMatched + 1) % UTF8_BOM.length;
          i++;
          continue;
        }
        // Not a byte order mark after all: its bytes start text that starts no value, and `b` goes on with it.
        this.atLineStart = false;
        this.startGarbage(this.bomByte, UTF8_BOM.subarray(0, this.bomMatched));
        this.bomMatched = 0;
      }
      if (this.state === "garbage") {
        if (b === LF) this.endGarbage();
        else this.quoteGarbage(b);
      }
      if (b === LF) {
        this.line++;
        this.atLineStart = true;
        if (this.deciding) this.decideOneLine(false);
        i++;
        continue;
      }
      if (b === SPACE || b === TAB || b === CR || this.state === "garbage") {
        i++;
        continue;
      }
      if (this.deciding) this.decideOneLine(true);
      const lineStart = this.atLineStart;
      this.atLineStart = false;
      if (this.state === "top") {
        const next = lineStart && b === OPEN_BRACE ? this.readWholeLine(chunk, i) : -1;
        if (next >= 0) {
          i = next;
          continue;
        }
        this.beginValue(chunk, i, b);
      } else if (lineStart && (b === OPEN_BRACE || b === OPEN_BRACKET) && this.cutBeforeLine(chunk, i)) {
        // The bracket is read again, as the start of the next value or item, still at its line's start.
        this.atLineStart = true;
        continue;
      } else if (this.state === "object") {
        this.scanObject(chunk, i, b);
      } else if (this.state === "items") {
        this.scanItems(chunk, i, b);
      } else {
        this.structure(b);
        if (this.depth === 0) this.state = "top";
      }
      i++;
    }
    if (this.collectFrom >= 0) {
      this.collected.add(chunk.subarray(this.collectFrom));
      this.collectFrom = 0;
    }
    this.chunkOffset += n;
  }

  /** The input ended: reports what it left unfinished. */
  end(): void {
    const cause = "unexpected end of input";
    if (this.bomMatched > 0) {
      this.startGarbage(this.bomByte, UTF8_BOM.subarray(0, this.bomMatched));
      this.bomMatched = 0;
    }
    switch (this.state) {
      case "garbage":
        this.endGarbage();
        break;
      case "object":
      case "tail":
        this.abandonValue(null, 0, cause, "");
        break;
      case "items":
        if (this.itemInProgress && (this.depth > this.arrayDepth || this.inString)) this.cutItem(null, 0, cause, "", true);
        else this.abandonList(null, cause, "");
        break;
      case "top":
        break;
    }
  }

  /**
   * Adds an error item about the input itself (a damaged .gz file) where the text has got to:
   * by line only, as a byte offset in the text would be mistaken for one in the file.
   */
  fail(reason: string, detail = ""): void {
    this.emit({ line: this.line, error: `line ${this.line}: ${reason}${detail}`, reason }, 0);
  }

  private decideOneLine(oneLine: boolean): void {
    if (this.deciding & DECIDE_VALUE) this.valueOneLine = oneLine;
    if (this.deciding & DECIDE_LIST) this.listOneLine = oneLine;
    if (this.deciding & DECIDE_ITEM) this.itemOneLine = oneLine;
    this.deciding = 0;
  }

  /**
   * JSON lines' fast path: an object that takes up its whole line, all in this chunk, is handed
   * to JSON.parse at once. Returns where its line ends, or -1 when it does not parse (written
   * over several lines, or broken): then it is scanned. Tried once per line at most, so that a
   * line of many values is not parsed over and over.
   */
  private readWholeLine(chunk: Buffer, i: number): number {
    const end = chunk.indexOf(LF, i);
    if (end < 0 || end - i > this.maxItemBytes) return -1;
    let value: unknown;
    try {
      value = JSON.parse(chunk.toString("utf8", i, end));
    } catch {
      return -1;
    }
    this.emitValue(value, this.line, end - i);
    return end;
  }

  private beginValue(chunk: Buffer, i: number, b: number): void {
    this.valueLine = this.line;
    this.valueByte = this.chunkOffset + i;
    this.depth = 0;
    this.deciding = 0;
    this.listApiVersion = undefined;
    if (b === OPEN_BRACE) {
      this.state = "object";
      this.open(OBJECT);
      this.deciding = DECIDE_VALUE;
      this.awaitingItemsValue = false;
      this.lastStringWasItemsKey = false;
      this.startCollecting(i);
    } else if (b === OPEN_BRACKET) {
      this.open(ARRAY);
      this.deciding = DECIDE_VALUE | DECIDE_LIST;
      this.enterItems(1);
    } else {
      this.startGarbage(this.chunkOffset + i, [b]);
    }
  }

  /** Text that starts no value begins at `byte` (offset in the text) with `bytes`. */
  private startGarbage(byte: number, bytes: Iterable<number>): void {
    this.state = "garbage";
    this.garbageLine = this.line;
    this.garbageByte = byte;
    this.garbageText = [];
    this.garbageLength = 0;
    for (const b of bytes) this.quoteGarbage(b);
  }

  private quoteGarbage(b: number): void {
    if (this.garbageText.length < MAX_QUOTED_BYTES) this.garbageText.push(b);
    this.garbageLength++;
  }

  private endGarbage(): void {
    let text = Buffer.from(this.garbageText);
    const more = this.garbageLength > text.length ? "…" : "";
    if (!more && text.at(-1) === CR) text = text.subarray(0, -1);
    this.emit(errorItem(this.garbageLine, this.garbageByte, "unexpected text outside of a JSON document", `: ${JSON.stringify(text.toString("utf8"))}${more}`), 0);
    this.state = "top";
    this.garbageText = [];
  }

  /** Follows JSON's nesting, and whether a value may begin next. */
  private structure(b: number): void {
    switch (b) {
      case QUOTE:
        this.inString = true;
        break;
      case OPEN_BRACE:
        this.open(OBJECT);
        break;
      case OPEN_BRACKET:
        this.open(ARRAY);
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        this.depth--;
        this.valueAllowed = false;
        break;
      case COMMA:
        this.valueAllowed = (this.depth < MAX_TRACKED_DEPTH ? this.containers[this.depth] : 0) !== OBJECT;
        break;
      case COLON:
        this.valueAllowed = true;
        break;
      default:
        // A number, true, false or null (or a typo, left to JSON.parse).
        this.valueAllowed = false;
    }
  }

  private open(type: number): void {
    this.depth++;
    if (this.depth < MAX_TRACKED_DEPTH) this.containers[this.depth] = type;
    this.valueAllowed = type === ARRAY;
  }

  private endString(): void {
    this.inString = false;
    this.valueAllowed = false;
    this.lastStringWasItemsKey = this.keyMatched === ITEMS_KEY.length;
    this.keyMatched = -1;
  }

  /** Reads string bytes from `i`; returns where reading goes on outside the string (or the chunk's end). */
  private scanString(chunk: Buffer, i: number): number {
    const n = chunk.length;
    while (i < n) {
      if (this.escaped) {
        this.escaped = false;
        if (chunk[i] === LF) return this.lineBreakInString(chunk, i);
        i++;
        continue;
      }
      let quote = chunk.indexOf(QUOTE, i);
      if (quote < 0) quote = n;
      if (this.nextLineBreak < i) {
        const lf = chunk.indexOf(LF, i);
        this.nextLineBreak = lf < 0 ? n : lf;
      }
      if (this.nextLineBreak < quote) return this.lineBreakInString(chunk, this.nextLineBreak);
      // An odd run of backslashes just before the quote (or the chunk's end) escapes it.
      let k = quote;
      while (k > i && chunk[k - 1] === BACKSLASH) k--;
      const odd = (quote - k) % 2 === 1;
      if (quote === n) {
        this.escaped = odd;
        return n;
      }
      if (odd) {
        i = quote + 1;
        continue;
      }
      this.endString();
      return quote + 1;
    }
    return n;
  }

  /** Reads a key at depth 1 of a top-level object byte by byte, to tell whether it is "items". */
  private scanKey(chunk: Buffer, i: number): number {
    const n = chunk.length;
    while (i < n && this.keyMatched >= 0) {
      const b = chunk[i]!;
      if (b === QUOTE) {
        this.endString();
        return i + 1;
      }
      if (b === LF) return this.lineBreakInString(chunk, i);
      if (b === BACKSLASH) {
        this.escaped = true;
        this.keyMatched = -1;
      } else {
        this.keyMatched = this.keyMatched < ITEMS_KEY.length && ITEMS_KEY[this.keyMatched] === b ? this.keyMatched + 1 : -1;
      }
      i++;
    }
    return i;
  }

  /**
   * A raw line break inside a string, which JSON does not allow, so the text was cut short on
   * this line. The string ends there: returns `at`, where reading goes on outside it. In a value
   * or item written on one line, so does the value or item, reported here. Elsewhere it goes on,
   * for JSON.parse to reject, or for a bracket that starts a line where no value may begin to
   * cut it short (cutBeforeLine): were the string read on, every quote after it would be read
   * the wrong way round, and every value after it taken as part of the broken one.
   */
  private lineBreakInString(chunk: Buffer, at: number): number {
    const oneLine = this.state === "items" ? this.itemOneLine === true : this.valueOneLine === true;
    this.inString = false;
    this.escaped = false;
    this.keyMatched = -1;
    if (!oneLine) {
      this.valueAllowed = false;
      return at;
    }
    const detail = this.line === this.unitLine ? "" : ` (line ${this.line})`;
    if (this.state === "items") this.cutItem(chunk, at, "unexpected end of line", detail, this.listOneLine === true);
    else this.abandonValue(chunk, at, "unexpected end of line", detail);
    return at;
  }

  /**
   * A bracket starts a line inside a value: true when the value or item before it was cut short
   * (reported; the bracket is then read again), false when JSON goes on here.
   */
  private cutBeforeLine(chunk: Buffer, i: number): boolean {
    const cause = "unexpected end of line";
    if (this.state === "items" && this.depth === this.arrayDepth) {
      // Between items: a new one, unless the one before it has no comma after it.
      if (this.valueAllowed) return false;
      this.abandonList(chunk.subarray(0, i), cause, this.linesDetail(this.valueLine));
      return true;
    }
    const oneLine = this.state === "items" ? this.itemOneLine : this.valueOneLine;
    if (this.valueAllowed && oneLine !== true) return false;
    if (this.state === "items") this.cutItem(chunk, i, cause, this.linesDetail(this.unitLine), this.listOneLine === true);
    else this.abandonValue(chunk, i, cause, this.linesDetail(this.valueLine));
    return true;
  }

  /** Names the lines a value cut short at the end of the line before this one ran over, when more than one. */
  private linesDetail(from: number): string {
    return this.line - 1 > from ? ` (lines ${from}–${this.line - 1})` : "";
  }

  private scanObject(chunk: Buffer, i: number, b: number): void {
    if (this.depth === 1) {
      if (this.awaitingItemsValue && b === OPEN_BRACKET) {
        // An EventList: its items are read one by one; of the list's own fields, only the apiVersion is kept.
        const head = this.takeCollected(chunk, i);
        this.listApiVersion = typeof head === "number" ? undefined : apiVersionBeforeItems(head);
        this.open(ARRAY);
        this.deciding = DECIDE_LIST;
        this.enterItems(2);
        return;
      }
      this.awaitingItemsValue = b === COLON && this.lastStringWasItemsKey;
      this.lastStringWasItemsKey = false;
      if (b === QUOTE) this.keyMatched = 0;
    }
    this.structure(b);
    if (this.depth === 0) {
      this.finishCollected(chunk, i + 1);
      this.state = "top";
    }
  }

  private enterItems(arrayDepth: number): void {
    this.state = "items";
    this.arrayDepth = arrayDepth;
    this.itemInProgress = false;
    this.sawValueSeparator = false;
  }

  private scanItems(chunk: Buffer, i: number, b: number): void {
    if (this.depth === this.arrayDepth) {
      if (b === COMMA || b === CLOSE_BRACKET) {
        if (this.itemInProgress) this.finishCollected(chunk, i);
        else if (b === COMMA || this.sawValueSeparator) this.emit(errorItem(this.line, this.chunkOffset + i, "empty item in the list"), 0);
        this.itemInProgress = false;
        this.sawValueSeparator = b === COMMA;
        this.structure(b);
        if (b === CLOSE_BRACKET) this.state = this.depth === 0 ? "top" : "tail";
        return;
      }
      if (!this.itemInProgress) {
        this.itemInProgress = true;
        this.startCollecting(i);
        this.itemOneLine = true;
        if (b === OPEN_BRACE || b === OPEN_BRACKET) this.deciding = DECIDE_ITEM;
      }
      // A stray closing brace at list level belongs to a broken item: kept there for JSON.parse to reject.
      if (b === CLOSE_BRACE) return;
    }
    this.structure(b);
  }

  private startCollecting(i: number): void {
    this.collected.reset();
    this.collectFrom = i;
    this.unitLine = this.line;
    this.unitByte = this.chunkOffset + i;
  }

  /** Ends the collected text just before `end` of `chunk` (null: where the last chunk ended): its bytes, or their count when over the limit. */
  private takeCollected(chunk: Buffer | null, end: number): Buffer | number {
    const tail = chunk && this.collectFrom >= 0 ? chunk.subarray(this.collectFrom, end) : Buffer.alloc(0);
    this.collectFrom = -1;
    const length = this.collected.length + tail.length;
    if (this.collected.oversized || length > this.maxItemBytes) {
      this.collected.reset();
      return length;
    }
    return this.collected.finish(tail);
  }

  /** Emits the collected text, which ends just before `end` of `chunk` (null: where the last chunk ended). */
  private finishCollected(chunk: Buffer | null, end: number): void {
    const bytes = this.takeCollected(chunk, end);
    if (typeof bytes === "number") {
      this.emit(errorItem(this.unitLine, this.unitByte, `item longer than ${formatLimit(this.maxItemBytes)}`, ` (${bytes} bytes)`), 0);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      this.emit(errorItem(this.unitLine, this.unitByte, "invalid JSON", `: ${describeParseError(error)}`), 0);
      return;
    }
    this.emitValue(value, this.unitLine, bytes.length, this.state === "items" ? this.listApiVersion : undefined);
  }

  /**
   * Emits a value read whole: an event, or an EventList's items (a JSON line holding a list, a
   * list item that is one as the line after a list cut between two items is, or a list whose
   * "items" key was written with escapes).
   */
  private emitValue(value: unknown, line: number, textBytes: number, listApiVersion: string | undefined = undefined): void {
    if (isEventList(value)) {
      const share = Math.ceil(textBytes / Math.max(1, value.items.length));
      const own = typeof value.apiVersion === "string" ? value.apiVersion : undefined;
      for (const raw of value.items) this.emit(own === undefined ? { line, raw } : { line, raw, listApiVersion: own }, share);
    } else {
      this.emit(listApiVersion === undefined ? { line, raw: value } : { line, raw: value, listApiVersion }, textBytes);
    }
  }

  /**
   * Reports the collected text, cut short before `end` of `chunk`: as invalid JSON when it goes
   * wrong before the cut, else as `reason`.
   */
  private reportCut(chunk: Buffer | null, end: number, reason: string, detail: string): void {
    const bytes = this.takeCollected(chunk, end);
    const complaint = typeof bytes === "number" ? null : complaintBeforeEnd(bytes.toString("utf8"));
    if (complaint) this.emit(errorItem(this.unitLine, this.unitByte, "invalid JSON", `: ${complaint}`), 0);
    else this.emit(errorItem(this.unitLine, this.unitByte, reason, detail), 0);
  }

  /** Reports the item being read as cut short; in a list written on one line, the list ends with it. */
  private cutItem(chunk: Buffer | null, end: number, cause: string, detail: string, listEnds: boolean): void {
    this.reportCut(chunk, end, `${cause} inside an item`, detail);
    this.inString = false;
    this.escaped = false;
    if (listEnds) {
      this.state = "top";
      return;
    }
    // The list goes on: the next item may start here.
    this.depth = this.arrayDepth;
    this.itemInProgress = false;
    this.sawValueSeparator = false;
    this.valueAllowed = true;
  }

  /** Reports the list as not closed, after the item that stands complete before the cut (`chunk`: the text up to it). */
  private abandonList(chunk: Buffer | null, cause: string, detail: string): void {
    if (this.itemInProgress) this.finishCollected(chunk, chunk?.length ?? 0);
    this.emit(errorItem(this.valueLine, this.valueByte, `${cause}: the list is not closed`, detail), 0);
    this.state = "top";
  }

  /** Reports the top-level value being read (an object, or an EventList after its items) as cut short. */
  private abandonValue(chunk: Buffer | null, end: number, cause: string, detail: string): void {
    if (this.state === "tail") this.emit(errorItem(this.valueLine, this.valueByte, `${cause}: the list is not closed`, detail), 0);
    else this.reportCut(chunk, end, `${cause} inside a JSON document`, detail);
    this.state = "top";
    this.inString = false;
    this.escaped = false;
    this.keyMatched = -1;
  }
}
