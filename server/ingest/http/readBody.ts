import { Buffer } from "node:buffer";

/** Thrown when a request body is larger than allowed: answered with 413. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than the limit of ${limit} bytes`);
  }
}

/**
 * Reads a request body, stopping as soon as it passes `limit` bytes, so an oversized
 * body costs at most `limit` bytes of memory whatever its Content-Length claims.
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
  // A body that came in one chunk is that chunk; else one copy, into memory that is not zeroed first.
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
