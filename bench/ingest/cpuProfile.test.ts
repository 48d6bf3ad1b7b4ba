import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { summarizeCpuProfile } from "./cpuProfile";

/**
 * A V8 CPU profile (the format `node --cpu-prof` writes) of a made-up program: `main` calls
 * `store`, which calls `parse` and itself (recursion); 10 ms idle.
 */
function profile() {
  const frame = (functionName: string, url = "file:///app/store.js", lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: "1" });
  return {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 6] },
      { id: 2, callFrame: frame("main", "file:///app/main.js"), children: [3] },
      { id: 3, callFrame: frame("store", "file:///app/store.js", 10), children: [4, 5] },
      { id: 4, callFrame: frame("parse", "file:///app/parse.js", 20) },
      { id: 5, callFrame: frame("store", "file:///app/store.js", 10), children: [7] },
      { id: 6, callFrame: frame("(idle)", "") },
      { id: 7, callFrame: frame("parse", "file:///app/parse.js", 20) },
    ],
    startTime: 0,
    endTime: 100_000,
    // 30 ms in main's store itself, 40 ms in parse under it, 20 ms in parse under the recursive store, 10 ms idle.
    samples: [3, 3, 3, 4, 4, 4, 4, 7, 7, 6],
    timeDeltas: Array.from({ length: 10 }, () => 10_000),
  };
}

describe("summarizeCpuProfile", () => {
  let dir = "";
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("gives each function's inclusive time once per sample, however often it is on the stack, as a share of the busy time", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubetrail-profile-"));
    const file = path.join(dir, "test.cpuprofile");
    fs.writeFileSync(file, JSON.stringify(profile()));
    const summary = summarizeCpuProfile(file);
    expect(summary).toMatchObject({ totalMs: 100, busyMs: 90 });
    const byTimeThenName = summary.topInclusive.map(({ name, ms, share }) => ({ name, ms, share })).sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name));
    expect(byTimeThenName).toEqual([
      { name: "main", ms: 90, share: 100 },
      { name: "store", ms: 90, share: 100 },
      { name: "parse", ms: 60, share: 66.7 },
    ]);
    expect(summary.topFunctions.find((f) => f.name === "parse")).toMatchObject({ ms: 60, share: 60 });
  });
});
