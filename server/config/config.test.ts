import path from "node:path";
import { describe, expect, it } from "vitest";
import { autoIngestWorkers, ConfigError, loadConfig } from "./config";

describe("loadConfig", () => {
  it("defaults to the embedded database in ./.data with token-authenticated ingest", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeNull();
    expect(config.dataDir).toBe(path.resolve(".data"));
    expect(config.defaultCluster).toBe("default");
    expect(config.ingestAuth).toEqual({ mode: "token", sharedToken: null, clusterTokens: {} });
    expect(config.retentionMs).toBe(14 * 86_400_000);
    expect(config.maintenance).toBe("auto");
    expect(config.maxBatchEvents).toBe(5000);
    expect(config.bodyIdleTimeoutMs).toBe(30_000);
    expect(config.skipResources).toContainEqual({ apiGroup: "coordination.k8s.io", resource: "leases" });
    expect(config.skipUserAgentSubstrings).toEqual(["/leader-election"]);
    expect(config.sensitiveRules.some((rule) => rule.resource === "secrets" && rule.apiGroup === "")).toBe(true);
  });

  it("reads every setting", () => {
    const config = loadConfig({
      DATABASE_URL: "postgresql://kt@db:5432/kubetrail",
      KUBETRAIL_DATA_DIR: "/var/lib/kubetrail",
      KUBETRAIL_DEFAULT_CLUSTER: "prod-eu-1",
      KUBETRAIL_INGEST_TOKEN: "shared-secret",
      KUBETRAIL_INGEST_TOKENS: "prod-eu-1=abc, staging=def",
      KUBETRAIL_MAX_BODY_BYTES: "1048576",
      KUBETRAIL_MAX_BATCH_EVENTS: "2000",
      KUBETRAIL_INGEST_CONCURRENCY: "3",
      KUBETRAIL_INGEST_QUEUE: "5",
      KUBETRAIL_INGEST_MAX_PENDING_BYTES: "2000000",
      KUBETRAIL_RETRY_AFTER_SECONDS: "7",
      KUBETRAIL_BODY_IDLE_TIMEOUT: "2m",
      KUBETRAIL_RETENTION: "36h",
      KUBETRAIL_PRUNE_INTERVAL: "10m",
      KUBETRAIL_MAINTENANCE: "off",
      KUBETRAIL_SKIP_RESOURCES: "coordination.k8s.io/leases, events, example.com/widgets",
      KUBETRAIL_SKIP_USER_AGENTS: "/leader-election,kube-probe",
      KUBETRAIL_SENSITIVE_FIELDS: JSON.stringify([{ resource: "configmaps", paths: [["data", "password"]] }]),
      KUBETRAIL_REDACTION_KEY: "0123456789abcdef0123",
    });
    expect(config).toMatchObject({
      databaseUrl: "postgresql://kt@db:5432/kubetrail",
      dataDir: "/var/lib/kubetrail",
      defaultCluster: "prod-eu-1",
      ingestAuth: { mode: "token", sharedToken: "shared-secret", clusterTokens: { "prod-eu-1": "abc", staging: "def" } },
      maxBodyBytes: 1048576,
      maxBatchEvents: 2000,
      ingestConcurrency: 3,
      ingestQueueLength: 5,
      ingestMaxPendingBytes: 2000000,
      retryAfterSeconds: 7,
      bodyIdleTimeoutMs: 120_000,
      retentionMs: 36 * 3_600_000,
      pruneIntervalMs: 600_000,
      maintenance: "off",
      skipResources: [
        { apiGroup: "coordination.k8s.io", resource: "leases" },
        { apiGroup: "", resource: "events" },
        { apiGroup: "example.com", resource: "widgets" },
      ],
      skipUserAgentSubstrings: ["/leader-election", "kube-probe"],
      redactionKey: "0123456789abcdef0123",
    });
    // Configured sensitive fields add to the built-in Secret rule, never replace it.
    expect(config.sensitiveRules.map((r) => r.resource)).toEqual(expect.arrayContaining(["secrets", "configmaps"]));
  });

  it("takes a token read from a file without its newline, and refuses one that could never be sent", () => {
    expect(loadConfig({ KUBETRAIL_INGEST_TOKEN: "s3cret\n", KUBETRAIL_INGEST_TOKENS: "prod= abc\n" }).ingestAuth).toEqual({
      mode: "token",
      sharedToken: "s3cret",
      clusterTokens: { prod: "abc" },
    });
    expect(loadConfig({ KUBETRAIL_INGEST_TOKEN: "  " }).ingestAuth).toMatchObject({ sharedToken: null });
    expect(() => loadConfig({ KUBETRAIL_INGEST_TOKEN: "my token" })).toThrow("KUBETRAIL_INGEST_TOKEN: a bearer token cannot contain whitespace");
    expect(() => loadConfig({ KUBETRAIL_INGEST_TOKENS: "prod=a\tb" })).toThrow("KUBETRAIL_INGEST_TOKENS item 1: a bearer token cannot contain whitespace");
  });

  it("can keep history forever and can disable ingest authentication explicitly", () => {
    const config = loadConfig({ KUBETRAIL_RETENTION: "off", KUBETRAIL_INGEST_AUTH: "disabled" });
    expect(config.retentionMs).toBeNull();
    expect(config.ingestAuth).toEqual({ mode: "disabled" });
  });

  it.each([
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL must start with postgres/],
    [{ KUBETRAIL_DEFAULT_CLUSTER: "Prod_EU" }, /KUBETRAIL_DEFAULT_CLUSTER: must be a DNS-1123 name/],
    [{ KUBETRAIL_INGEST_AUTH: "none" }, /KUBETRAIL_INGEST_AUTH/],
    [{ KUBETRAIL_INGEST_TOKENS: "prod" }, /KUBETRAIL_INGEST_TOKENS item 1: expected cluster=token/],
    [{ KUBETRAIL_MAX_BODY_BYTES: "10MB" }, /KUBETRAIL_MAX_BODY_BYTES must be a positive integer, got "10MB"/],
    [{ KUBETRAIL_INGEST_CONCURRENCY: "0" }, /KUBETRAIL_INGEST_CONCURRENCY must be a positive integer/],
    [{ KUBETRAIL_MAX_BATCH_EVENTS: "-1" }, /KUBETRAIL_MAX_BATCH_EVENTS must be a positive integer/],
    [{ KUBETRAIL_RETENTION: "two weeks" }, /KUBETRAIL_RETENTION must be a duration/],
    [{ KUBETRAIL_RETENTION: "never" }, /KUBETRAIL_RETENTION must be a duration like 30s, 15m, 12h, 14d, or "off", got "never"/],
    [{ KUBETRAIL_MAINTENANCE: "on" }, /KUBETRAIL_MAINTENANCE must be "auto" or "off", got "on"/],
    [{ KUBETRAIL_PRUNE_INTERVAL: "off" }, /KUBETRAIL_PRUNE_INTERVAL must be a duration like 30s, 15m, 12h, 14d, got "off"/],
    [{ KUBETRAIL_RETENTION: "1000000000d" }, /KUBETRAIL_RETENTION must be at most 36500d \(use "off" to keep everything\), got "1000000000d"/],
    [{ KUBETRAIL_PRUNE_INTERVAL: "4w" }, /KUBETRAIL_PRUNE_INTERVAL must be at most 24d, got "4w"/],
    [{ KUBETRAIL_SKIP_RESOURCES: "Leases.Coordination" }, /KUBETRAIL_SKIP_RESOURCES: "Leases.Coordination" is not group\/resource/],
    [{ KUBETRAIL_SENSITIVE_FIELDS: "[{}]" }, /KUBETRAIL_SENSITIVE_FIELDS/],
    [{ KUBETRAIL_REDACTION_KEY: "short" }, /KUBETRAIL_REDACTION_KEY must be at least 16 characters/],
    [{ KUBETRAIL_INGEST_WORKERS: "two" }, /KUBETRAIL_INGEST_WORKERS must be "auto" or an integer from 0 to 16, got "two"/],
    [{ DATABASE_URL: "postgresql://db/kt", KUBETRAIL_INGEST_WORKERS: "17" }, /KUBETRAIL_INGEST_WORKERS must be "auto" or an integer from 0 to 16/],
    [{ KUBETRAIL_INGEST_WORKERS: "2" }, /KUBETRAIL_INGEST_WORKERS: ingest workers need Postgres \(DATABASE_URL\)/],
    [{ KUBETRAIL_KUBERNETES_VERSIONS: "1.29" }, /KUBETRAIL_KUBERNETES_VERSIONS item 1: expected cluster=version, e.g. prod=1.29, got "1.29"/],
    [{ KUBETRAIL_KUBERNETES_VERSIONS: "prod=1.29,staging=latest" }, /KUBETRAIL_KUBERNETES_VERSIONS item 2: "latest" is not a Kubernetes version, e.g. 1.29 or v1.29.3/],
    [{ KUBETRAIL_KUBERNETES_VERSIONS: "Prod_EU=1.29" }, /KUBETRAIL_KUBERNETES_VERSIONS item 1: "Prod_EU" is not a valid cluster name/],
    [{ KUBETRAIL_KUBERNETES_VERSIONS: "prod=1.29,prod=1.30" }, /KUBETRAIL_KUBERNETES_VERSIONS item 2: cluster "prod" is given twice/],
  ])("rejects %o with a message naming the setting", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe("loadConfig: Kubernetes versions", () => {
  it("has none by default: each cluster's comes from its audit events", () => {
    expect(loadConfig({}).kubernetesVersions).toEqual({});
    expect(loadConfig({ KUBETRAIL_KUBERNETES_VERSIONS: "" }).kubernetesVersions).toEqual({});
  });

  it("reads a version per cluster, as a release or as a component names it", () => {
    expect(loadConfig({ KUBETRAIL_KUBERNETES_VERSIONS: "prod-eu-1=1.25, staging=v1.35.2, openshift=v1.21.1+9807387," }).kubernetesVersions).toEqual({
      "prod-eu-1": { major: 1, minor: 25, patch: 0 },
      staging: { major: 1, minor: 35, patch: 2 },
      openshift: { major: 1, minor: 21, patch: 1 },
    });
  });

  it("takes any valid cluster name, those an object's prototype has too", () => {
    // "constructor" is a valid cluster name (lowercase letters) and a key of every plain object.
    expect(loadConfig({ KUBETRAIL_KUBERNETES_VERSIONS: "constructor=1.25" }).kubernetesVersions).toEqual({ constructor: { major: 1, minor: 25, patch: 0 } });
  });
});

describe("loadConfig: ingest worker threads", () => {
  it("uses none with the embedded database, which lives in the server's own thread", () => {
    expect(loadConfig({}).ingestWorkers).toBe(0);
    expect(loadConfig({ KUBETRAIL_INGEST_WORKERS: "auto" }).ingestWorkers).toBe(0);
    expect(loadConfig({ KUBETRAIL_INGEST_WORKERS: "0" }).ingestWorkers).toBe(0);
  });

  it("uses one per CPU with Postgres, at most 4, as many as the memory holds", () => {
    const GiB = 2 ** 30;
    expect(autoIngestWorkers("postgresql://db/kt", 2, 24 * GiB)).toBe(2);
    expect(autoIngestWorkers("postgresql://db/kt", 32, 24 * GiB)).toBe(4);
    // 512 MiB for the server, 256 MiB a worker.
    expect(autoIngestWorkers("postgresql://db/kt", 4, 1 * GiB)).toBe(2);
    expect(autoIngestWorkers("postgresql://db/kt", 4, 0.5 * GiB)).toBe(0);
    expect(autoIngestWorkers(null, 4, 24 * GiB)).toBe(0);
  });

  it("reads \"auto\" from this machine's CPUs and memory, unless told a number", () => {
    const auto = autoIngestWorkers("postgresql://db/kt");
    expect(loadConfig({ DATABASE_URL: "postgresql://db/kt" }).ingestWorkers).toBe(auto);
    expect(loadConfig({ DATABASE_URL: "postgresql://db/kt", KUBETRAIL_INGEST_WORKERS: "auto" }).ingestWorkers).toBe(auto);
    expect(loadConfig({ DATABASE_URL: "postgresql://db/kt", KUBETRAIL_INGEST_WORKERS: "0" }).ingestWorkers).toBe(0);
    expect(loadConfig({ DATABASE_URL: "postgresql://db/kt", KUBETRAIL_INGEST_WORKERS: "6" }).ingestWorkers).toBe(6);
  });
});

describe("loadConfig: the Jaeger-compatible API", () => {
  it("serves it at /jaeger without a UI by default, or where the settings say", () => {
    expect(loadConfig({})).toMatchObject({ jaegerBasePath: "/jaeger", jaegerUiDir: null });
    expect(loadConfig({ KUBETRAIL_JAEGER_BASE_PATH: "/tools/jaeger", JAEGER_UI_DIR: "/opt/jaeger-ui" })).toMatchObject({
      jaegerBasePath: "/tools/jaeger",
      jaegerUiDir: "/opt/jaeger-ui",
    });
  });

  it.each(["jaeger", "/jaeger/", "/", "/api", "/api/jaeger", "/redirect", "/a b"])("rejects the base path %j with a message naming the setting", (value) => {
    expect(() => loadConfig({ KUBETRAIL_JAEGER_BASE_PATH: value })).toThrow(/KUBETRAIL_JAEGER_BASE_PATH must/);
  });
});

describe("loadConfig: trace depth", () => {
  it("limits traces to 10 relation hops unless told otherwise, at most 15", () => {
    expect(loadConfig({}).traceMaxDepth).toBe(10);
    expect(loadConfig({ KUBETRAIL_TRACE_MAX_DEPTH: "15" }).traceMaxDepth).toBe(15);
    expect(() => loadConfig({ KUBETRAIL_TRACE_MAX_DEPTH: "16" })).toThrow(/KUBETRAIL_TRACE_MAX_DEPTH must be at most 15/);
    expect(() => loadConfig({ KUBETRAIL_TRACE_MAX_DEPTH: "0" })).toThrow(/KUBETRAIL_TRACE_MAX_DEPTH must be a positive integer/);
  });
});

describe("loadConfig: relation rules and plugins", () => {
  it("has none by default", () => {
    expect(loadConfig({})).toMatchObject({ linkRulesFile: null, plugins: [] });
  });

  it("reads the rules file as an absolute path and the plugin list as given", () => {
    const config = loadConfig({ KUBETRAIL_LINK_RULES_FILE: "config/links.yaml", KUBETRAIL_PLUGINS: " plugins/argo-rollouts, /opt/kubetrail/plugins/events.mjs ,," });
    expect(config.linkRulesFile).toBe(path.resolve("config/links.yaml"));
    expect(config.plugins).toEqual(["plugins/argo-rollouts", "/opt/kubetrail/plugins/events.mjs"]);
    expect(loadConfig({ KUBETRAIL_LINK_RULES_FILE: "", KUBETRAIL_PLUGINS: "" })).toMatchObject({ linkRulesFile: null, plugins: [] });
  });
});

describe("loadConfig: OTLP trace export", () => {
  it("is off without an OTLP endpoint, or with the SDK disabled", () => {
    expect(loadConfig({}).otlpExport).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" }).otlpExport).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_EXPORTER: "none" }).otlpExport).toBeNull();
  });

  it("appends v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT and takes OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is", () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).otlpExport?.tracesUrl).toBe("http://collector:4318/v1/traces");
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example.com/tenant-a/" }).otlpExport?.tracesUrl).toBe("https://otlp.example.com/tenant-a/v1/traces");
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://tempo:4318/otlp/traces" }).otlpExport?.tracesUrl,
    ).toBe("http://tempo:4318/otlp/traces");
  });

  it("reads headers (percent-decoded, trace-specific ones winning), timeout, compression and batching", () => {
    const config = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Basic%20dXNlcjpwYXNz, X-Scope-OrgID=ops",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-scope-orgid=traces",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_BSP_MAX_QUEUE_SIZE: "100",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "50",
      OTEL_BSP_SCHEDULE_DELAY: "0",
    });
    expect(config.otlpExport).toEqual({
      tracesUrl: "http://collector:4318/v1/traces",
      headers: { authorization: "Basic dXNlcjpwYXNz", "x-scope-orgid": "traces" },
      timeoutMs: 2500,
      compression: "gzip",
      maxQueueSize: 100,
      maxExportBatchSize: 50,
      scheduledDelayMs: 0,
      exportTimeoutMs: 30_000,
    });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).otlpExport).toMatchObject({
      headers: {},
      timeoutMs: 10_000,
      compression: "none",
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
      scheduledDelayMs: 5000,
    });
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http:\/\/ or https:\/\/ URL/],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "grpc://collector:4317" }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http/],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, /OTEL_EXPORTER_OTLP_PROTOCOL: only "http\/protobuf" is supported/],
    [{ OTEL_EXPORTER_OTLP_HEADERS: "just-a-token" }, /OTEL_EXPORTER_OTLP_HEADERS item 1: expected name=value/],
    [{ OTEL_EXPORTER_OTLP_TRACES_HEADERS: "a=1,authorization=%zz" }, /OTEL_EXPORTER_OTLP_TRACES_HEADERS item 2 \(authorization\): the value is not valid percent-encoding/],
    [{ OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc%0D%0AX-Injected:%201" }, /OTEL_EXPORTER_OTLP_HEADERS item 1 \(authorization\): the value holds a character a header cannot/],
    [{ OTEL_EXPORTER_OTLP_TIMEOUT: "10s" }, /OTEL_EXPORTER_OTLP_TIMEOUT must be a positive integer, got "10s"/],
    [{ OTEL_EXPORTER_OTLP_COMPRESSION: "zstd" }, /OTEL_EXPORTER_OTLP_COMPRESSION must be "gzip" or "none"/],
    [{ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" }, /OTEL_BSP_MAX_EXPORT_BATCH_SIZE \(4096\) must not exceed OTEL_BSP_MAX_QUEUE_SIZE \(2048\)/],
    [{ OTEL_TRACES_EXPORTER: "zipkin" }, /OTEL_TRACES_EXPORTER: only "otlp"/],
  ])("rejects %o with a message naming the variable", (env, message) => {
    const withEndpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", ...env };
    expect(() => loadConfig(withEndpoint)).toThrow(ConfigError);
    expect(() => loadConfig(withEndpoint)).toThrow(message);
  });

  it("never repeats credentials or a query of the endpoint in an error", () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "grpc://user:s3cret@collector:4317/?token=s3cret" })).toThrow(
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL, got "grpc://…@collector:4317/?…"',
    );
  });

  it("never repeats a header value in an error", () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_HEADERS: "authorization=secret%zz" })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("secret") }),
    );
  });
});

describe("loadConfig: watched resources (KUBETRAIL_WATCH_RESOURCES)", () => {
  const watched = (value: string | undefined) => loadConfig(value === undefined ? {} : { KUBETRAIL_WATCH_RESOURCES: value }).watchResources;

  it("watches the workloads and Services by default, each at the version current Kubernetes serves it", () => {
    expect(watched(undefined)).toEqual([
      { apiGroup: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true },
      { apiGroup: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true },
      { apiGroup: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", namespaced: true },
      { apiGroup: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet", namespaced: true },
      { apiGroup: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true },
      { apiGroup: "", version: "v1", resource: "services", kind: "Service", namespaced: true },
      { apiGroup: "batch", version: "v1", resource: "jobs", kind: "Job", namespaced: true },
      { apiGroup: "batch", version: "v1", resource: "cronjobs", kind: "CronJob", namespaced: true },
    ]);
    expect(watched("")).toEqual(watched(undefined));
  });

  it("reads resource[.group][/version] items; `none` watches nothing", () => {
    expect(watched(" pods , horizontalpodautoscalers.autoscaling, nodes/v1, widgets.example.com/v1alpha1 ,")).toEqual([
      { apiGroup: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true },
      { apiGroup: "autoscaling", version: "v2", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true },
      { apiGroup: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false },
      { apiGroup: "example.com", version: "v1alpha1", resource: "widgets", kind: null, namespaced: null },
    ]);
    expect(watched("none")).toEqual([]);
    expect(watched(" NONE ")).toEqual([]);
  });

  it("refuses a bad item at start-up, naming it and why", () => {
    expect(() => watched("pods,Deployments.apps")).toThrow(/KUBETRAIL_WATCH_RESOURCES item 2: "Deployments.apps" is not resource\[\.group\]\[\/version\]/);
    expect(() => watched("apps/deployments")).toThrow(/KUBETRAIL_WATCH_RESOURCES item 1: "deployments" in "apps\/deployments" is not an API version/);
    expect(() => watched("widgets.example.com")).toThrow(/KUBETRAIL_WATCH_RESOURCES item 1: "widgets.example.com" is not a built-in resource Kubetrail knows: name its version, e.g. widgets.example.com\/v1/);
    expect(() => watched("ingresses.extensions")).toThrow(/current Kubernetes releases no longer serve ingresses.extensions; name the version/);
    expect(watched("ingresses.extensions/v1beta1")).toEqual([{ apiGroup: "extensions", version: "v1beta1", resource: "ingresses", kind: "Ingress", namespaced: true }]);
    expect(() => watched("pods,pods/v1")).toThrow(/KUBETRAIL_WATCH_RESOURCES item 2: pods is given twice/);
    expect(() => watched("pods,none")).toThrow(/KUBETRAIL_WATCH_RESOURCES item 2: "none" cannot be combined with resources/);
  });

  it("refuses Secrets, saying why, and Events, which their own source watches", () => {
    expect(() => watched("pods,secrets")).toThrow(
      /KUBETRAIL_WATCH_RESOURCES item 2: Secrets are not watched: their data would travel to Kubetrail for nothing \(audit events already give Secrets' history without their data\)/,
    );
    expect(() => watched("secrets/v1")).toThrow(/Secrets are not watched/);
    expect(() => watched("events")).toThrow(/KUBETRAIL_WATCH_RESOURCES item 1: Events are not watched as objects/);
    expect(() => watched("events.events.k8s.io")).toThrow(/Events are not watched as objects/);
  });
});
