import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { falcoEvents } from "../../testing/fixtures";
import { eventList } from "../../testing/scenarios/rollout";

/**
 * A NUL character in what a client sent (a ConfigMap value holding binary-ish text, a probe's
 * output) reaches an entry's details as the JSON escape \u0000, which Postgres cannot turn into
 * text: every `details->>` on that object's entries (the audit writer asks them of later scales,
 * lateWriteHistory.ts) would then fail its batch, and the apiserver would retry it for ever.
 *
 * Derived from the real falco trace create_configmap.json: its create, then a merge patch at
 * Request level (no response body, so the patch is all that is known and is kept in details)
 * whose value holds a NUL.
 */
function configMapWithNulPatch() {
  const [create] = falcoEvents("create_configmap.json");
  const patch = {
    ...structuredClone(create!),
    auditID: "155b887c-c27c-4fdb-9667-999f74512d0b",
    verb: "patch",
    level: "Request",
    requestURI: "/api/v1/namespaces/default/configmaps/my-config",
    requestReceivedTimestamp: "2018-10-26T13:14:03.539180Z",
    stageTimestamp: "2018-10-26T13:14:03.544952Z",
    responseStatus: { metadata: {}, code: 200 },
    requestObject: { data: { "ui.properties": "color.good=purple\u0000color.bad=yellow\n", "path\\u0000": "a\\\u0000b" } },
  };
  delete (patch as Record<string, unknown>).responseObject;
  return [create!, patch];
}

describe.each(STORE_KINDS)("NUL characters in a request on %s", (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(eventList(configMapWithNulPatch()))).status).toBe(200);
  });
  afterAll(() => app.close());

  it("stores details that Postgres can read inside, the NUL shown as U+FFFD", async () => {
    const rows = await app.context.db.query<{ verb: string; patch: string | null }>(
      `SELECT verb, details->>'patch' AS patch FROM history_entries ORDER BY start_time`,
    );
    expect(rows.rows.map((row) => row.verb)).toEqual(["create", "patch"]);
    const patch = JSON.parse(rows.rows[1]!.patch!);
    expect(patch.data["ui.properties"]).toBe("color.good=purple\ufffdcolor.bad=yellow\n");
    // An escaped backslash followed by the letters u0000 is text, not a NUL: kept as it was.
    expect(patch.data["path\\u0000"]).toBe("a\\\ufffdb");
  });
});
