import { afterEach, describe, expect, it, vi } from "vitest";
import type { Sql } from "../store/database";
import { INTERNAL_ERROR_MESSAGE } from "../app/internalError";
import { handleV1Services } from "./v1/handlers";
import { handleV3Services } from "./v3/handlers";
import type { JaegerDeps } from "./search";

/** A store whose every statement fails as Postgres says one failed: its message names what the SQL read. */
const failingStore: Sql = {
  query: async () => {
    throw Object.assign(new Error('relation "objects" does not exist'), { code: "42P01", where: "SELECT kind, api_group FROM objects" });
  },
};
const deps: JaegerDeps = { db: failingStore, config: { traceMaxDepth: 5 } };

describe("the Jaeger-compatible API's unexpected failures", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ["v1", () => handleV1Services(new Request("http://kubetrail.test/jaeger/api/services"), deps)],
    ["v3", () => handleV3Services(new Request("http://kubetrail.test/jaeger/api/v3/services"), deps)],
  ])("answer %s with 500 and nothing of the failure, which goes whole to the server's log", async (_dialect, call) => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await call();
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toContain(INTERNAL_ERROR_MESSAGE);
    expect(text).not.toMatch(/relation|objects|SELECT/);
    expect(log).toHaveBeenCalledOnce();
    expect(log.mock.calls[0]![0]).toMatch(/relation "objects" does not exist/);
  });
});
