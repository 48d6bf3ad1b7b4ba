import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseDurationMs } from "./duration";
import { usableCpus, usableMemoryBytes } from "./machineLimits";
import { DEFAULT_SENSITIVE_RULES, parseSensitiveRules } from "../model/redact/redact";
import { DEFAULT_MAX_BATCH_EVENTS, DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "../ingest/audit/defaults";
import type { SensitiveRule } from "../ingest/audit/types";
import { CLUSTER_NAME_PATTERN, CLUSTER_NAME_RULE } from "../model/clusterName";
import { parseOtlpExportEnv, type OtlpExportConfig } from "../export/otlp/otelEnv";
import { parseKubernetesVersion, type KubernetesVersion } from "../k8s/kubernetesVersion";
import type { MaintenanceMode } from "../store/maintenance/job";
import { DEFAULT_WATCH_RESOURCES, groupResourceName, parseWatchedResource, type WatchedResource } from "../k8s/watchedResources";

/**
 * Kubetrail's configuration, read once from environment variables. Every variable is
 * documented in README.md ("Configuration"); a wrong value fails start-up with a
 * message that names the variable.
 */
export interface Config {
  /** Postgres connection string; null: the embedded PGlite database in `dataDir`. */
  databaseUrl: string | null;
  /** Where the embedded database and generated files live. */
  dataDir: string;
  /** The cluster of audit events posted to /api/audit without a cluster segment, and of imports. */
  defaultCluster: string;
  ingestAuth: IngestAuthConfig;
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /**
   * Most events one webhook request may carry (the apiserver sends 400 by default). Checking an
   * event costs about the same however small it is, so the body limit alone would let a batch of
   * millions of tiny items hold a thread for minutes.
   */
  maxBatchEvents: number;
  /** Batches written to the database at once; more wait in the queue. */
  ingestConcurrency: number;
  /** Worker threads that parse, convert and store batches (Postgres only); 0: the server's own thread does. */
  ingestWorkers: number;
  /** Batches allowed to wait; beyond this (or maxPendingBytes) ingest answers 429. */
  ingestQueueLength: number;
  /** Bytes of request bodies held in memory at once (in flight and waiting). */
  ingestMaxPendingBytes: number;
  /** Seconds a 429 asks the apiserver to wait. */
  retryAfterSeconds: number;
  /** A webhook body that stops arriving for this long is answered 408 (its admission released). */
  bodyIdleTimeoutMs: number;
  /** History older than this is pruned; null keeps everything. */
  retentionMs: number | null;
  pruneIntervalMs: number;
  /**
   * "auto": Kubetrail analyses and vacuums its own tables where nothing else does (the embedded
   * database; Postgres with autovacuum off: server/store/maintenance/job.ts); "off": never.
   */
  maintenance: MaintenanceMode;
  skipResources: Array<{ apiGroup: string; resource: string }>;
  skipUserAgentSubstrings: string[];
  sensitiveRules: SensitiveRule[];
  /** Key of the fingerprints of redacted values; null: generated once and kept in the database. */
  redactionKey: string | null;
  /** Declarative relation rules (YAML or JSON, server/model/links/rules.ts), absolute; null: none. */
  linkRulesFile: string | null;
  /** Plugin module paths as given (resolved from the project root by server/plugins/load.ts). */
  plugins: string[];
  /** Most relation hops a trace may follow, whatever a request asks (1..15; a trace ID holds 4 bits). */
  traceMaxDepth: number;
  /** Where the Jaeger-compatible query API (and the Jaeger UI, when configured) is served, e.g. "/jaeger". */
  jaegerBasePath: string;
  /** A Jaeger UI release build (a folder with index.html and static/) to serve at jaegerBasePath; null: none. */
  jaegerUiDir: string | null;
  /** OTLP trace export (the standard OTEL_EXPORTER_OTLP_* variables); null: off. */
  otlpExport: OtlpExportConfig | null;
  /**
   * Kubernetes versions of clusters, by cluster name, where the configuration says them: what
   * Kubetrail shows of bindings and evictions follows them rather than the version the clusters'
   * audit events tell (server/ingest/audit/apiserverBehaviour.ts).
   */
  kubernetesVersions: Record<string, KubernetesVersion>;
  /**
   * Clusters Kubetrail connects to (KUBETRAIL_CLUSTERS), each watched for Kubernetes Events
   * (server/ingest/events/eventsSource.ts). Only parsed here: the kubeconfig is read at start-up
   * (server/k8s/clusterConnections.ts).
   */
  clusterConnections: ClusterConnectionConfig[];
  /**
   * Resources listed and watched in every cluster of `clusterConnections` (KUBETRAIL_WATCH_RESOURCES),
   * each observed version of each object a history entry (server/ingest/watches). Empty: none.
   */
  watchResources: WatchedResource[];
}

/** How to reach one cluster's API server: a kubeconfig file (and one of its contexts), or the Pod's own service account. */
export type ClusterConnectionConfig =
  | { cluster: string; kind: "kubeconfig"; file: string; context: string | null }
  | { cluster: string; kind: "in-cluster" };

export type IngestAuthConfig =
  | { mode: "disabled" }
  | {
      mode: "token";
      /** A token valid for every cluster (null: none configured). */
      sharedToken: string | null;
      /** Tokens valid for one cluster each. */
      clusterTokens: Record<string, string>;
    };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const clusterName = z.string().regex(CLUSTER_NAME_PATTERN, `must be a DNS-1123 name (${CLUSTER_NAME_RULE})`);

function positiveInt(name: string, fallback: number) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed <= 0) {
        ctx.addIssue({ code: "custom", message: `${name} must be a positive integer, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });
}

function duration(name: string, fallback: string, allowOff: boolean, max: { ms: number; text: string }) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const text = value === undefined || value === "" ? fallback : value;
      if (allowOff && (text === "0" || text === "off" || text === "forever")) return null;
      const ms = parseDurationMs(text);
      if (ms === null || ms <= 0) {
        // Where "off" is allowed, say so: someone who wants to keep everything tries "never" or "1y".
        ctx.addIssue({ code: "custom", message: `${name} must be a duration like 30s, 15m, 12h, 14d${allowOff ? ', or "off"' : ""}, got "${text}"` });
        return z.NEVER;
      }
      if (ms > max.ms) {
        ctx.addIssue({ code: "custom", message: `${name} must be at most ${max.text}, got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });
}

/** Paths Kubetrail itself serves, which the Jaeger base path must not shadow. */
const RESERVED_BASE_PATHS = ["/api", "/redirect", "/_next"];

const jaegerBasePath = z
  .string()
  .optional()
  .transform((v) => v || "/jaeger")
  .refine((v) => /^(\/[A-Za-z0-9._~-]+)+$/.test(v), "KUBETRAIL_JAEGER_BASE_PATH must start with a slash and not end with one, e.g. /jaeger or /tools/jaeger")
  .refine(
    (v) => !RESERVED_BASE_PATHS.some((reserved) => v === reserved || v.startsWith(`${reserved}/`)),
    `KUBETRAIL_JAEGER_BASE_PATH must not be under ${RESERVED_BASE_PATHS.join(", ")}`,
  );

/** `prod=1.29,staging=v1.35.2`: a Kubernetes version per cluster. */
const kubernetesVersions = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const versions: Record<string, KubernetesVersion> = {};
    for (const [index, item] of (text ?? "").split(",").entries()) {
      if (item.trim() === "") continue;
      const eq = item.indexOf("=");
      const cluster = item.slice(0, eq).trim();
      const version = parseKubernetesVersion(item.slice(eq + 1).trim());
      const problem =
        eq <= 0
          ? `expected cluster=version, e.g. prod=1.29, got "${item.trim()}"`
          : !clusterName.safeParse(cluster).success
            ? `"${cluster}" is not a valid cluster name`
            : version === null
              ? `"${item.slice(eq + 1).trim()}" is not a Kubernetes version, e.g. 1.29 or v1.29.3`
              : Object.hasOwn(versions, cluster)
                ? `cluster "${cluster}" is given twice`
                : null;
      if (problem !== null) {
        ctx.addIssue({ code: "custom", message: `KUBETRAIL_KUBERNETES_VERSIONS item ${index + 1}: ${problem}` });
        return z.NEVER;
      }
      versions[cluster] = version!;
    }
    return versions;
  });

/**
 * `prod=/etc/kubetrail/prod.kubeconfig,staging=/k/staging.yaml#admin@staging,local=in-cluster`:
 * per cluster name, a kubeconfig file (its current context, or the one after `#`), or
 * `in-cluster` for the service account of the Pod Kubetrail runs in.
 */
const clusterConnections = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const connections: ClusterConnectionConfig[] = [];
    for (const [index, item] of (text ?? "").split(",").entries()) {
      if (item.trim() === "") continue;
      const eq = item.indexOf("=");
      const cluster = item.slice(0, eq).trim();
      const target = item.slice(eq + 1).trim();
      // A path may hold a # itself: an existing file by the whole name is that file, no context.
      const hash = target !== "in-cluster" && isFile(target) ? -1 : target.lastIndexOf("#");
      const file = hash < 0 ? target : target.slice(0, hash);
      const context = hash < 0 ? null : target.slice(hash + 1);
      const problem =
        eq <= 0 || target === ""
          ? `expected cluster=kubeconfig-file[#context] or cluster=in-cluster, e.g. prod=/etc/kubetrail/prod.kubeconfig, got "${item.trim()}"`
          : !clusterName.safeParse(cluster).success
            ? `"${cluster}" is not a valid cluster name`
            : connections.some((c) => c.cluster === cluster)
              ? `cluster "${cluster}" is given twice`
              : file === "" || context === ""
                ? `"${target}" names no file or no context`
                : null;
      if (problem !== null) {
        ctx.addIssue({ code: "custom", message: `KUBETRAIL_CLUSTERS item ${index + 1}: ${problem}` });
        return z.NEVER;
      }
      connections.push(
        target === "in-cluster"
          ? { cluster, kind: "in-cluster" }
          : { cluster, kind: "kubeconfig", file: path.resolve(/*turbopackIgnore: true*/ file), context },
      );
    }
    return connections;
  });

function isFile(file: string): boolean {
  try {
    return fs.statSync(path.resolve(/*turbopackIgnore: true*/ file)).isFile();
  } catch {
    return false;
  }
}

/** `deployments.apps,pods,widgets.example.com/v1`, or `none`; unset: DEFAULT_WATCH_RESOURCES. */
const watchResources = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const value = text === undefined || text.trim() === "" ? DEFAULT_WATCH_RESOURCES : text;
    const items = value.split(",").map((item) => item.trim());
    const resources: WatchedResource[] = [];
    for (const [index, item] of items.entries()) {
      if (item === "") continue;
      let problem: string | null = null;
      if (item.toLowerCase() === "none") {
        if (items.some((other) => other !== "" && other.toLowerCase() !== "none")) problem = `"none" cannot be combined with resources`;
      } else {
        const parsed = parseWatchedResource(item);
        if ("problem" in parsed) problem = parsed.problem;
        else if (resources.some((r) => r.apiGroup === parsed.apiGroup && r.resource === parsed.resource)) problem = `${groupResourceName(parsed)} is given twice`;
        else resources.push(parsed);
      }
      if (problem !== null) {
        ctx.addIssue({ code: "custom", message: `KUBETRAIL_WATCH_RESOURCES item ${index + 1}: ${problem}` });
        return z.NEVER;
      }
    }
    return resources;
  });

/** More ingest workers than this would only add connections and memory on any machine we know. */
const MAX_INGEST_WORKERS = 16;

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^postgres(ql)?:\/\//.test(v), "DATABASE_URL must start with postgres:// or postgresql://"),
  KUBETRAIL_DATA_DIR: z.string().optional(),
  KUBETRAIL_DEFAULT_CLUSTER: z.string().optional().transform((v) => v || "default").pipe(clusterName),
  KUBETRAIL_INGEST_AUTH: z.enum(["token", "disabled"]).optional().default("token"),
  KUBETRAIL_INGEST_TOKEN: z.string().optional(),
  KUBETRAIL_INGEST_TOKENS: z.string().optional(),
  KUBETRAIL_MAX_BODY_BYTES: positiveInt("KUBETRAIL_MAX_BODY_BYTES", 32 * 1024 * 1024),
  KUBETRAIL_MAX_BATCH_EVENTS: positiveInt("KUBETRAIL_MAX_BATCH_EVENTS", DEFAULT_MAX_BATCH_EVENTS),
  KUBETRAIL_INGEST_CONCURRENCY: positiveInt("KUBETRAIL_INGEST_CONCURRENCY", 4),
  KUBETRAIL_INGEST_WORKERS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "" || value === "auto") return "auto" as const;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 0 || parsed > MAX_INGEST_WORKERS) {
        ctx.addIssue({ code: "custom", message: `KUBETRAIL_INGEST_WORKERS must be "auto" or an integer from 0 to ${MAX_INGEST_WORKERS}, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    }),
  KUBETRAIL_INGEST_QUEUE: positiveInt("KUBETRAIL_INGEST_QUEUE", 8),
  KUBETRAIL_INGEST_MAX_PENDING_BYTES: positiveInt("KUBETRAIL_INGEST_MAX_PENDING_BYTES", 256 * 1024 * 1024),
  KUBETRAIL_RETRY_AFTER_SECONDS: positiveInt("KUBETRAIL_RETRY_AFTER_SECONDS", 1),
  KUBETRAIL_BODY_IDLE_TIMEOUT: duration("KUBETRAIL_BODY_IDLE_TIMEOUT", "30s", false, { ms: 3_600_000, text: "1h" }),
  // Beyond a century, "off" says it better, and a cutoff before year 1 is no time Postgres or Date holds.
  KUBETRAIL_RETENTION: duration("KUBETRAIL_RETENTION", "14d", true, { ms: 36_500 * 86_400_000, text: '36500d (use "off" to keep everything)' }),
  // Node's timers hold at most 2^31 - 1 ms (24.8 days); a longer interval would fire every millisecond.
  KUBETRAIL_PRUNE_INTERVAL: duration("KUBETRAIL_PRUNE_INTERVAL", "1h", false, { ms: 24 * 86_400_000, text: "24d" }),
  KUBETRAIL_MAINTENANCE: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "" || value === "auto") return "auto" as const;
      if (value === "off") return "off" as const;
      ctx.addIssue({ code: "custom", message: `KUBETRAIL_MAINTENANCE must be "auto" or "off", got "${value}"` });
      return z.NEVER;
    }),
  KUBETRAIL_SKIP_RESOURCES: z.string().optional(),
  KUBETRAIL_SKIP_USER_AGENTS: z.string().optional(),
  KUBETRAIL_SENSITIVE_FIELDS: z.string().optional(),
  KUBETRAIL_REDACTION_KEY: z.string().min(16, "KUBETRAIL_REDACTION_KEY must be at least 16 characters").optional(),
  KUBETRAIL_LINK_RULES_FILE: z.string().optional(),
  KUBETRAIL_PLUGINS: z.string().optional(),
  KUBETRAIL_TRACE_MAX_DEPTH: positiveInt("KUBETRAIL_TRACE_MAX_DEPTH", 10).refine((v) => v <= 15, "KUBETRAIL_TRACE_MAX_DEPTH must be at most 15"),
  KUBETRAIL_JAEGER_BASE_PATH: jaegerBasePath,
  JAEGER_UI_DIR: z.string().optional(),
  KUBETRAIL_KUBERNETES_VERSIONS: kubernetesVersions,
  KUBETRAIL_CLUSTERS: clusterConnections,
  KUBETRAIL_WATCH_RESOURCES: watchResources,
});

/**
 * "auto": with Postgres, a worker per CPU the process can use (its container's CPU limit
 * included; at most AUTO_INGEST_WORKERS_MAX), so that parsing and diffing use every core, as
 * many as its memory (a container's limit included) holds beside the server itself; with the
 * embedded database, none.
 */
export function autoIngestWorkers(databaseUrl: string | null, cpus = usableCpus(), memoryBytes = usableMemoryBytes()): number {
  if (databaseUrl === null) return 0;
  const fitInMemory = Math.floor((memoryBytes - SERVER_MEMORY_BYTES) / WORKER_MEMORY_BYTES);
  return Math.max(0, Math.min(cpus, AUTO_INGEST_WORKERS_MAX, fitInMemory));
}

const AUTO_INGEST_WORKERS_MAX = 4;
/** The server's peak without workers in the ingest benchmark was about 470 MiB. */
const SERVER_MEMORY_BYTES = 512 * 2 ** 20;
/** Each worker added about 165 MiB to the peak in the ingest benchmark; with room to spare. */
const WORKER_MEMORY_BYTES = 256 * 2 ** 20;

/**
 * A configured ingest token, without the whitespace around it (a token read from a file, as a
 * Kubernetes Secret mounted or passed with `--from-file` gives it, ends with a newline); null
 * when blank. A token with whitespace inside could never be sent: `Authorization: Bearer <token>`
 * ends the token at the first space.
 */
function bearerToken(value: string, setting: string): string | null {
  const token = value.trim();
  if (token === "") return null;
  if (/\s/.test(token)) throw new ConfigError(`${setting}: a bearer token cannot contain whitespace`);
  return token;
}

/** Parses `cluster=token,cluster2=token2` into a map, naming the variable in errors. */
function parseClusterTokens(text: string | undefined): Record<string, string> {
  const tokens: Record<string, string> = {};
  if (!text) return tokens;
  for (const [index, pair] of text.split(",").entries()) {
    if (pair.trim() === "") continue;
    const eq = pair.indexOf("=");
    const cluster = pair.slice(0, eq).trim();
    const token = bearerToken(pair.slice(eq + 1), `KUBETRAIL_INGEST_TOKENS item ${index + 1}`);
    if (eq <= 0 || token === null) {
      throw new ConfigError(`KUBETRAIL_INGEST_TOKENS item ${index + 1}: expected cluster=token`);
    }
    if (!clusterName.safeParse(cluster).success) {
      throw new ConfigError(`KUBETRAIL_INGEST_TOKENS item ${index + 1}: "${cluster}" is not a valid cluster name`);
    }
    tokens[cluster] = token;
  }
  return tokens;
}

/** Parses `group/resource` items (`leases.coordination.k8s.io` style is not accepted: say `coordination.k8s.io/leases`, or `events` for the core group). */
function parseResourceList(text: string | undefined): Array<{ apiGroup: string; resource: string }> | null {
  if (text === undefined) return null;
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => {
      const slash = item.lastIndexOf("/");
      const apiGroup = slash < 0 ? "" : item.slice(0, slash);
      const resource = slash < 0 ? item : item.slice(slash + 1);
      if (!/^[a-z0-9.-]*$/.test(apiGroup) || !/^[a-z0-9-]+$/.test(resource)) {
        throw new ConfigError(`KUBETRAIL_SKIP_RESOURCES: "${item}" is not group/resource (e.g. coordination.k8s.io/leases, events)`);
      }
      return { apiGroup, resource };
    });
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => {
      const variable = issue.path.join(".");
      return issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${messages.join("; ")}`);
  }
  const e = parsed.data;

  let sensitiveRules: SensitiveRule[] = DEFAULT_SENSITIVE_RULES;
  if (e.KUBETRAIL_SENSITIVE_FIELDS) {
    try {
      // Configured rules add to the defaults: Secrets are always redacted.
      sensitiveRules = [...DEFAULT_SENSITIVE_RULES, ...parseSensitiveRules(e.KUBETRAIL_SENSITIVE_FIELDS)];
    } catch (error) {
      // The parser's messages already name the variable.
      throw new ConfigError((error as Error).message);
    }
  }

  let otlpExport: OtlpExportConfig | null;
  try {
    otlpExport = parseOtlpExportEnv(env);
  } catch (error) {
    // The parser's messages name the variable.
    throw new ConfigError((error as Error).message);
  }

  if (e.KUBETRAIL_INGEST_WORKERS !== "auto" && e.KUBETRAIL_INGEST_WORKERS > 0 && e.DATABASE_URL === null) {
    // PGlite runs inside one thread: no other thread can reach it.
    throw new ConfigError("KUBETRAIL_INGEST_WORKERS: ingest workers need Postgres (DATABASE_URL); the embedded database serves only the server's own thread");
  }

  const ingestAuth: IngestAuthConfig =
    e.KUBETRAIL_INGEST_AUTH === "disabled"
      ? { mode: "disabled" }
      : {
          mode: "token",
          sharedToken: bearerToken(e.KUBETRAIL_INGEST_TOKEN ?? "", "KUBETRAIL_INGEST_TOKEN"),
          clusterTokens: parseClusterTokens(e.KUBETRAIL_INGEST_TOKENS),
        };

  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(/*turbopackIgnore: true*/ e.KUBETRAIL_DATA_DIR || ".data"),
    defaultCluster: e.KUBETRAIL_DEFAULT_CLUSTER,
    ingestAuth,
    maxBodyBytes: e.KUBETRAIL_MAX_BODY_BYTES,
    maxBatchEvents: e.KUBETRAIL_MAX_BATCH_EVENTS,
    ingestConcurrency: e.KUBETRAIL_INGEST_CONCURRENCY,
    ingestWorkers: e.KUBETRAIL_INGEST_WORKERS === "auto" ? autoIngestWorkers(e.DATABASE_URL) : e.KUBETRAIL_INGEST_WORKERS,
    ingestQueueLength: e.KUBETRAIL_INGEST_QUEUE,
    ingestMaxPendingBytes: e.KUBETRAIL_INGEST_MAX_PENDING_BYTES,
    retryAfterSeconds: e.KUBETRAIL_RETRY_AFTER_SECONDS,
    bodyIdleTimeoutMs: e.KUBETRAIL_BODY_IDLE_TIMEOUT!,
    retentionMs: e.KUBETRAIL_RETENTION,
    pruneIntervalMs: e.KUBETRAIL_PRUNE_INTERVAL ?? 3_600_000,
    maintenance: e.KUBETRAIL_MAINTENANCE,
    skipResources: parseResourceList(e.KUBETRAIL_SKIP_RESOURCES) ?? DEFAULT_SKIP_RESOURCES,
    skipUserAgentSubstrings:
      e.KUBETRAIL_SKIP_USER_AGENTS === undefined
        ? DEFAULT_SKIP_USER_AGENT_SUBSTRINGS
        : e.KUBETRAIL_SKIP_USER_AGENTS.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    sensitiveRules,
    redactionKey: e.KUBETRAIL_REDACTION_KEY ?? null,
    linkRulesFile: e.KUBETRAIL_LINK_RULES_FILE ? path.resolve(/*turbopackIgnore: true*/ e.KUBETRAIL_LINK_RULES_FILE) : null,
    plugins: (e.KUBETRAIL_PLUGINS ?? "").split(",").map((s) => s.trim()).filter((s) => s !== ""),
    traceMaxDepth: e.KUBETRAIL_TRACE_MAX_DEPTH,
    jaegerBasePath: e.KUBETRAIL_JAEGER_BASE_PATH,
    jaegerUiDir: e.JAEGER_UI_DIR ? path.resolve(/*turbopackIgnore: true*/ e.JAEGER_UI_DIR) : null,
    otlpExport,
    kubernetesVersions: e.KUBETRAIL_KUBERNETES_VERSIONS,
    clusterConnections: e.KUBETRAIL_CLUSTERS,
    watchResources: e.KUBETRAIL_WATCH_RESOURCES,
  };
}
