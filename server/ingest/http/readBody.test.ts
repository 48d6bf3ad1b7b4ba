import { describe, expect, it } from "vitest";
import { BodyTooLargeError, readBodyWithLimit } from "./readBody";

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
