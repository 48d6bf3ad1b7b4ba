import { formatBytes } from "../auditFile/progress";
import { clusterOptionProblem, parseImportCommandLine, positiveIntegerOption } from "../importCommandLine";
import { DEFAULT_MAX_INPUT_BYTES } from "./readEventFile";

/** What `npm run import:events` was asked to do. */
export interface ImportEventsArgs {
  /** A file path, or "-" for standard input. */
  file: string;
  /** null: the configured default cluster. */
  cluster: string | null;
  batchSize: number;
  /** The largest input read (decompressed). */
  maxBytes: number;
}

export type ParsedImportEventsArgs = { kind: "import"; args: ImportEventsArgs } | { kind: "help" } | { kind: "invalid"; message: string };

export const DEFAULT_EVENTS_BATCH_SIZE = 500;

export const IMPORT_EVENTS_USAGE = `Usage: npm run import:events -- <file|-> [--cluster NAME] [--batch-size N] [--max-size SIZE]

Imports Kubernetes Events (core/v1 and events.k8s.io) into Kubetrail, each as history of the
object it is about: kubectl get events -A -o json or -o yaml, a must-gather's events.yaml
(YAML documents separated by ---), concatenated or newline-delimited JSON Events or watch
events (kubectl get events -A -o json --watch-only), a JSON array of Events; plain or
gzipped. "-" reads standard input. Importing a file again changes nothing: Events already
stored are counted as duplicates.

Options:
  --cluster NAME     the cluster the Events belong to (default: KUBETRAIL_DEFAULT_CLUSTER, "default")
  --batch-size N     Events stored at a time, each batch in one transaction (default: ${DEFAULT_EVENTS_BATCH_SIZE})
  --max-size SIZE    the largest input read, decompressed: bytes, or with KiB, MiB, GiB
                     (default: ${formatBytes(DEFAULT_MAX_INPUT_BYTES).replace(/\.0 /, " ")})
  -h, --help         show this help

The database is the one configured for the server (DATABASE_URL, or the embedded database
in KUBETRAIL_DATA_DIR).`;

const SIZE_UNITS: Record<string, number> = { "": 1, B: 1, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, TIB: 1024 ** 4 };

/** `512MiB`, `2 GiB`, `1048576` as bytes; null when it is none of those. */
export function parseSize(text: string): number | null {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toUpperCase()] : undefined;
  if (!match || unit === undefined) return null;
  const bytes = Number(match[1]) * unit;
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** Parses the command line after the script name (`process.argv.slice(2)`). */
export function parseImportEventsArgs(argv: readonly string[]): ParsedImportEventsArgs {
  let cluster: string | null = null;
  let batchSize = DEFAULT_EVENTS_BATCH_SIZE;
  let maxBytes = DEFAULT_MAX_INPUT_BYTES;
  const parsed = parseImportCommandLine(argv, ["--cluster", "--batch-size", "--max-size"], (name, value) => {
    if (name === "--cluster") {
      cluster = value;
      return clusterOptionProblem(value);
    }
    if (name === "--max-size") {
      const bytes = parseSize(value);
      if (bytes === null) return `--max-size must be a positive size in bytes, KiB, MiB or GiB (e.g. 2GiB), got "${value}"`;
      maxBytes = bytes;
      return null;
    }
    const n = positiveIntegerOption(name, value);
    if (typeof n !== "number") return n.problem;
    batchSize = n;
    return null;
  });
  if (parsed.kind !== "file") return parsed;
  return { kind: "import", args: { file: parsed.file, cluster, batchSize, maxBytes } };
}
