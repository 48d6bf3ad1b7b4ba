import type { Readable } from "node:stream";
import { crc32, createInflateRaw } from "node:zlib";

/**
 * Streams audit events out of a log file without holding the file in memory:
 * JSON lines (kube-apiserver's `--audit-log-format=json`), one or more `EventList`
 * documents (compact, pretty-printed, or one per line), or a JSON array of events;
 * plain or gzipped. Memory stays bounded: the line or item being read (at most `maxItemBytes`)
 * plus one batch.
 */

/**
 * One event read from the file, or why it could not be read: `error` says where and why in full,
 * `reason` is the short cause alone (e.g. "invalid JSON"), the same for all alike items.
 */
export type AuditFileItem = { lineOrIndex: number; raw: unknown } | { lineOrIndex: number; error: string; reason: string };

export interface AuditFileBatch {
  items: AuditFileItem[];
  /** Bytes consumed from the source so far: compressed bytes for gzip input. */
  bytesRead: number;
  /** What `lineOrIndex` counts: 1-based lines (JSON lines) or 1-based items (EventList documents). */
  unit: AuditFileUnit;
}

export type AuditFileUnit = "line" | "item";

/** Memory held by the reader, for tests and diagnostics; updated as the reader runs. */
export interface AuditReaderStats {
  bufferedBytes: number;
  peakBufferedBytes: number;
}

export interface ReadAuditOptions {
  /** Items per batch (the last batch may be smaller). */
  batchSize: number;
  /** Longest line or list item read; longer ones become an error item. Default 16 MiB. */
  maxItemBytes?: number;
  /** A batch is also handed out once its items' JSON text reaches this many bytes. Default 32 MiB. */
  maxBatchBytes?: number;
  stats?: AuditReaderStats;
  /**
   * When aborted, reading stops at once, even while waiting for input that may never come (a
   * pipe from a live log); the complete items read so far still come out, as a last batch, and
   * an item cut short by the stop does not, nor does it count as invalid.
   */
  signal?: AbortSignal;
}

export const DEFAULT_MAX_ITEM_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_BATCH_BYTES = 32 * 1024 * 1024;
/** Reason texts are shown to people: an invalid line's parser message is cut to this length. */
const MAX_MESSAGE_CHARS = 200;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const ITEMS_KEY = Buffer.from("items");
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function isJsonWhitespace(b: number): boolean {
  return b === 0x20 || b === LF || b === CR || b === 0x09;
}

/** Reads audit events from `input` (a file stream or stdin), `batchSize` at a time. */
export async function* readAuditBatches(input: Readable, opts: ReadAuditOptions): AsyncGenerator<AuditFileBatch> {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize <= 0) throw new RangeError("batchSize must be a positive integer");
  const maxItemBytes = opts.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
  const maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const stats = opts.stats ?? { bufferedBytes: 0, peakBufferedBytes: 0 };
  const source = { bytesRead: 0 };
  const reader = new AuditTextReader(maxItemBytes);

  function* ready(final: boolean): Generator<AuditFileBatch> {
    while (reader.pending.length >= opts.batchSize || reader.pendingBytes >= maxBatchBytes || (final && reader.pending.length > 0)) {
      yield { items: reader.take(opts.batchSize, maxBatchBytes), bytesRead: source.bytesRead, unit: reader.unit };
    }
  }

  const stopped = () => opts.signal?.aborted === true;
  // A read waiting for input ends when the input is destroyed (the for-await below then throws).
  const stopReading = () => input.destroy();
  opts.signal?.addEventListener("abort", stopReading, { once: true });
  try {
    for await (const chunk of decodedChunks(input, source)) {
      reader.push(chunk);
      stats.bufferedBytes = reader.bufferedBytes + chunk.length;
      stats.peakBufferedBytes = Math.max(stats.peakBufferedBytes, stats.bufferedBytes);
      yield* ready(false);
      if (stopped()) break;
    }
    if (!stopped()) reader.end();
  } catch (error) {
    if (!stopped()) {
      if (!isZlibError(error)) throw error;
      // A truncated or damaged .gz file: keep what was read and say where it stopped.
      reader.end();
      reader.fail("cannot decompress the rest of the file", `: ${(error as Error).message}`);
    }
  } finally {
    opts.signal?.removeEventListener("abort", stopReading);
  }
  stats.bufferedBytes = reader.bufferedBytes;
  yield* ready(true);
  stats.bufferedBytes = 0;
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("Z_");
}

const OTHER_COMPRESSIONS = [
  { name: "zstd", tool: "zstd", magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]) },
  { name: "xz", tool: "xz", magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { name: "bzip2", tool: "bzip2", magic: Buffer.from("BZh") },
];
const MAGIC_BYTES_NEEDED = 6;

/** The source's bytes, gunzipped when they start with the gzip magic bytes; counts source bytes. */
async function* decodedChunks(input: Readable, source: { bytesRead: number }): AsyncGenerator<Buffer> {
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of input) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string | Uint8Array);
      source.bytesRead += buf.length;
      yield buf;
    }
  }
  const chunks = counted();
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => chunks };

  const head: Buffer[] = [];
  let headLength = 0;
  while (headLength < MAGIC_BYTES_NEEDED) {
    const next = await chunks.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  const start = Buffer.concat(head);
  const other = OTHER_COMPRESSIONS.find(({ magic }) => start.subarray(0, magic.length).equals(magic));
  if (other) {
    await chunks.return(undefined);
    throw new Error(`the input is ${other.name}-compressed; only gzip is read: decompress it first (${other.tool} -dc FILE | npm run import -- -)`);
  }
  if (start[0] !== 0x1f || start[1] !== 0x8b) {
    let delegated = false;
    try {
      if (start.length > 0) yield start;
      delegated = true;
      yield* rest;
    } finally {
      // Closed while the first chunk was out (all of a small input is one chunk): the source
      // is not being read, so it can be closed (yield* closes it from then on).
      if (!delegated) await chunks.return(undefined);
    }
    return;
  }
  try {
    yield* gunzipMembers(new ByteSource(start, chunks));
  } finally {
    // Stopped early, the inflater may still be waiting for input: closing the input ends that wait.
    input.destroy();
  }
}

/** A gzip-format error: reported as "cannot decompress the rest of the file", like zlib's own. */
function gzipError(message: string, code = "Z_DATA_ERROR"): Error {
  return Object.assign(new Error(message), { code });
}

/** Bytes from an async source, with some held back (read ahead, or handed back unused). */
class ByteSource {
  /** Bytes taken from the source so far. */
  position = 0;

  constructor(
    private held: Buffer,
    private readonly chunks: AsyncIterator<Buffer>,
  ) {}

  /** Holds at least `n` bytes, or all the rest if fewer; returns how many are held. */
  async fill(n: number): Promise<number> {
    while (this.held.length < n) {
      const next = await this.chunks.next();
      if (next.done) break;
      this.held = this.held.length === 0 ? next.value : Buffer.concat([this.held, next.value]);
    }
    return this.held.length;
  }

  peek(): Buffer {
    return this.held;
  }

  take(n: number): Buffer {
    const taken = this.held.subarray(0, n);
    this.held = this.held.subarray(n);
    this.position += taken.length;
    return taken;
  }

  /** The held bytes, or else the source's next chunk; null at the end. */
  async next(): Promise<Buffer | null> {
    if (this.held.length === 0) {
      const next = await this.chunks.next();
      if (next.done) return null;
      this.held = next.value;
    }
    return this.take(this.held.length);
  }

  /** Gives back the last `bytes` taken, to be read again. */
  unread(bytes: Buffer): void {
    this.held = this.held.length === 0 ? bytes : Buffer.concat([bytes, this.held]);
    this.position -= bytes.length;
  }
}

const GZIP_FLAGS = { HCRC: 0x02, EXTRA: 0x04, NAME: 0x08, COMMENT: 0x10, RESERVED: 0xe0 };
/** Longest file name or comment read in a gzip header. */
const MAX_GZIP_HEADER_TEXT = 64 * 1024;

/**
 * Gunzips one gzip member after another. Node's gunzip would do that itself, but text after the
 * last member that is not gzip makes it fail before it hands over what it had just inflated: the
 * file's last events would be lost. So each member's deflate data goes to a raw inflater, which
 * stops at its end, and what follows is looked at here: another member, zero padding (ignored,
 * as gzip does), or anything else (an error, after every event before it).
 */
async function* gunzipMembers(source: ByteSource): AsyncGenerator<Buffer> {
  for (;;) {
    await readGzipHeader(source);
    let crc = 0;
    let size = 0;
    for await (const out of inflateRaw(source)) {
      crc = crc32(out, crc);
      size = (size + out.length) % 2 ** 32;
      yield out;
    }
    if ((await source.fill(8)) < 8) throw gzipError("unexpected end of file", "Z_BUF_ERROR");
    const trailer = source.take(8);
    if (trailer.readUInt32LE(0) !== crc) throw gzipError("incorrect data check");
    if (trailer.readUInt32LE(4) !== size) throw gzipError("incorrect length check");
    if ((await source.fill(2)) === 0) return;
    const next = source.peek();
    if (next[0] === 0x1f && next[1] === 0x8b) continue;
    const at = source.position;
    for (let bytes = await source.next(); bytes; bytes = await source.next()) {
      if (bytes.some((b) => b !== 0)) throw gzipError(`the data after the gzip data, from byte ${at} on, is not gzip data`);
    }
    return;
  }
}

/** Reads a gzip member's header (RFC 1952), leaving `source` at its deflate data. */
async function readGzipHeader(source: ByteSource): Promise<void> {
  if ((await source.fill(10)) < 10) throw gzipError("unexpected end of file", "Z_BUF_ERROR");
  const header = source.take(10);
  if (header[0] !== 0x1f || header[1] !== 0x8b) throw gzipError("incorrect header check");
  if (header[2] !== 8) throw gzipError("unknown compression method");
  const flags = header[3]!;
  if (flags & GZIP_FLAGS.RESERVED) throw gzipError("unknown header flags set");
  if (flags & GZIP_FLAGS.EXTRA) {
    if ((await source.fill(2)) < 2) throw gzipError("unexpected end of file", "Z_BUF_ERROR");
    const length = source.take(2).readUInt16LE(0);
    if ((await source.fill(length)) < length) throw gzipError("unexpected end of file", "Z_BUF_ERROR");
    source.take(length);
  }
  for (const flag of [GZIP_FLAGS.NAME, GZIP_FLAGS.COMMENT]) {
    if (!(flags & flag)) continue;
    let end = source.peek().indexOf(0);
    while (end < 0) {
      const held = source.peek().length;
      if (held > MAX_GZIP_HEADER_TEXT) throw gzipError("invalid gzip header: a name or comment without an end");
      if ((await source.fill(held + 1)) === held) throw gzipError("unexpected end of file", "Z_BUF_ERROR");
      end = source.peek().indexOf(0);
    }
    source.take(end + 1);
  }
  if (flags & GZIP_FLAGS.HCRC) {
    if ((await source.fill(2)) < 2) throw gzipError("unexpected end of file", "Z_BUF_ERROR");
    source.take(2);
  }
}

/** Inflates deflate data from `source` up to its end; what follows it is left in `source`. */
async function* inflateRaw(source: ByteSource): AsyncGenerator<Buffer> {
  const inflater = createInflateRaw();
  // Bytes given to the inflater that it may not have used yet, from offset `givenFrom` of the data.
  const given: Buffer[] = [];
  let givenFrom = 0;
  const stopped = () => inflater.readableEnded || inflater.destroyed;
  const feeding = (async () => {
    while (!stopped()) {
      const chunk = await source.next();
      if (!chunk) {
        inflater.end();
        return;
      }
      given.push(chunk);
      while (given.length > 1 && givenFrom + given[0]!.length <= inflater.bytesWritten) givenFrom += given.shift()!.length;
      if (!inflater.write(chunk) && !stopped()) await once(inflater, ["drain", "end", "close"]);
    }
  })().catch((error: unknown) => {
    inflater.destroy(error as Error);
  });
  try {
    yield* inflater as AsyncIterable<Buffer>;
    await feeding;
  } finally {
    inflater.destroy();
  }
  const unused = Buffer.concat(given).subarray(inflater.bytesWritten - givenFrom);
  if (unused.length > 0) source.unread(unused);
}

/** Resolves at the first of `events`. */
function once(emitter: NodeJS.EventEmitter, events: string[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const event of events) emitter.off(event, done);
      resolve();
    };
    for (const event of events) emitter.on(event, done);
  });
}

/** A growing byte sequence kept as pieces; gives up (and frees them) past a size limit. */
class ByteCollector {
  private pieces: Buffer[] = [];
  length = 0;
  oversized = false;

  constructor(private readonly limit: number) {}

  /** Adds bytes that stay valid only until the next chunk arrives: they are copied. */
  add(bytes: Buffer, copy: boolean): void {
    if (bytes.length === 0) return;
    this.length += bytes.length;
    if (this.oversized) return;
    if (this.length > this.limit) {
      this.oversized = true;
      this.pieces = [];
      return;
    }
    this.pieces.push(copy ? Buffer.from(bytes) : bytes);
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

type Emit = (item: AuditFileItem, textBytes: number) => void;

/** An error item: `where` names the line or item, `detail` follows the reason (": …" or " (…)"). */
function errorItem(lineOrIndex: number, where: string, reason: string, detail = ""): AuditFileItem {
  return { lineOrIndex, error: `${where}: ${reason}${detail}`, reason };
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
}

function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

function isEventList(value: unknown): value is { items: unknown[] } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Array.isArray((value as { items?: unknown }).items);
}

/**
 * JSON lines: one JSON value per line, blank lines ignored, CRLF accepted. A line holding an
 * EventList (some tools write batches that way) stands for its items.
 */
class JsonLinesReader {
  private line = 1;
  private readonly current: ByteCollector;

  constructor(
    private readonly maxLineBytes: number,
    private readonly emit: Emit,
  ) {
    this.current = new ByteCollector(maxLineBytes);
  }

  get bufferedBytes(): number {
    return this.current.heldBytes;
  }

  /** The line the next item would be on. */
  get position(): number {
    return this.line;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(LF, start); newline >= 0; newline = chunk.indexOf(LF, start)) {
      this.current.add(chunk.subarray(start, newline), false);
      this.finishLine();
      start = newline + 1;
    }
    this.current.add(chunk.subarray(start), true);
  }

  end(): void {
    if (this.current.length > 0) this.finishLine();
  }

  private finishLine(): void {
    const line = this.line++;
    if (this.current.oversized) {
      const length = this.current.length;
      this.current.reset();
      this.emit(errorItem(line, `line ${line}`, `line longer than ${formatLimit(this.maxLineBytes)}`, ` (${length} bytes)`), 0);
      return;
    }
    let bytes = this.current.finish(Buffer.alloc(0));
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    const text = bytes.toString("utf8");
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.emit(errorItem(line, `line ${line}`, "invalid JSON", `: ${describeParseError(error)}`), 0);
      return;
    }
    if (isEventList(value)) {
      const share = Math.ceil(bytes.length / Math.max(1, value.items.length));
      for (const raw of value.items) this.emit({ lineOrIndex: line, raw }, share);
    } else {
      this.emit({ lineOrIndex: line, raw: value }, bytes.length);
    }
  }
}

type ScanState =
  /** Between top-level values. */
  | "top"
  /** Inside a top-level object that has not (yet) shown an `items` array: maybe an Event itself. */
  | "head"
  /** Inside an `items` array (of an EventList, or a top-level array). */
  | "items"
  /** Inside an EventList after its items: skipped. */
  | "tail"
  /** After text that is no JSON value at the top level: skipped up to the end of the line. */
  | "skipLine";

/** How the first top-level value looked: decides between JSON lines and this scanner. */
type FirstValueShape = "list" | "oneLineObject" | "multiLineObject" | "other";

/**
 * An incremental scanner over a stream of JSON documents: EventLists (their `items` are
 * yielded one by one, never the whole list held), top-level arrays, and plain objects
 * (yielded whole, e.g. pretty-printed Events). It follows only string/escape state and
 * bracket depth; each item's text is checked by JSON.parse. Works on bytes, so a chunk
 * may end anywhere, even inside a multi-byte UTF-8 character.
 */
class JsonDocumentScanner {
  private state: ScanState = "top";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private itemCount = 0;

  /** The top-level object being read in "head"; items or whole-object text in "items"/"head". */
  private readonly collected: ByteCollector;
  /** Where the collected text starts in the current chunk; -1 when not collecting. */
  private collectFrom = -1;
  private itemLine = 1;
  /** Depth of the `items` array's elements' container: 2 inside an EventList, 1 for a top-level array. */
  private arrayDepth = 0;
  private itemInProgress = false;
  /** Key recognition at depth 1 of a top-level object: how much of "items" the current string matched. */
  private keyMatched = -1;
  private lastStringWasItemsKey = false;
  private awaitingItemsValue = false;
  private sawValueSeparator = false;
  /**
   * Whether the document being read is written on one line (as EventLists one per line are):
   * null until what follows its opening bracket, or its items array's, tells: text on the same
   * line (true) or a line break (false, pretty-printed). A line break inside a string of a
   * one-line document, which JSON does not allow, means the line was cut short: the document
   * ends there, and the next line is read afresh. A line break outside strings is not taken for
   * a cut, since valid JSON may start on one line and go on over others (`[{…},` then an event
   * per line, or a list whose head breaks after a field); a line cut exactly between two values
   * therefore still runs into the next line, as it did before.
   */
  private oneLine: boolean | null = null;

  firstValue: FirstValueShape | null = null;
  /** A raw line break inside a string: the text is not JSON documents (likely broken JSON lines). */
  newlineInString = false;

  constructor(
    private readonly maxItemBytes: number,
    private readonly emit: Emit,
  ) {
    this.collected = new ByteCollector(maxItemBytes);
  }

  get bufferedBytes(): number {
    return this.collected.heldBytes;
  }

  /** The item number the next item would get. */
  get position(): number {
    return this.itemCount + 1;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      if (this.state !== "top" && this.state !== "skipLine") {
        if (b === LF && this.oneLine && this.inString) {
          this.abandon("unexpected end of line");
          this.line++;
          continue;
        }
        if (this.oneLine === null && (b === LF || !isJsonWhitespace(b))) this.oneLine = b !== LF;
      }
      if (b === LF) this.line++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.endString();
        else if (b === LF) this.newlineInString = true;
        else if (this.keyMatched >= 0) this.keyMatched = this.keyMatched < ITEMS_KEY.length && ITEMS_KEY[this.keyMatched] === b ? this.keyMatched + 1 : -1;
        continue;
      }
      switch (this.state) {
        case "top":
          this.scanTop(i, b);
          break;
        case "head":
          this.scanHead(chunk, i, b);
          break;
        case "items":
          this.scanItems(chunk, i, b);
          break;
        case "tail":
          this.scanNested(b);
          if (this.depth === 0) this.state = "top";
          break;
        case "skipLine":
          if (b === LF) this.state = "top";
          break;
      }
    }
    if (this.collectFrom >= 0) {
      this.collected.add(chunk.subarray(this.collectFrom), true);
      this.collectFrom = 0;
    }
  }

  end(): void {
    this.abandon("unexpected end of input");
  }

  /** Ends the document being read where its text ended (`cause`), reporting what it left unfinished. */
  private abandon(cause: string): void {
    if (this.state === "head") {
      this.collectFrom = -1;
      this.collected.reset();
      this.fail(this.itemLine, `${cause} inside a JSON document`);
    } else if (this.state === "items" || this.state === "tail") {
      const line = this.itemInProgress ? this.itemLine : this.line;
      this.collectFrom = -1;
      this.collected.reset();
      this.fail(line, this.itemInProgress ? `${cause} inside an item` : `${cause}: the list is not closed`);
    }
    this.state = "top";
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.keyMatched = -1;
  }

  private fail(line: number, reason: string): void {
    const index = ++this.itemCount;
    this.emit(errorItem(index, `item ${index} (line ${line})`, reason), 0);
  }

  private startCollecting(position: number): void {
    this.collected.reset();
    this.collectFrom = position;
    this.itemLine = this.line;
  }

  /** Ends the collected text just before `position` of `chunk` and emits it as one item. */
  private finishItem(chunk: Buffer, position: number): void {
    const tail = this.collectFrom >= 0 ? chunk.subarray(this.collectFrom, position) : Buffer.alloc(0);
    this.collectFrom = -1;
    const index = ++this.itemCount;
    const where = `item ${index} (line ${this.itemLine})`;
    if (this.collected.oversized || this.collected.length + tail.length > this.maxItemBytes) {
      const length = this.collected.length + tail.length;
      this.collected.reset();
      this.emit(errorItem(index, where, `item longer than ${formatLimit(this.maxItemBytes)}`, ` (${length} bytes)`), 0);
      return;
    }
    const bytes = this.collected.finish(tail);
    try {
      this.emit({ lineOrIndex: index, raw: JSON.parse(bytes.toString("utf8")) }, bytes.length);
    } catch (error) {
      this.emit(errorItem(index, where, "invalid JSON", `: ${describeParseError(error)}`), 0);
    }
  }

  private endString(): void {
    this.inString = false;
    this.lastStringWasItemsKey = this.keyMatched === ITEMS_KEY.length;
    this.keyMatched = -1;
  }

  /** Tracks strings and nesting inside a value; the caller looks at `depth` afterwards. */
  private scanNested(b: number): void {
    if (b === QUOTE) this.inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
    else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) this.depth--;
  }

  private scanTop(i: number, b: number): void {
    if (isJsonWhitespace(b)) return;
    if (b === OPEN_BRACE) {
      this.state = "head";
      this.oneLine = null;
      this.depth = 1;
      this.awaitingItemsValue = false;
      this.lastStringWasItemsKey = false;
      this.startCollecting(i);
    } else if (b === OPEN_BRACKET) {
      this.firstValue ??= "list";
      this.oneLine = null;
      this.enterItems(1);
    } else {
      this.firstValue ??= "other";
      this.state = "skipLine";
      this.fail(this.line, "unexpected text outside of a JSON document");
    }
  }

  private scanHead(chunk: Buffer, i: number, b: number): void {
    if (this.depth === 1) {
      if (isJsonWhitespace(b)) return;
      if (this.awaitingItemsValue && b === OPEN_BRACKET) {
        // An EventList: its items are read one by one; the list's own fields are not kept.
        this.collectFrom = -1;
        this.collected.reset();
        this.firstValue ??= "list";
        // `{"kind":"EventList","items":[` then one event per line is not a one-line document.
        if (this.oneLine) this.oneLine = null;
        this.enterItems(2);
        return;
      }
      this.awaitingItemsValue = b === COLON && this.lastStringWasItemsKey;
      this.lastStringWasItemsKey = false;
      if (b === QUOTE) {
        this.inString = true;
        this.keyMatched = 0;
        return;
      }
    }
    this.scanNested(b);
    if (this.depth === 0) {
      this.firstValue ??= this.itemLine === this.line ? "oneLineObject" : "multiLineObject";
      this.finishItem(chunk, i + 1);
      this.state = "top";
    }
  }

  private enterItems(arrayDepth: number): void {
    this.state = "items";
    this.arrayDepth = arrayDepth;
    this.depth = arrayDepth;
    this.itemInProgress = false;
    this.sawValueSeparator = false;
  }

  private scanItems(chunk: Buffer, i: number, b: number): void {
    if (this.depth === this.arrayDepth) {
      if (b === COMMA || b === CLOSE_BRACKET) {
        if (this.itemInProgress) this.finishItem(chunk, i);
        else if (b === COMMA || this.sawValueSeparator) this.fail(this.line, "empty item in the list");
        this.itemInProgress = false;
        this.sawValueSeparator = b === COMMA;
        if (b === CLOSE_BRACKET) {
          this.depth--;
          this.state = this.depth === 0 ? "top" : "tail";
        }
        return;
      }
      if (!this.itemInProgress) {
        if (isJsonWhitespace(b)) return;
        this.itemInProgress = true;
        this.startCollecting(i);
      }
      // A stray closing brace at list level belongs to a broken item: keep it there for JSON.parse to reject.
      if (b === CLOSE_BRACE) return;
    }
    this.scanNested(b);
  }
}

/**
 * Picks the format from the first JSON value and feeds the text to the matching reader.
 * While undecided, the text is kept so that it can be replayed as JSON lines.
 */
class AuditTextReader {
  readonly pending: AuditFileItem[] = [];
  pendingBytes = 0;
  private readonly pendingSizes: number[] = [];
  private readonly emit: Emit = (item, textBytes) => {
    this.pending.push(item);
    this.pendingSizes.push(textBytes);
    this.pendingBytes += textBytes;
  };
  private lines: JsonLinesReader | null = null;
  private documents: JsonDocumentScanner | null;
  /** Text seen while the format is undecided. */
  private undecided: Buffer[] | null = [];
  private undecidedBytes = 0;
  /** The first bytes, held until we know whether they are a byte order mark. */
  private start: Buffer | null = Buffer.alloc(0);

  constructor(private readonly maxItemBytes: number) {
    // The document scanner reads speculatively; its items are only kept if it is chosen.
    this.documents = new JsonDocumentScanner(maxItemBytes, this.emit);
  }

  get unit(): AuditFileUnit {
    return this.lines ? "line" : "item";
  }

  get bufferedBytes(): number {
    return this.undecidedBytes + (this.lines?.bufferedBytes ?? 0) + (this.documents?.bufferedBytes ?? 0) + this.pendingBytes;
  }

  push(chunk: Buffer): void {
    if (this.start) {
      const start = Buffer.concat([this.start, chunk]);
      if (start.length < UTF8_BOM.length && start.equals(UTF8_BOM.subarray(0, start.length))) {
        this.start = start;
        return;
      }
      this.start = null;
      chunk = start.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? start.subarray(UTF8_BOM.length) : start;
    }
    if (this.undecided) {
      this.undecided.push(chunk);
      this.undecidedBytes += chunk.length;
      this.documents!.push(chunk);
      this.decide(false);
      return;
    }
    (this.lines ?? this.documents)!.push(chunk);
  }

  end(): void {
    if (this.start) {
      const start = this.start;
      this.start = null;
      this.push(start);
    }
    if (this.undecided) this.decide(true);
    (this.lines ?? this.documents)!.end();
  }

  /** Adds an error item after everything read so far. */
  fail(reason: string, detail = ""): void {
    const position = (this.lines ?? this.documents)!.position;
    this.emit(errorItem(position, `${this.unit} ${position}`, reason, detail), 0);
  }

  /** Takes items from the front of the queue: up to `count` of them, and no more once they hold `maxBytes` of text. */
  take(count: number, maxBytes: number): AuditFileItem[] {
    let n = 0;
    let bytes = 0;
    while (n < count && n < this.pending.length && bytes < maxBytes) bytes += this.pendingSizes[n++]!;
    this.pendingBytes -= bytes;
    this.pendingSizes.splice(0, n);
    return this.pending.splice(0, n);
  }

  private decide(atEnd: boolean): void {
    const scanner = this.documents!;
    const shape = scanner.newlineInString ? "other" : scanner.firstValue;
    if (shape === "list" || shape === "multiLineObject") {
      this.undecided = null;
      this.undecidedBytes = 0;
      return;
    }
    if (shape === null && !atEnd && this.undecidedBytes <= this.maxItemBytes) return;
    // JSON lines (or text we cannot tell: read line by line, so damage stays within its line).
    const text = this.undecided!;
    this.undecided = null;
    this.undecidedBytes = 0;
    this.documents = null;
    this.pending.length = 0;
    this.pendingSizes.length = 0;
    this.pendingBytes = 0;
    this.lines = new JsonLinesReader(this.maxItemBytes, this.emit);
    for (const chunk of text) this.lines.push(chunk);
  }
}
