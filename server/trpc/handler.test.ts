import { afterEach, describe, expect, it, vi } from "vitest";
import type { Sql } from "../store/database";
import { handleDashboardApi } from "./handler";
import { INTERNAL_ERROR_MESSAGE } from "../app/internalError";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { procedure, router, type DashboardContext } from "./init";

/** A store whose every statement fails as Postgres says a statement failed: its message names what the SQL read. */
const failingStore: Sql = {
  query: async () => {
    throw Object.assign(new Error('relation "objects" does not exist'), { code: "42P01", position: "82", where: "SELECT kind, api_group FROM objects" });
  },
};
const context = async (): Promise<DashboardContext> => ({ sql: failingStore, config: { jaegerBasePath: "/jaeger", jaegerUiDir: null, traceMaxDepth: 5 } });

async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await handleDashboardApi(new Request(`http://kubetrail.test/api/trpc/${path}`), context);
  return { status: response.status, body: await response.json() };
}

describe("the dashboard API's errors", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("answer a failure of the store with 500 and nothing of it, which goes to the server's log", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const { status, body } = await get("search.kinds");
    expect(status).toBe(500);
    expect(body.error.message).toBe(INTERNAL_ERROR_MESSAGE);
    expect(body.error.data).toEqual({ code: "INTERNAL_SERVER_ERROR", httpStatus: 500, path: "search.kinds" });
    expect(JSON.stringify(body)).not.toMatch(/relation|objects|SELECT|\.ts:/);
    expect(log).toHaveBeenCalledOnce();
    expect(log.mock.calls[0]![0]).toMatch(/^kubetrail: dashboard API search\.kinds failed: Error: relation "objects" does not exist\n\s+at /);
  });

  it("say nothing of a store's failure on the object page either", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const path of ["objects.timeline", "objects.entry"]) {
      const { status, body } = await get(`${path}?input=${encodeURIComponent(JSON.stringify({ id: 12 }))}`);
      expect(status, path).toBe(500);
      expect(body.error.message, path).toBe(INTERNAL_ERROR_MESSAGE);
      expect(JSON.stringify(body), path).not.toMatch(/relation|objects"|SELECT|\.ts:/);
    }
  });

  it("never carry the server's stack, whatever NODE_ENV says", async () => {
    vi.stubEnv("NODE_ENV", "development");
    const { status, body } = await get(`search.objects?input=${encodeURIComponent(JSON.stringify({ limit: 0 }))}`);
    expect(status).toBe(400);
    expect(body.error.message).toBe("limit: must be a whole number from 1 to 500");
    expect(body.error.data).not.toHaveProperty("stack");
  });

  it("name the input when it is not JSON, or not an object", async () => {
    const notJson = await get("search.objects?input=%7Bnot%20json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toMatch(/^input: must be JSON \(.+\)$/);
    for (const input of ["null", "[]", '"pods"']) {
      const { status, body } = await get(`search.objects?input=${encodeURIComponent(input)}`);
      expect(status, input).toBe(400);
      expect(body.error.message, input).toMatch(/^input: Invalid input: expected object, received /);
    }
  });

  it("name the input when a validator's issue has no path (the Standard Schema's issues may have none)", async () => {
    const pathless = { "~standard": { version: 1 as const, vendor: "kubetrail-test", validate: () => ({ issues: [{ message: "must name a Deployment" }] }) } };
    const api = router({ check: procedure.input(pathless).query(() => "checked") });
    const response = await fetchRequestHandler({ endpoint: "/api/trpc", req: new Request("http://kubetrail.test/api/trpc/check?input=%7B%7D"), router: api, createContext: context });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toBe("input: must name a Deployment");
  });
});
