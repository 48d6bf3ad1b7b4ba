import { describe, expect, it } from "vitest";
import { createProgressWriter, formatBytes, formatDuration, formatProgress, type ImportProgressState } from "./progress";

const MiB = 1024 * 1024;
const base: ImportProgressState = {
  startedAtMs: 1_000_000,
  bytesRead: 0,
  totalBytes: 400 * MiB,
  eventsRead: 0,
  accepted: 0,
  skipped: 0,
  duplicates: 0,
  rejected: 0,
};

describe("formatProgress", () => {
  it("shows a bar, bytes of total, rate, counts and the time left when the size is known", () => {
    const state = { ...base, bytesRead: 100 * MiB, eventsRead: 25_000, accepted: 20_000, skipped: 3_000, duplicates: 4_990, rejected: 10 };
    expect(formatProgress(state, base.startedAtMs + 10_000)).toBe(
      "[######..................]  25%  100.0 MiB / 400.0 MiB  2,500 events/s  accepted 20,000 (3,000 skipped), duplicates 4,990, rejected 10  ETA 30s",
    );
  });

  it("shows bytes read and elapsed time when the size is unknown", () => {
    const state = { ...base, totalBytes: null, bytesRead: 1536, eventsRead: 3, accepted: 3 };
    expect(formatProgress(state, base.startedAtMs + 2_000)).toBe(
      "1.5 KiB read  2 events/s  accepted 3 (0 skipped), duplicates 0, rejected 0  elapsed 2s",
    );
  });

  it("starts at zero without dividing by zero and ends at a full bar", () => {
    expect(formatProgress(base, base.startedAtMs)).toBe(
      "[........................]   0%  0 B / 400.0 MiB  0 events/s  accepted 0 (0 skipped), duplicates 0, rejected 0  elapsed 0s",
    );
    expect(formatProgress({ ...base, bytesRead: 400 * MiB }, base.startedAtMs + 65_000)).toMatch(/^\[#{24}\] 100% .* elapsed 1m05s$/);
  });
});

describe("formatBytes and formatDuration", () => {
  it("use binary units and compact durations", () => {
    expect([0, 1023, 1024, 5 * MiB, 3 * 1024 * MiB].map(formatBytes)).toEqual(["0 B", "1023 B", "1.0 KiB", "5.0 MiB", "3.0 GiB"]);
    expect([0, 59_400, 61_000, 3_720_000].map(formatDuration)).toEqual(["0s", "59s", "1m01s", "1h02m"]);
  });
});

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 60, write: (text: string) => writes.push(text) } };
}

describe("createProgressWriter", () => {
  it("redraws in place on a terminal at most every 100 ms, cut to its width", () => {
    let now = base.startedAtMs;
    const { writes, stream } = fakeStream(true);
    const writer = createProgressWriter(stream, { now: () => now });
    writer.update(base);
    now += 50;
    writer.update(base);
    now += 60;
    writer.update(base);
    writer.finish(base);
    expect(writes).toHaveLength(4);
    expect(writes.slice(0, 3).every((w) => w.startsWith("\r") && w.endsWith("\x1b[K") && w.length === 1 + 59 + 3)).toBe(true);
    expect(writes[3]).toBe("\n");
  });

  it("prints plain lines every few seconds elsewhere, and nothing for a short import", () => {
    let now = base.startedAtMs;
    const { writes, stream } = fakeStream(false);
    const writer = createProgressWriter(stream, { now: () => now, plainIntervalMs: 5000 });
    writer.update(base);
    now += 4000;
    writer.update(base);
    expect(writes).toEqual([]);
    now += 1000;
    writer.update(base);
    now += 1000;
    writer.update(base);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^\[.*elapsed 5s\n$/);
    writer.finish(base);
    expect(writes).toHaveLength(2);

    const short = fakeStream(false);
    const quiet = createProgressWriter(short.stream, { now: () => base.startedAtMs + 100 });
    quiet.update(base);
    quiet.finish(base);
    expect(short.writes).toEqual([]);
  });
});
