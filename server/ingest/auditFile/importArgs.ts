import { clusterOptionProblem, parseImportCommandLine, positiveIntegerOption } from "../importCommandLine";
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
  let cluster: string | null = null;
  let batchSize = DEFAULT_IMPORT_BATCH_SIZE;
  const parsed = parseImportCommandLine(argv, ["--cluster", "--batch-size"], (name, value) => {
    if (name === "--cluster") {
      cluster = value;
      return clusterOptionProblem(value);
    }
    const n = positiveIntegerOption(name, value);
    if (typeof n !== "number") return n.problem;
    batchSize = n;
    return null;
  });
  if (parsed.kind !== "file") return parsed;
  return { kind: "import", args: { file: parsed.file, cluster, batchSize } };
}
