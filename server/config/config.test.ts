import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

describe("loadConfig", () => {
  it("defaults to the embedded database in ./.data with token-authenticated ingest", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeNull();
    expect(config.dataDir).toBe(path.resolve(".data"));
    expect(config.defaultCluster).toBe("default");
    expect(config.ingestAuth).toEqual({ mode: "token", sharedToken: null, clusterTokens: {} });
    expect(config.retentionMs).toBe(14 * 86_400_000);
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
      KUBETRAIL_INGEST_CONCURRENCY: "3",
      KUBETRAIL_INGEST_QUEUE: "5",
      KUBETRAIL_INGEST_MAX_PENDING_BYTES: "2000000",
      KUBETRAIL_RETRY_AFTER_SECONDS: "7",
      KUBETRAIL_RETENTION: "36h",
      KUBETRAIL_PRUNE_INTERVAL: "10m",
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
      ingestConcurrency: 3,
      ingestQueueLength: 5,
      ingestMaxPendingBytes: 2000000,
      retryAfterSeconds: 7,
      retentionMs: 36 * 3_600_000,
      pruneIntervalMs: 600_000,
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
    [{ KUBETRAIL_RETENTION: "two weeks" }, /KUBETRAIL_RETENTION must be a duration/],
    [{ KUBETRAIL_SKIP_RESOURCES: "Leases.Coordination" }, /KUBETRAIL_SKIP_RESOURCES: "Leases.Coordination" is not group\/resource/],
    [{ KUBETRAIL_SENSITIVE_FIELDS: "[{}]" }, /KUBETRAIL_SENSITIVE_FIELDS/],
    [{ KUBETRAIL_REDACTION_KEY: "short" }, /KUBETRAIL_REDACTION_KEY must be at least 16 characters/],
  ])("rejects %o with a message naming the setting", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
