import { Buffer, isUtf8 } from "node:buffer";
import { QUOTE, BACKSLASH, COMMA, COLON, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } from "../jsonBytes";

/**
 * Parses a webhook body, an EventList of up to hundreds of kilobytes, without ever making one
 * string of it. V8 keeps a string longer than 128 KB in its large-object space, on memory fresh
 * from the kernel; on the VMs we measured, decoding a batch's ~900 KB into one string cost
 * about ten times what decoding it in small pieces costs (page faults), more than parsing it.
 * So the bytes are split into the `items` array's elements, each decoded and parsed on its
 * own, and the rest of the document (with `"items": []`) is parsed as one small string.
 *
 * The result is what `JSON.parse` of the whole decoded text gives. Anything the splitter does
 * not expect (an escaped or repeated key at the top, a syntax error anywhere) is handed to
 * `JSON.parse` of the whole text, so errors read exactly as JSON.parse words them.
 */

/** The body is not UTF-8. */
export class InvalidUtf8Error extends Error {
  constructor() {
    super("request body is not valid UTF-8");
  }
}


/** `"items"` as bytes, quotes included. */
const ITEMS_KEY = Buffer.from('"items"');

/**
 * Parses `bytes` as JSON text (UTF-8, a leading byte order mark ignored, as TextDecoder does).
 * Throws InvalidUtf8Error, or JSON.parse's SyntaxError.
 */
export function parseEventListJson(bytes: Uint8Array): unknown {
  if (!isUtf8(bytes)) throw new InvalidUtf8Error();
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start);
  const parsed = parseByItems(buffer);
  return parsed !== undefined ? parsed.value : JSON.parse(buffer.toString("utf8"));
}

/**
 * The document parsed item by item, or undefined when the splitter finds no items array or a
 * piece is not valid JSON (the caller then parses the whole text).
 */
export function parseByItems(buffer: Buffer): { value: unknown } | undefined {
  // Split where an apiserver's EventList puts its items first; should a piece then not parse
  // (the marker was inside an item, or the text is laid out otherwise), by scanning.
  return parseSplit(buffer, splitItems(buffer, { byEventMarker: true })) ?? parseSplit(buffer, splitItems(buffer));
}

function parseSplit(buffer: Buffer, split: ItemsSplit | null): { value: unknown } | undefined {
  if (split === null) return undefined;
  try {
    const envelope: unknown = JSON.parse(buffer.toString("utf8", 0, split.open + 1) + buffer.toString("utf8", split.close, buffer.length));
    if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope)) return undefined;
    const items: unknown[] = [];
    for (let i = 0; i < split.elements.length; i += 2) items.push(JSON.parse(buffer.toString("utf8", split.elements[i], split.elements[i + 1])));
    (envelope as Record<string, unknown>).items = items;
    return { value: envelope };
  } catch {
    return undefined; // a syntax error: JSON.parse of the whole text names it
  }
}

/** Where the items array opens and closes, and each element's [start, end) in between, flattened into pairs. */
export interface ItemsSplit {
  open: number;
  close: number;
  elements: number[];
}

/**
 * What comes between two events of an EventList as kube-apiserver writes it: Go's encoding/json
 * writes no spaces and a struct's fields in order, and an audit Event starts with its TypeMeta.
 * A `{"` is never inside a JSON string (a quote there is escaped), so every match is structure,
 * but it may be inside an event (a response that lists audit events): a piece cut there is not
 * a whole value, does not parse, and the caller scans instead. A piece that parses is a whole
 * value, so pieces that all parse are the elements exactly.
 */
const EVENT_SEPARATOR = Buffer.from('},{"kind":"Event","apiVersion":"audit.k8s.io/');

/**
 * Where the top-level object's `items` array opens (`[`) and closes (`]`), and each element's
 * [start, end) in between, flattened into pairs. Null when the text is not a top-level object with
 * exactly one plainly written `items` key whose value is an array, or when its structure is not
 * what JSON allows where the splitter looks (the pieces are parsed by JSON.parse anyway).
 *
 * `byEventMarker`: the items are taken to be the document's last key, and elements are cut at
 * each EVENT_SEPARATOR instead of found by scanning every byte (ten times faster). Right only
 * when every piece parses: the caller must check, and split by scanning when one does not.
 */
export function splitItems(bytes: Uint8Array, options: { byEventMarker?: boolean } = {}): ItemsSplit | null {
  const n = bytes.length;
  let p = skipSpace(bytes, 0);
  if (bytes[p] !== OPEN_BRACE) return null;
  p = skipSpace(bytes, p + 1);
  let found: ItemsSplit | null = null;
  if (bytes[p] === CLOSE_BRACE) return null;
  for (;;) {
    if (bytes[p] !== QUOTE) return null;
    const keyStart = p;
    p = endOfString(bytes, p + 1);
    if (p < 0) return null;
    const isItems = p - keyStart === ITEMS_KEY.length && ITEMS_KEY.equals(bytes.subarray(keyStart, p));
    // An escape in a key could spell "items" in a way the comparison above does not see.
    if (!isItems && bytes.subarray(keyStart, p).includes(BACKSLASH)) return null;
    p = skipSpace(bytes, p);
    if (bytes[p] !== COLON) return null;
    p = skipSpace(bytes, p + 1);
    if (isItems) {
      if (found !== null || bytes[p] !== OPEN_BRACKET) return null;
      const open = p;
      if (options.byEventMarker) {
        found = splitByEventMarker(bytes, open);
        if (found === null) return null;
        p = found.close + 1;
        p = skipSpace(bytes, p);
        if (bytes[p] !== CLOSE_BRACE) return null;
        break;
      }
      const elements: number[] = [];
      p = skipSpace(bytes, p + 1);
      if (bytes[p] !== CLOSE_BRACKET) {
        for (;;) {
          const end = endOfValue(bytes, p);
          if (end < 0) return null;
          elements.push(p, end);
          p = skipSpace(bytes, end);
          if (bytes[p] === CLOSE_BRACKET) break;
          if (bytes[p] !== COMMA) return null;
          p = skipSpace(bytes, p + 1);
        }
      }
      found = { open, close: p, elements };
      p++;
    } else {
      p = endOfValue(bytes, p);
      if (p < 0) return null;
    }
    p = skipSpace(bytes, p);
    if (bytes[p] === CLOSE_BRACE) break;
    if (bytes[p] !== COMMA) return null;
    p = skipSpace(bytes, p + 1);
  }
  return skipSpace(bytes, p + 1) === n ? found : null;
}

/**
 * The items array that opens at `open` taken to end at the document's last `]` (the one before
 * its closing brace), its elements cut at each EVENT_SEPARATOR.
 */
function splitByEventMarker(bytes: Uint8Array, open: number): ItemsSplit | null {
  let end = bytes.length - 1;
  while (end > open && isSpace(bytes[end]!)) end--;
  if (bytes[end] !== CLOSE_BRACE) return null;
  end--;
  while (end > open && isSpace(bytes[end]!)) end--;
  if (bytes[end] !== CLOSE_BRACKET) return null;
  const close = end;
  const elements: number[] = [];
  let start = skipSpace(bytes, open + 1);
  if (start === close) return { open, close, elements };
  let last = close - 1;
  while (isSpace(bytes[last]!)) last--;
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (;;) {
    const separator = buffer.indexOf(EVENT_SEPARATOR, start);
    if (separator < 0 || separator >= last) break;
    elements.push(start, separator + 1);
    start = separator + 2;
  }
  elements.push(start, last + 1);
  return { open, close, elements };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(bytes: Uint8Array, p: number): number {
  for (;;) {
    const c = bytes[p];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return p;
    p++;
  }
}

/** The index after the closing quote of the string whose content starts at `p`, or -1. */
function endOfString(bytes: Uint8Array, p: number): number {
  const n = bytes.length;
  for (; p < n; p++) {
    const c = bytes[p];
    if (c === QUOTE) return p + 1;
    if (c === BACKSLASH) p++;
  }
  return -1;
}

/**
 * The index after the value that starts at `p`: a string, an object or array (brackets
 * counted, not matched: JSON.parse checks the piece), or a literal up to the next delimiter.
 * -1 when the text ends first.
 */
function endOfValue(bytes: Uint8Array, p: number): number {
  const n = bytes.length;
  const first = bytes[p];
  if (first === QUOTE) return endOfString(bytes, p + 1);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    while (p < n) {
      const c = bytes[p];
      if (c === QUOTE) {
        p = endOfString(bytes, p + 1);
        if (p < 0) return -1;
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return p + 1;
      }
      p++;
    }
    return -1;
  }
  const start = p;
  while (p < n) {
    const c = bytes[p];
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break;
    p++;
  }
  return p > start ? p : -1;
}
