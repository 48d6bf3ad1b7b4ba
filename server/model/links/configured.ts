import { ConfigError } from "../../config/config";
import type { KubetrailPlugin } from "../../plugins/types";
import { BUILTIN_LINKERS } from "./builtin";
import { registerRelationKinds } from "./kinds";
import { loadLinkRules } from "./rules";
import type { Linker } from "./types";

/**
 * The linkers a Kubetrail runs: the built-ins, then the rules file's, then each plugin's, with
 * the relation kinds of the rules and plugins registered. Linker names must be unique (they
 * name the linker in logs). Throws ConfigError: a bad rules file or plugin stops start-up.
 */
export function configuredLinkers(linkRulesFile: string | null, plugins: readonly KubetrailPlugin[]): Linker[] {
  const linkers: Array<{ linker: Linker; source: string }> = BUILTIN_LINKERS.map((linker) => ({ linker, source: "the built-in linkers" }));
  if (linkRulesFile) {
    for (const linker of loadLinkRules(linkRulesFile)) linkers.push({ linker, source: `link rules file ${linkRulesFile}` });
  }
  for (const plugin of plugins) {
    try {
      registerRelationKinds(plugin.relationKinds ?? {}, `KUBETRAIL_PLUGINS: plugin ${plugin.name}`);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    for (const linker of plugin.linkers ?? []) linkers.push({ linker, source: `plugin ${plugin.name}` });
  }
  const seen = new Map<string, string>();
  for (const { linker, source } of linkers) {
    const earlier = seen.get(linker.name);
    if (earlier) throw new ConfigError(`${source}: linker name "${linker.name}" is already used by ${earlier}`);
    seen.set(linker.name, source);
  }
  return linkers.map(({ linker }) => linker);
}
