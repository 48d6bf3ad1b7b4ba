import { describe, expect, it } from "vitest";
import { isFailedRequest } from "./failedRequest";

describe("isFailedRequest", () => {
  it("takes a code of 300 or more for a failure, with or without its Status", () => {
    expect(isFailedRequest(429, { failure: { status: "Failure", reason: "TooManyRequests" } })).toBe(true);
    expect(isFailedRequest(404, {})).toBe(true);
    expect(isFailedRequest(200, {})).toBe(false);
    expect(isFailedRequest(null, null)).toBe(false);
  });

  it("takes a failure kept under a success code (a refused eviction answered 201) for one", () => {
    expect(isFailedRequest(201, { failure: { status: "Failure", message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support." } })).toBe(true);
    expect(isFailedRequest(201, { resourceVersionAfter: "42" })).toBe(false);
  });
});
