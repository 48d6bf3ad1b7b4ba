// Writes the sample audit logs in docs/samples (`npm run sample:generate`): real-shaped audit
// logs to try Kubetrail with, built from the recorded data in ../shared/fixtures/real
// (scripts/lib/samples.ts says which).
import fs from "node:fs";
import path from "node:path";
import { SAMPLES_DIR, sampleFiles, sampleText } from "./lib/samples";

for (const file of sampleFiles()) {
  const out = path.join(SAMPLES_DIR, file.name);
  fs.writeFileSync(out, sampleText(file));
  console.log(`wrote ${file.lines.length} events to ${path.relative(process.cwd(), out)}`);
}
