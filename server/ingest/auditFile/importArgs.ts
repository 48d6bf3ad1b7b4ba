import { CLUSTER_NAME_RULE, isValidClusterName } from "../../model/clusterName";
import { MAX_EVENTS_PER_TRANSACTION } from "../audit/defaults";
/** What `npm run import` was asked to do. */
export interface ImportArgs {
  /** A file path, or "-" for standard input. */
  file: string;
  /** null: the configured default cluster. */
  cluster: string | null;
  batchSize: number;
}

export type ParsedImportArgs = { kind: "import"; args: ImportArgs } | { kind: "help" } | { kind: "invalid"; message: string };

export const DEFAULT_IMPORT_BATCH_SIZE = 400;

export const IMPORT_USAGE = `Usage: npm run import -- <file|-> [--cluster NAME] [--batch-size N]

Imports a kube-apiserver audit log into Kubetrail: JSON lines (--audit-log-format=json) or
EventList documents, plain or gzipped. "-" reads standard input. Importing a file again
changes nothing: events already stored are counted as duplicates.

Options:
  --cluster NAME     the cluster the events belong to (default: KUBETRAIL_DEFAULT_CLUSTER, "default")
  --batch-size N     events read and stored at a time (default: ${DEFAULT_IMPORT_BATCH_SIZE});
                     a larger batch is stored in transactions of ${MAX_EVENTS_PER_TRANSACTION}
  -h, --help         show this help

The database is the one configured for the server (DATABASE_URL, or the embedded database
in KUBETRAIL_DATA_DIR).`;

/** Parses the command line after the script name (`process.argv.slice(2)`). */
export function parseImportArgs(argv: readonly string[]): ParsedImportArgs {
  const files: string[] = [];
  let cluster: string | null = null;
  let batchSize = DEFAULT_IMPORT_BATCH_SIZE;
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
    if (name !== "--cluster" && name !== "--batch-size") return { kind: "invalid", message: `unknown option ${name}` };
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined) return { kind: "invalid", message: `${name} needs a value` };
      value = next;
      i++;
    }

    if (name === "--cluster") {
      if (!isValidClusterName(value)) {
        return { kind: "invalid", message: `--cluster "${value}" is not a valid cluster name (${CLUSTER_NAME_RULE})` };
      }
      cluster = value;
    } else {
      const n = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
        return { kind: "invalid", message: `--batch-size must be a positive integer, got "${value}"` };
      }
      batchSize = n;
    }
  }

  if (files.length === 0) return { kind: "invalid", message: "no file given (use - for standard input)" };
  if (files.length > 1) return { kind: "invalid", message: `one file at a time, got ${files.length}: ${files.join(" ")}` };
  return { kind: "import", args: { file: files[0]!, cluster, batchSize } };
}
