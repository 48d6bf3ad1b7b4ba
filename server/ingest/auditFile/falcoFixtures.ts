import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Real audit events for tests: Falco's k8s-audit traces, one Event JSON per line (see PROVENANCE.md there). */
export const FALCO_TRACES_DIR = "/work/shared/fixtures/real/falco-k8s-audit-traces";

/** Every event of the Falco traces as its original JSON text, in file-name order. */
export function falcoEventLines(): string[] {
  return readdirSync(FALCO_TRACES_DIR)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .flatMap((name) => readFileSync(path.join(FALCO_TRACES_DIR, name), "utf8").split("\n"))
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
