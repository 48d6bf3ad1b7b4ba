// The sample audit logs in docs/samples, built from the recorded data in ../shared/fixtures/real
// (see docs/samples/PROVENANCE.md). scripts/make-sample.ts writes them; a test checks that the
// files in the repository are what this builds.
import path from "node:path";
import { falcoEventLines } from "../../server/testing/fixtures";
import { rolloutScenario } from "../../server/testing/scenarios/rollout";
import { openshiftCascade } from "../../server/testing/scenarios/openshiftCascade";

export const SAMPLES_DIR = path.resolve(import.meta.dirname, "../../docs/samples");

export interface SampleFile {
  name: string;
  lines: string[];
}

export function sampleFiles(): SampleFile[] {
  return [
    // The falco k8s-audit traces as recorded, and the Deployment rollout derived from the real
    // OpenShift objects: the home page's diffs, a no-op, a conflict.
    { name: "audit-sample.jsonl", lines: [...falcoEventLines(), ...rolloutScenario().map((step) => JSON.stringify(step.event))] },
    // The same Deployment's rollout as its ReplicaSets and Pods lived it, from the capture's
    // objects and Events: a hierarchy for the object page. Its own cluster, since the two
    // scenarios tell the same Deployment's morning two ways.
    { name: "deployment-cascade.jsonl", lines: openshiftCascade().map((step) => JSON.stringify(step.event)) },
  ];
}

/** A sample file's text, one event per line. */
export const sampleText = (file: SampleFile): string => file.lines.join("\n") + "\n";
