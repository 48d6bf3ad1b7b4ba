import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../testing/databases";
import { handleReady } from "./health";

describe("GET /api/ready", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase("pglite");
  });
  afterAll(() => database.dispose());

  it("is ready with the database up to date and no ingest workers, or with one running", async () => {
    for (const ingestWorkers of [null, { running: 1 }]) {
      const response = await handleReady(async () => ({ db: database.db, ingestWorkers }));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ready" });
    }
  });

  it("is not ready while every ingest worker is being started again", async () => {
    const response = await handleReady(async () => ({ db: database.db, ingestWorkers: { running: 0 } }));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "not ready", reason: "no ingest worker is running (they are being started again)" });
  });

  it("says the database is unavailable when the app cannot be had", async () => {
    const response = await handleReady(async () => Promise.reject(new Error("connection refused")));
    expect(response.status).toBe(503);
    expect((await response.json()).reason).toBe("database unavailable: connection refused");
  });
});
