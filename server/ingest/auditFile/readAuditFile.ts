import type { Readable } from "node:stream";
import { decompressedChunks, isZlibError } from "../compressedInput";
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
    for await (const chunk of decompressedChunks(input, source, "npm run import")) {
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
