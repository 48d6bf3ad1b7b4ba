// Writes docs/samples/audit-sample.jsonl: a real-shaped audit log to try Kubetrail with
// (`npm run import -- docs/samples/audit-sample.jsonl`). Built from the recorded data in
// ../shared/fixtures/real: the falco k8s-audit traces as recorded, and the Deployment
// rollout derived from the real OpenShift objects (server/testing/scenarios/rollout.ts).
import fs from "node:fs";
import path from "node:path";
import { falcoEventLines } from "../server/testing/fixtures";
import { rolloutScenario } from "../server/testing/scenarios/rollout";

const out = path.resolve(import.meta.dirname, "../docs/samples/audit-sample.jsonl");
const lines = [...falcoEventLines(), ...rolloutScenario().map((step) => JSON.stringify(step.event))];
fs.writeFileSync(out, lines.join("\n") + "\n");
console.log(`wrote ${lines.length} events to ${path.relative(process.cwd(), out)}`);
