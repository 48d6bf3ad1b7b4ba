import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, TEST_TOKEN, type TestApp } from "../../testing/appHarness";
import { falcoEvents } from "../../testing/fixtures";
import { eventList } from "../../testing/scenarios/rollout";

/**
 * A sender that stops in the middle of a body (a stalled proxy, a half-dead connection) holds an
 * admitted batch's place, and with it other senders' chance to be let in: it is answered 408
 * once it has been silent for KUBETRAIL_BODY_IDLE_TIMEOUT.
 */
describe("a webhook body that stops arriving", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("postgres", { KUBETRAIL_INGEST_CONCURRENCY: "1", KUBETRAIL_INGEST_QUEUE: "1", KUBETRAIL_BODY_IDLE_TIMEOUT: "1s" });
  });
  afterAll(() => app.close());

  /** Sends the headers and the first `sent` bytes of `body`, then goes quiet; resolves with what the server answers. */
  function stalledPost(body: string, sent: number): { answer: Promise<string>; admitted: Promise<void> } {
    const { hostname, port } = new URL(app.url);
    const socket = net.connect(Number(port), hostname);
    let received = "";
    const answer = new Promise<string>((resolve) => {
      socket.on("data", (chunk) => (received += chunk.toString("utf8")));
      socket.on("close", () => resolve(received));
    });
    socket.write(
      `POST /api/audit/stalled HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${TEST_TOKEN}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, sent)}`,
    );
    return { answer, admitted: waitFor(() => app.context.gate.stats.pendingBatches > 0) };
  }

  async function waitFor(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it("answers 408 and gives its place back, so that other batches get in again", async () => {
    const body = JSON.stringify(eventList(falcoEvents("create_configmap.json")));
    const first = stalledPost(body, 20);
    await first.admitted;
    const second = stalledPost(body, 20);
    await waitFor(() => app.context.gate.stats.pendingBatches === 2);
    // Both places (one writer, one in the queue) are held by senders that went quiet.
    expect((await app.postAudit(eventList(falcoEvents("create_service.json")), { cluster: "stalled" })).status).toBe(429);

    for (const stalled of [first, second]) {
      const answer = await stalled.answer;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toMatch(/connection: close/i);
      expect(answer).toContain('"code":"body_timeout"');
      expect(answer).toContain("no part of the request body arrived for 1 s");
    }
    expect(app.context.gate.stats).toEqual({ running: 0, pendingBatches: 0, pendingBytes: 0 });
    const after = await app.postAudit(eventList(falcoEvents("create_service.json")), { cluster: "stalled" });
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ accepted: 1 });
  });
});
