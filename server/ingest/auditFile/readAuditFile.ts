import type { Readable } from "node:stream";
import { crc32, createInflateRaw } from "node:zlib";
import { ConcatenatedJsonScanner, type Emit, type JsonStreamItem } from "./concatenatedJson";

/**
 * Streams audit events out of a log file without holding the file in memory: any sequence of
 * JSON values — JSON lines (kube-apiserver's `--audit-log-format=json`), pretty-printed Events,
 * `EventList` documents (compact, pretty-printed, or one per line), JSON arrays of events, one
 * after another in any mix (concatenatedJson.ts); plain or gzipped. Memory stays bounded: the
 * event being read (at most `maxItemBytes`) plus one batch.
 */

/** One event read from the file (with the line its JSON starts on), or why some text could not be read. */
export type AuditFileItem = JsonStreamItem;

export interface AuditFileBatch {
  items: AuditFileItem[];
  /** Bytes consumed from the source so far: compressed bytes for gzip input. */
  bytesRead: number;
}

/** Memory held by the reader, for tests and diagnostics; updated as the reader runs. */
export interface AuditReaderStats {
  bufferedBytes: number;
  peakBufferedBytes: number;
}

export interface ReadAuditOptions {
  /** Items per batch (the last batch may be smaller). */
  batchSize: number;
  /** Longest event read (a JSON value, or an item of a list); longer ones become an error item. Default 16 MiB. */
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
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

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
      yield { items: reader.take(opts.batchSize, maxBatchBytes), bytesRead: source.bytesRead };
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

/** The items read and not yet handed out, behind a scanner that skips a byte order mark. */
class AuditTextReader {
  readonly pending: AuditFileItem[] = [];
  pendingBytes = 0;
  private readonly pendingSizes: number[] = [];
  private readonly emit: Emit = (item, textBytes) => {
    this.pending.push(item);
    this.pendingSizes.push(textBytes);
    this.pendingBytes += textBytes;
  };
  private readonly scanner: ConcatenatedJsonScanner;
  /** The first bytes, held until we know whether they are a byte order mark. */
  private start: Buffer | null = Buffer.alloc(0);

  constructor(maxItemBytes: number) {
    this.scanner = new ConcatenatedJsonScanner(maxItemBytes, this.emit);
  }

  get bufferedBytes(): number {
    return (this.start?.length ?? 0) + this.scanner.bufferedBytes + this.pendingBytes;
  }

  push(chunk: Buffer): void {
    if (this.start) {
      const start = Buffer.concat([this.start, chunk]);
      if (start.length < UTF8_BOM.length && start.equals(UTF8_BOM.subarray(0, start.length))) {
        this.start = start;
        return;
      }
      this.start = null;
      chunk = start;
      if (start.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)) {
        chunk = start.subarray(UTF8_BOM.length);
        this.scanner.skip(UTF8_BOM.length);
      }
    }
    this.scanner.push(chunk);
  }

  end(): void {
    if (this.start) {
      const start = this.start;
      this.start = null;
      this.scanner.push(start);
    }
    this.scanner.end();
  }

  /** Adds an error item after everything read so far. */
  fail(reason: string, detail = ""): void {
    this.scanner.fail(reason, detail);
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
}
