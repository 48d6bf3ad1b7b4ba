import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sql } from "../store/database";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { loadRolloutTree, objectIdOf } from "../query/trace/rolloutTree.fixture";
import { encodeTraceId } from "../query/trace/traceId";
import { tracesById } from "./search";

/**
 * `/api/traces?traceID=…&traceID=…` names any number of traces (a URL holds hundreds): they are
 * built a few at a time, so that one request cannot take every connection of the pool.
 */
describe("traces by id", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("postgres");
    await loadRolloutTree(app, "openshift");
  });
  afterAll(() => app?.close());

  /** The database, counting the statements it runs at the same time. */
  function counting(sql: Sql): Sql & { maxAtOnce: number } {
    let running = 0;
    const counter = {
      maxAtOnce: 0,
      async query(...args: Parameters<Sql["query"]>) {
        counter.maxAtOnce = Math.max(counter.maxAtOnce, ++running);
        try {
          return await sql.query(...args);
        } finally {
          running--;
        }
      },
    };
    return counter as Sql & { maxAtOnce: number };
  }

  const idOf = (rootObjectId: number) =>
    encodeTraceId({ rootObjectId, displayMode: "tree", relationMode: "full", depth: 10, startSeconds: Date.parse("2021-09-13T14:00:00Z") / 1000, endSeconds: Date.parse("2021-09-13T16:00:00Z") / 1000 });

  it("builds them in order, a few at a time, null for an object that does not exist", async () => {
    const deployment = await objectIdOf(app.context.db, "openshift", "deployments", "apiserver");
    const one = counting(app.context.db);
    await tracesById(one, [idOf(deployment)]);
    const perTrace = one.maxAtOnce;

    const ids = [idOf(deployment), ...Array.from({ length: 40 }, (_, i) => idOf(9_000_000 + i)), idOf(deployment)];
    const many = counting(app.context.db);
    const traces = await tracesById(many, ids);
    expect(traces.map((trace) => trace !== null)).toEqual(ids.map((_, i) => i === 0 || i === ids.length - 1));
    // Four traces at a time (BUILD_CONCURRENCY), each running at most what one runs alone.
    expect(many.maxAtOnce).toBeLessThanOrEqual(4 * perTrace);
  });
});
