import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BodyTooLargeError, IncompleteBodyError, readBodyWithLimit, readNodeBodyWithLimit } from "./readBody";

function streamOf(chunks: Uint8Array[], onPull?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      onPull?.();
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}

describe("readBodyWithLimit", () => {
  it("joins the chunks of a body within the limit", async () => {
    const body = await readBodyWithLimit(streamOf([new Uint8Array([1, 2]), new Uint8Array([3])]), 3);
    expect([...body]).toEqual([1, 2, 3]);
  });

  it("gives the body a buffer of its own, whole, even when it came in one chunk", async () => {
    const shared = new Uint8Array([9, 1, 2, 3, 9]);
    const chunk = shared.subarray(1, 4);
    const body = await readBodyWithLimit(streamOf([chunk]), 3);
    expect([...body]).toEqual([1, 2, 3]);
    expect(body.buffer).not.toBe(shared.buffer);
    expect(body.byteOffset).toBe(0);
    expect(body.buffer.byteLength).toBe(3);
    const joined = await readBodyWithLimit(streamOf([new Uint8Array([1]), new Uint8Array([2, 3])]), 3);
    expect([joined.byteOffset, joined.buffer.byteLength]).toEqual([0, 3]);
  });

  it("stops reading as soon as the limit is passed", async () => {
    let pulls = 0;
    const chunks = Array.from({ length: 100 }, () => new Uint8Array(10));
    await expect(readBodyWithLimit(streamOf(chunks, () => pulls++), 25)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(pulls).toBeLessThan(10);
  });

  it("reads a missing body as empty", async () => {
    expect((await readBodyWithLimit(null, 10)).byteLength).toBe(0);
  });
});

describe("readNodeBodyWithLimit", () => {
  /** A request-like stream that yields `chunks`, then ends (or, with `closeEarly`, closes without ending). */
  function requestOf(chunks: Buffer[], options: { closeEarly?: boolean } = {}): Readable {
    let i = 0;
    const stream = new Readable({
      read() {
        if (i < chunks.length) this.push(chunks[i++]!);
        else if (options.closeEarly) this.destroy();
        else this.push(null);
      },
    });
    return stream;
  }

  it("copies a declared body straight into one buffer of its own, whole", async () => {
    const pooled = Buffer.from("xxhello worldxx");
    const body = await readNodeBodyWithLimit(requestOf([pooled.subarray(2, 7), pooled.subarray(7, 13)]), 11, 100);
    expect(Buffer.from(body).toString()).toBe("hello world");
    expect([body.byteOffset, body.buffer.byteLength]).toEqual([0, 11]);
    expect(body.buffer).not.toBe(pooled.buffer);
  });

  it("joins an undeclared (chunked) body into a buffer of its own", async () => {
    const body = await readNodeBodyWithLimit(requestOf([Buffer.from("ab"), Buffer.from("cde")]), null, 5);
    expect(Buffer.from(body).toString()).toBe("abcde");
    expect([body.byteOffset, body.buffer.byteLength]).toEqual([0, 5]);
  });

  it("stops reading an undeclared body as soon as it passes the limit, and leaves the stream paused", async () => {
    let reads = 0;
    const request = new Readable({
      read() {
        reads++;
        this.push(Buffer.alloc(10));
      },
    });
    await expect(readNodeBodyWithLimit(request, null, 25)).rejects.toBeInstanceOf(BodyTooLargeError);
    const readsAtRefusal = reads;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(request.isPaused()).toBe(true);
    expect(reads).toBeLessThan(readsAtRefusal + 3);
    request.destroy();
  });

  it("reads an empty body", async () => {
    expect((await readNodeBodyWithLimit(requestOf([]), 0, 10)).byteLength).toBe(0);
    expect((await readNodeBodyWithLimit(requestOf([]), null, 10)).byteLength).toBe(0);
  });

  it("fails with IncompleteBodyError when the request errors (an aborted request) before the body ends", async () => {
    const request = new Readable({ read() {} });
    const reading = readNodeBodyWithLimit(request, 10, 100);
    request.push(Buffer.from("ab"));
    request.destroy(new Error("aborted"));
    const error = await reading.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncompleteBodyError);
    expect((error as Error).message).toBe("request body ended after 2 bytes of the 10 declared");
  });

  it("fails with IncompleteBodyError when the connection closes before the body ends", async () => {
    const error = await readNodeBodyWithLimit(requestOf([Buffer.from("abc")], { closeEarly: true }), 10, 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncompleteBodyError);
    expect((error as Error).message).toBe("request body ended after 3 bytes of the 10 declared");
  });
});
