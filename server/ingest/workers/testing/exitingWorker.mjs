// A stand-in ingest worker for pool.integration-test.ts: speaks the pool's protocol
// (server/ingest/workers/protocol.ts) but stores nothing. A batch for cluster "exit" makes the
// thread exit with code 3 mid-batch, as a worker that crashed would; any other batch is answered
// with an empty summary once the body's byte length is known.
import { parentPort } from "node:worker_threads";

parentPort.on("message", (message) => {
  if (message.type === "close") process.exit(0);
  if (message.cluster === "exit") process.exit(3);
  const received = message.body.byteLength;
  parentPort.postMessage({
    type: "done",
    id: message.id,
    outcome: { ok: true, summary: { received, accepted: 0, duplicates: 0, skipped: 0, history: 0, reads: 0, rejected: [] } },
  });
});
parentPort.postMessage({ type: "ready" });
