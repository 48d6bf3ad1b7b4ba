import { Buffer } from "node:buffer";

/** Thrown when a request body is larger than allowed: answered with 413. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than the limit of ${limit} bytes`);
  }
}

/**
 * Reads a request body, stopping as soon as it passes `limit` bytes, so an oversized
 * body costs at most `limit` bytes of memory whatever its Content-Length claims. The body
 * spans the whole of its ArrayBuffer, which nothing else refers to.
 */
export async function readBodyWithLimit(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  // One copy, into memory of its own (never a slice of Buffer's shared pool, nor of the HTTP
  // layer's): the body can then be handed to an ingest worker by moving its memory, and is freed
  // with it, instead of lingering on this thread, which allocates too little to collect often.
  const bytes = Buffer.allocUnsafeSlow(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
