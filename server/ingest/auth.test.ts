import { describe, expect, it } from "vitest";
import { createIngestAuthorizer } from "./auth";

describe("createIngestAuthorizer", () => {
  const authorizer = createIngestAuthorizer({ mode: "token", sharedToken: "shared", clusterTokens: { prod: "prod-only" } });

  it("accepts the shared token for any cluster and a cluster token for its own cluster", () => {
    expect(authorizer.check("Bearer shared", "prod")).toBeNull();
    expect(authorizer.check("Bearer shared", "staging")).toBeNull();
    expect(authorizer.check("bearer prod-only", "prod")).toBeNull();
  });

  it("refuses a cluster token for another cluster, a wrong token, and a missing or malformed header", () => {
    expect(authorizer.check("Bearer prod-only", "staging")).toBe('the token is not valid for cluster "staging"');
    expect(authorizer.check("Bearer nope", "prod")).toMatch(/not valid/);
    expect(authorizer.check(null, "prod")).toMatch(/missing bearer token/);
    expect(authorizer.check("Basic dXNlcjpwYXNz", "prod")).toMatch(/must be 'Bearer <token>'/);
  });

  it("accepts a generated token alongside configured ones", () => {
    const withGenerated = createIngestAuthorizer({ mode: "token", sharedToken: null, clusterTokens: {} }, "generated");
    expect(withGenerated.check("Bearer generated", "default")).toBeNull();
    expect(withGenerated.check("Bearer other", "default")).not.toBeNull();
  });

  it("with no token at all, refuses everything", () => {
    const none = createIngestAuthorizer({ mode: "token", sharedToken: null, clusterTokens: {} });
    expect(none.check("Bearer anything", "default")).not.toBeNull();
  });

  it("lets everything through only when explicitly disabled", () => {
    expect(createIngestAuthorizer({ mode: "disabled" }).check(null, "default")).toBeNull();
  });
});
