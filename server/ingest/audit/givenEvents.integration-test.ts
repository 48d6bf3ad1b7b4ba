import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { exampleSecretBody, loadFalcoTraceEvents } from "../../testing/fixtures";
import { TEST_CONVERT_OPTIONS } from "../../testing/convertOptions";
import { rolloutScenario } from "../../testing/scenarios/rollout";
import { createAuditIngestor } from "./ingest";

/**
 * The ingestor reads the events it is given and never changes them: `npm run import` gives the
 * same objects again when a batch must be stored once more (a deadlock with the server storing
 * the same cluster), and would otherwise store something else the second time.
 */
describe.each(STORE_KINDS)("the events given to the ingestor, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(() => test?.dispose());

  it("are left as they were: every real Falco event, the rollout, and a Secret with its values", async () => {
    const secretCreate = structuredClone(loadFalcoTraceEvents().find((e) => e.file === "create_secret.json")!.raw) as Record<string, unknown>;
    secretCreate.level = "RequestResponse";
    secretCreate.auditID = "0c3e1a52-0000-4000-8000-000000000001";
    secretCreate.responseObject = exampleSecretBody();
    const events = [...loadFalcoTraceEvents().map((e) => e.raw), ...rolloutScenario().map((step) => step.event), secretCreate];
    const before = structuredClone(events);
    const ingestor = createAuditIngestor(test.db, TEST_CONVERT_OPTIONS);
    const summary = await ingestor.ingest("given", () => events);
    expect(summary.accepted).toBeGreaterThan(50);
    expect(events).toEqual(before);
  });
});
