import fs from "node:fs";

/**
 * The workload's batches in one file, for the rounds of `npm run bench:cpu`, each run in a
 * process of its own: for each batch, its event count and byte length (32-bit big-endian),
 * then its body.
 */

export interface StoredBatch {
  events: number;
  body: Buffer;
}

export function writeBatches(file: string, batches: readonly StoredBatch[]): void {
  const fd = fs.openSync(file, "w");
  try {
    for (const { events, body } of batches) {
      const header = Buffer.alloc(8);
      header.writeUInt32BE(events, 0);
      header.writeUInt32BE(body.length, 4);
      fs.writeSync(fd, header);
      fs.writeSync(fd, body);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Each body is a copy of its own, as a webhook body is its own buffer. */
export function readBatches(file: string): StoredBatch[] {
  const all = fs.readFileSync(file);
  const batches: StoredBatch[] = [];
  for (let offset = 0; offset < all.length; ) {
    if (offset + 8 > all.length) throw new Error(`${file}: truncated at byte ${offset}`);
    const events = all.readUInt32BE(offset);
    const length = all.readUInt32BE(offset + 4);
    if (offset + 8 + length > all.length) throw new Error(`${file}: truncated at byte ${offset}`);
    const body = Buffer.allocUnsafeSlow(length);
    all.copy(body, 0, offset + 8, offset + 8 + length);
    batches.push({ events, body });
    offset += 8 + length;
  }
  return batches;
}
