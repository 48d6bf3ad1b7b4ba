import type { Readable } from "node:stream";
import { decompressedChunks, isZlibError } from "../compressedInput";
import { ConcatenatedJsonScanner, type JsonStreamItem } from "../auditFile/concatenatedJson";
import { DEFAULT_MAX_ITEM_BYTES } from "../auditFile/readAuditFile";
import { formatBytes } from "../auditFile/progress";
import { YamlEventScanner } from "./yamlEvents";

/**
 * Streams the values out of a file of Kubernetes Events, whatever shape people have it in:
 * JSON (`kubectl get events -o json`'s List, an EventList, a JSON array, concatenated or
 * newline-delimited Events or watch events as `kubectl get events -o json --watch-only` writes
 * them) or YAML (`-o yaml`, a must-gather's events.yaml, documents separated by `---`); plain or
 * gzipped (told by the magic bytes). JSON is told by its first character (`{` or `[`), the rest
 * is read as YAML. Each value comes out with the line it starts on, and a list's items one by one
 * with the list's apiVersion, for items that leave theirs out: what the values are (an Event, a
 * watch event, something else) is for the caller to tell (eventValues.ts).
 */

/** A value read (an item of a list, or a document), or why some text could not be read. */
export type EventFileItem = JsonStreamItem;

export interface EventFileChunk {
  items: EventFileItem[];
  /** Bytes consumed from the source so far: compressed bytes for gzip input. */
  bytesRead: number;
}

export interface ReadEventFileOptions {
  /** The most bytes of text read (decompressed): beyond, reading stops with InputTooLargeError. */
  maxBytes: number;
  /** When aborted, reading stops at once; the values read whole so far still come out, one cut short does not. */
  signal?: AbortSignal;
  /** Longest JSON value or list item read; longer ones are reported. */
  maxItemBytes?: number;
}

export const DEFAULT_MAX_INPUT_BYTES = 1024 ** 3;

/** The input is larger than the limit it is read with; `found` says so in words. */
export class InputTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    found: string,
  ) {
    super(`${found}: raise the limit with --max-size to import it, or split it`);
  }
}

/** The input is no text of Events at all (an archive, binary data, UTF-16): the message names what it is. */
export class NotEventTextError extends Error {}

/** Bytes looked at before reading: enough for a tar header's magic at byte 257. */
const SNIFF_BYTES = 512;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const IMPORT_COMMAND = "npm run import:events";

/** Reads `input` (a file stream or stdin), handing out what was read chunk by chunk. */
export async function* readEventFile(input: Readable, options: ReadEventFileOptions): AsyncGenerator<EventFileChunk> {
  const source = { bytesRead: 0 };
  const reader = new EventTextReader(options.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES);
  let textBytes = 0;
  const stopped = () => options.signal?.aborted === true;
  // A read waiting for input (a pipe from `kubectl get events --watch-only`) ends when the input is destroyed.
  const stopReading = () => input.destroy();
  options.signal?.addEventListener("abort", stopReading, { once: true });
  try {
    for await (const chunk of decompressedChunks(input, source, IMPORT_COMMAND)) {
      textBytes += chunk.length;
      if (textBytes > options.maxBytes) throw new InputTooLargeError(options.maxBytes, `the input is larger than the limit of ${formatBytes(options.maxBytes)} (counted decompressed)`);
      reader.push(chunk);
      if (reader.pending.length > 0) yield { items: reader.pending.splice(0), bytesRead: source.bytesRead };
      if (stopped()) break;
    }
    if (!stopped()) reader.end();
  } catch (error) {
    if (!stopped()) {
      if (!isZlibError(error)) throw error;
      // A truncated or damaged .gz file: keep what was read and say where it stopped.
      reader.fail("cannot decompress the rest of the file", `: ${(error as Error).message}`);
    }
  } finally {
    options.signal?.removeEventListener("abort", stopReading);
  }
  if (reader.pending.length > 0) yield { items: reader.pending.splice(0), bytesRead: source.bytesRead };
}

/** The values read and not yet handed out, behind the scanner the text's first bytes chose. */
class EventTextReader {
  readonly pending: EventFileItem[] = [];
  private readonly emit = (item: EventFileItem) => {
    this.pending.push(item);
  };
  private scanner: ConcatenatedJsonScanner | YamlEventScanner | null = null;
  /** The first bytes, held until they tell JSON from YAML. */
  private head: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly maxItemBytes: number) {}

  push(chunk: Buffer): void {
    if (this.scanner) {
      this.scanner.push(chunk);
      return;
    }
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength >= SNIFF_BYTES) this.start(false);
  }

  end(): void {
    if (!this.scanner && this.headLength > 0) this.start(true);
    this.scanner?.end();
  }

  /** Reports that the input broke off (a damaged .gz file), after the values read whole before it. */
  fail(reason: string, detail: string): void {
    if (!this.scanner) this.start(true);
    if (this.scanner instanceof ConcatenatedJsonScanner) this.scanner.end();
    this.scanner!.fail(reason, detail);
  }

  private start(final: boolean): void {
    const bytes = Buffer.concat(this.head);
    const format = sniffText(bytes, final);
    if (format === null) {
      this.head = [bytes];
      return;
    }
    this.head = [];
    const bom = bytes.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? UTF8_BOM.length : 0;
    if (format === "json") {
      const json = new ConcatenatedJsonScanner(this.maxItemBytes, this.emit);
      json.skip(bom);
      this.scanner = json;
    } else {
      this.scanner = new YamlEventScanner(this.emit);
    }
    this.scanner.push(bytes.subarray(bom));
  }
}

/**
 * How to read text that starts with `bytes`: JSON when its first character is `{` or `[`, else
 * YAML; null while only white space has come (and more may). Throws NotEventTextError for what
 * is not text: people hand a must-gather's .tar.gz, or a file PowerShell wrote as UTF-16.
 */
export function sniffText(bytes: Buffer, final: boolean): "json" | "yaml" | null {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new NotEventTextError("the input is UTF-16 text (as PowerShell's > writes it); Kubetrail reads UTF-8: convert it first (iconv -f UTF-16 -t UTF-8)");
  }
  if (bytes.subarray(257, 262).toString("latin1") === "ustar") {
    throw new NotEventTextError("the input is a tar archive (a must-gather?): extract it and import its events files (namespaces/*/core/events.yaml in a must-gather)");
  }
  if (bytes.subarray(0, 4).equals(Buffer.from("PK\x03\x04", "latin1"))) {
    throw new NotEventTextError("the input is a zip archive: extract it and import the events files in it");
  }
  if (bytes.includes(0)) throw new NotEventTextError("the input is binary data, not text: neither JSON nor YAML");
  let i = bytes.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? UTF8_BOM.length : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  if (i === bytes.length) return final ? "yaml" : null;
  return bytes[i] === 0x7b || bytes[i] === 0x5b ? "json" : "yaml";
}
