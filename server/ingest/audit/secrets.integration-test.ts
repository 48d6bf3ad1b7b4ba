import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { b64, SECRET_NEW_PASSWORD, SECRET_PASSWORD, secretScenario } from "../../testing/scenarios/secret";
import { eventList } from "../../testing/scenarios/rollout";

const PASSWORD = SECRET_PASSWORD;
const NEW_PASSWORD = SECRET_NEW_PASSWORD;

function secretEvents() {
  const { create, passwordChange } = secretScenario();
  return [create, passwordChange];
}

describe.each(STORE_KINDS)("Secrets on %s", (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
    for (const event of secretEvents()) expect((await app.postAudit(eventList([event]))).status).toBe(200);
  });
  afterAll(() => app.close());

  it("never stores a secret value, in any table", async () => {
    const tables = await app.context.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    for (const { table_name } of tables.rows) {
      const dump = await app.context.db.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      const text = dump.rows.map((r) => r.row).join("\n");
      for (const secret of [PASSWORD, NEW_PASSWORD, b64(PASSWORD), b64(NEW_PASSWORD), b64("admin")]) {
        expect(text, `${table_name} holds a secret`).not.toContain(secret);
      }
    }
  });

  it("shows <redacted> in the snapshot and says that a redacted field changed", async () => {
    const rows = await app.context.db.query<{ verb: string; snapshot: any; diff: any; details: any }>(
      `SELECT verb, snapshot, diff, details FROM history_entries ORDER BY start_time`,
    );
    const [create, patch] = rows.rows;
    expect(create!.snapshot.data).toEqual({ password: "<redacted>", username: "<redacted>" });
    expect(create!.snapshot.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toBe("<redacted>");
    expect(create!.snapshot.metadata.annotations.team).toBe("payments");
    expect(patch!.diff).toContainEqual({ path: "data.password", redacted: true });
    expect(patch!.diff.some((d: { path: string }) => d.path === "data.username")).toBe(false);
    expect(patch!.details.patch).toEqual({ data: { password: "<redacted>" } });
  });
});
