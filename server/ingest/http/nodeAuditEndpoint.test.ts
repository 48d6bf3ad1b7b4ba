import { describe, expect, it } from "vitest";
import { auditClusterOfPath } from "./nodeAuditEndpoint";

describe("auditClusterOfPath", () => {
  it("finds the webhook's paths, with the default cluster or a named one", () => {
    expect(auditClusterOfPath("/api/audit")).toBeUndefined();
    expect(auditClusterOfPath("/api/audit/")).toBeUndefined();
    expect(auditClusterOfPath("/api/audit?timeout=30s")).toBeUndefined();
    expect(auditClusterOfPath("/api/audit/prod")).toBe("prod");
    expect(auditClusterOfPath("/api/audit/prod/?timeout=30s")).toBe("prod");
  });

  it("decodes the cluster segment, and keeps one that is not valid percent-encoding as sent", () => {
    expect(auditClusterOfPath("/api/audit/eu%2Dwest")).toBe("eu-west");
    expect(auditClusterOfPath("/api/audit/bad%zz")).toBe("bad%zz");
  });

  it("leaves every other path to Next.js", () => {
    for (const url of ["/", "/api/auditx", "/api/audit/a/b", "/api/ready", "/x/api/audit", "/jaeger/api/traces"]) {
      expect(auditClusterOfPath(url)).toBeNull();
    }
  });
});
