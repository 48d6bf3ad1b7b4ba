import type { Readable } from "node:stream";
import { crc32, createInflateRaw } from "node:zlib";

/**
 * The bytes of an imported file (or standard input), gunzipped when they start with gzip's magic
 * bytes, one gzip member after another; other compressions are named and refused. Shared by the
 * audit log import and the Kubernetes Events import.
 */

/** Whether `error` is zlib's (or gunzipMembers' own, alike): a damaged or truncated .gz file. */
export function isZlibError(error: unknown): boolean {
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
/**
 * The source's bytes, gunzipped when they start with the gzip magic bytes; counts source bytes in
 * `source.bytesRead`. `importCommand` (e.g. "npm run import") is named in the advice for other
 * compressions.
 */
export async function* decompressedChunks(input: Readable, source: { bytesRead: number }, importCommand: string): AsyncGenerator<Buffer> {
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
    throw new Error(`the input is ${other.name}-compressed; only gzip is read: decompress it first (${other.tool} -dc FILE | ${importCommand} -- -)`);
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

