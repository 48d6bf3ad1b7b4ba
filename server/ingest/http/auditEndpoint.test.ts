import { describe, expect, it } from "vitest";
import { refusalHeaders } from "./auditEndpoint";

describe("refusalHeaders", () => {
  const limit = 1000;

  it("keeps the connection for a refused body of declared length up to twice the limit, which the server reads and drops", () => {
    expect(refusalHeaders(0, limit)).toEqual({});
    expect(refusalHeaders(1500, limit)).toEqual({});
    expect(refusalHeaders(2000, limit)).toEqual({});
  });

  it("closes the connection rather than read a larger body, or one of unknown length", () => {
    expect(refusalHeaders(2001, limit)).toEqual({ Connection: "close" });
    expect(refusalHeaders(Number.NaN, limit)).toEqual({ Connection: "close" });
  });
});
