import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/** Where the data recorded by real clusters lives (a sibling of the repository, as on CI). */
export const REAL_FIXTURES_DIR = path.resolve(import.meta.dirname, "../../../shared/fixtures/real");

type Obj = Record<string, any>;

/** The items of a YAML List captured by `oc adm must-gather` in the OpenShift capture. */
export function openshiftList(namespace: string, file: string): Obj[] {
  const text = fs.readFileSync(path.join(REAL_FIXTURES_DIR, "openshift-must-gather-azure", "namespaces", namespace, file), "utf8");
  return (parse(text) as { items: Obj[] }).items;
}

/** One real object from the OpenShift capture, by name. */
export function openshiftObject(namespace: string, file: string, name: string): Obj {
  const found = openshiftList(namespace, file).find((item) => item.metadata?.name === name);
  if (!found) throw new Error(`no ${name} in ${namespace}/${file}`);
  return found;
}

/** The falco k8s-audit trace events (one audit Event JSON per line) in a file. */
export function falcoEvents(file: string): Obj[] {
  const text = fs.readFileSync(path.join(REAL_FIXTURES_DIR, "falco-k8s-audit-traces", file), "utf8");
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as Obj);
}

/** Every falco trace event, in file-name order. */
export function allFalcoEvents(): Obj[] {
  return fs
    .readdirSync(path.join(REAL_FIXTURES_DIR, "falco-k8s-audit-traces"))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap(falcoEvents);
}
