import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEndpointDeps } from "./auditEndpoint";
import { auditClusterOfPath, createAuditWebhookHandler } from "./nodeAuditEndpoint";

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

describe("the production server's webhook handler", () => {
  const MAX_BODY_BYTES = 1024;
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    // Refusals need no store: a deps object with the body limit only.
    const handle = createAuditWebhookHandler({ config: { maxBodyBytes: MAX_BODY_BYTES } } as AuditEndpointDeps);
    // What it leaves to Next.js is answered 418 here.
    server = http.createServer((request, response) => void (handle(request, response) || response.writeHead(418).end()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers another method on the webhook's paths, and a path below a cluster's, itself, not leaving them to Next.js", async () => {
    for (const [method, path, status] of [
      ["GET", "/api/audit", 405],
      ["PUT", "/api/audit/prod?timeout=30s", 405],
      ["OPTIONS", "/api/audit/prod/", 405],
      ["POST", "/api/audit/prod/extra", 404],
      ["DELETE", "/api/audit//", 404],
    ] as const) {
      const response = await fetch(`${url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.headers.get("allow"), `${method} ${path}`).toBe(status === 405 ? "POST" : null);
      expect((await response.json()).error.code).toBe(status === 405 ? "method_not_allowed" : "not_found");
    }
    for (const path of ["/api/auditx", "/api/ready", "/x/api/audit"]) expect((await fetch(`${url}${path}`)).status).toBe(418);
  });

  it("closes the connection rather than read a large refused body, as for its other refusals", async () => {
    const small = await fetch(`${url}/api/audit/prod/extra`, { method: "POST", body: "x".repeat(MAX_BODY_BYTES) });
    expect(small.headers.get("connection")).not.toBe("close");
    const large = await fetch(`${url}/api/audit`, { method: "PUT", body: "x".repeat(3 * MAX_BODY_BYTES) });
    expect(large.status).toBe(405);
    expect(large.headers.get("connection")).toBe("close");
  });
});
