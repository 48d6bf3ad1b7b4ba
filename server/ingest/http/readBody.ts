import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";

/** Thrown when no part of a request body arrived for too long: answered with 408. */
export class BodyTimeoutError extends Error {
  constructor(readonly idleMs: number) {
    super(`no part of the request body arrived for ${idleMs / 1000} s`);
  }
}

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

/**
 * `readBodyWithLimit` for a Node request stream, without web streams in between. When the
 * request declares its length (within the limit), its bytes are copied straight into one
 * buffer of that size as they arrive; otherwise the chunks are kept and joined at the end.
 * Past the limit it stops reading (the stream is paused, not destroyed, so that the 413 can
 * still be written; that answer closes the connection).
 */
export function readNodeBodyWithLimit(request: Readable, declaredLength: number | null, limit: number, idleTimeoutMs: number | null = null): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const presized = declaredLength !== null && declaredLength <= limit ? Buffer.allocUnsafeSlow(declaredLength) : null;
    const chunks: Buffer[] = [];
    let total = 0;
    // A sender that stops mid-body would hold its place among the batches admitted (and their
    // memory) until Node's request timeout, 5 minutes: it gets a 408 once it has been silent this long.
    let idle: NodeJS.Timeout | null = null;
    const restartIdleTimer = () => {
      if (idleTimeoutMs === null) return;
      if (idle) idle.refresh();
      else idle = setTimeout(() => fail(new BodyTimeoutError(idleTimeoutMs)), idleTimeoutMs);
    };
    const cleanUp = () => {
      if (idle) clearTimeout(idle);
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    };
    const fail = (error: Error) => {
      cleanUp();
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      restartIdleTimer();
      if (total + chunk.byteLength > (presized ? presized.byteLength : limit)) {
        // More than declared cannot reach us (Node's HTTP parser frames the body by its
        // Content-Length), so this is an undeclared body over the limit.
        return fail(new BodyTooLargeError(limit));
      }
      if (presized) presized.set(chunk, total);
      else chunks.push(chunk);
      total += chunk.byteLength;
    };
    const onEnd = () => {
      cleanUp();
      if (presized) {
        if (total !== presized.byteLength) return reject(new IncompleteBodyError(presized.byteLength, total));
        return resolve(presized);
      }
      const bytes = Buffer.allocUnsafeSlow(total);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
      }
      resolve(bytes);
    };
    // The client went away before the body ended (an aborted request errors, then closes):
    // nothing to answer, nothing to store.
    const onError = () => fail(new IncompleteBodyError(declaredLength, total));
    const onClose = () => fail(new IncompleteBodyError(declaredLength, total));
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
    restartIdleTimer();
  });
}

/** The request ended (or its connection closed) before all of its body arrived. */
export class IncompleteBodyError extends Error {
  constructor(
    readonly declared: number | null,
    readonly received: number,
  ) {
    super(`request body ended after ${received} bytes${declared === null ? "" : ` of the ${declared} declared`}`);
  }
}
