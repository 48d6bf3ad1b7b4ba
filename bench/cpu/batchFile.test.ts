import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateWorkload } from "../ingest/workload/workload";
import { readBatches, writeBatches } from "./batchFile";

describe("the batch file of bench:cpu", () => {
  let dir = "";
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubetrail-batch-file-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("gives back the workload's batches byte for byte, each with its event count", () => {
    const workload = generateWorkload({ events: 1_000, batchSize: 400, seed: 7, namespacePrefix: "t", startTime: "2026-01-05T09:00:00Z" });
    const batches = workload.batches.map((body, i) => ({ body, events: Math.min(400, workload.events - i * 400) }));
    const file = path.join(dir, "batches");
    writeBatches(file, batches);
    const read = readBatches(file);
    expect(read.map((b) => b.events)).toEqual([400, 400, 200]);
    read.forEach((batch, i) => expect(batch.body.equals(batches[i]!.body)).toBe(true));
  });

  it("refuses a file cut short instead of reading a partial batch", () => {
    const file = path.join(dir, "batches");
    writeBatches(file, [{ events: 1, body: Buffer.from('{"kind":"EventList","items":[]}') }]);
    fs.truncateSync(file, fs.statSync(file).size - 3);
    expect(() => readBatches(file)).toThrow(/truncated at byte 0/);
  });
});
