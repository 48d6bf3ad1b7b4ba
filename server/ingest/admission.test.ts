import { describe, expect, it } from "vitest";
import { AdmissionGate } from "./admission";

describe("AdmissionGate", () => {
  it("runs at most `concurrency` batches and queues up to `queueLength` more, then refuses", async () => {
    const gate = new AdmissionGate({ concurrency: 2, queueLength: 1, maxPendingBytes: 1_000_000 });
    const a = gate.tryAdmit(10)!;
    const b = gate.tryAdmit(10)!;
    const c = gate.tryAdmit(10)!;
    expect(gate.tryAdmit(10)).toBeNull();

    const started: string[] = [];
    const runs = [a.whenRunning().then(() => started.push("a")), b.whenRunning().then(() => started.push("b"))];
    const cRunning = c.whenRunning().then(() => started.push("c"));
    await Promise.all(runs);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(["a", "b"]);
    expect(gate.stats).toEqual({ running: 2, pendingBatches: 3, pendingBytes: 30 });

    a.release();
    await cRunning;
    expect(started).toEqual(["a", "b", "c"]);
    expect(gate.tryAdmit(10)).not.toBeNull();
  });

  it("bounds the bytes held by pending batches", () => {
    const gate = new AdmissionGate({ concurrency: 4, queueLength: 100, maxPendingBytes: 100 });
    const first = gate.tryAdmit(80)!;
    expect(gate.tryAdmit(30)).toBeNull();
    expect(gate.tryAdmit(20)).not.toBeNull();
    first.release();
    expect(gate.stats.pendingBytes).toBe(20);
  });

  it("always lets a lone batch through, even one larger than the byte budget", () => {
    const gate = new AdmissionGate({ concurrency: 1, queueLength: 0, maxPendingBytes: 10 });
    expect(gate.tryAdmit(1000)).not.toBeNull();
  });

  it("gives everything back on release, once, whether the batch ran or not", async () => {
    const gate = new AdmissionGate({ concurrency: 1, queueLength: 1, maxPendingBytes: 100 });
    const running = gate.tryAdmit(5)!;
    await running.whenRunning();
    const queued = gate.tryAdmit(5)!;
    queued.release();
    queued.release();
    running.release();
    running.release();
    expect(gate.stats).toEqual({ running: 0, pendingBatches: 0, pendingBytes: 0 });
  });
});
