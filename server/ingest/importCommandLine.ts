import { CLUSTER_NAME_RULE, isValidClusterName } from "../model/clusterName";

/**
 * The command line of an import (`npm run import`, `npm run import:events`): one file, or "-"
 * for standard input, and options that take a value (`--name value` or `--name=value`), before
 * or after it; `--` ends the options; `-h`/`--help` asks for help.
 */
export type ParsedCommandLine = { kind: "file"; file: string } | { kind: "help" } | { kind: "invalid"; message: string };

/**
 * Parses `argv` (after the script name). `onOption` takes each option of `optionNames` in
 * order, with its value, and returns why the value is wrong, or null; the first wrong one ends
 * the parse.
 */
export function parseImportCommandLine(
  argv: readonly string[],
  optionNames: readonly string[],
  onOption: (name: string, value: string) => string | null,
): ParsedCommandLine {
  const files: string[] = [];
  let optionsEnded = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (optionsEnded || arg === "-" || !arg.startsWith("-")) {
      files.push(arg);
      continue;
    }
    if (arg === "--") {
      optionsEnded = true;
      continue;
    }
    if (arg === "-h" || arg === "--help") return { kind: "help" };

    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!optionNames.includes(name)) return { kind: "invalid", message: `unknown option ${name}` };
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined) return { kind: "invalid", message: `${name} needs a value` };
      value = next;
      i++;
    }
    const problem = onOption(name, value);
    if (problem !== null) return { kind: "invalid", message: problem };
  }

  if (files.length === 0) return { kind: "invalid", message: "no file given (use - for standard input)" };
  if (files.length > 1) return { kind: "invalid", message: `one file at a time, got ${files.length}: ${files.join(" ")}` };
  return { kind: "file", file: files[0]! };
}

/** Why `value` is no `--cluster` name, or null. */
export function clusterOptionProblem(value: string): string | null {
  return isValidClusterName(value) ? null : `--cluster "${value}" is not a valid cluster name (${CLUSTER_NAME_RULE})`;
}

/** `value` as a positive integer, or why it is none (`name` is the option's). */
export function positiveIntegerOption(name: string, value: string): number | { problem: string } {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) return { problem: `${name} must be a positive integer, got "${value}"` };
  return n;
}
