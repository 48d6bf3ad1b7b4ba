import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SAMPLES_DIR, sampleFiles, sampleText } from "./samples";

describe("the sample audit logs in docs/samples", () => {
  it.each(sampleFiles().map((file) => [file.name, file] as const))("%s is what npm run sample:generate writes", (_name, file) => {
    // A scenario changed without the sample written again would leave the README's figures wrong.
    expect(fs.readFileSync(path.join(SAMPLES_DIR, file.name), "utf8")).toBe(sampleText(file));
  });

  it("every sample line is one audit event", () => {
    for (const file of sampleFiles()) {
      for (const line of file.lines) expect(JSON.parse(line)).toMatchObject({ kind: "Event", auditID: expect.any(String) });
    }
  });
});
