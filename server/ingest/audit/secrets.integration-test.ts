import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { falcoEvents } from "../../testing/fixtures";
import { eventList } from "../../testing/scenarios/rollout";

const PASSWORD = "hunter2-correct-horse";
const NEW_PASSWORD = "battery-staple-42";
const b64 = (text: string) => Buffer.from(text).toString("base64");

/**
 * A Secret created and then changed, at RequestResponse level. Derived from the real falco
 * trace create_secret.json (a Metadata-level event): same envelope, with the bodies the
 * apiserver records at RequestResponse level added.
 */
function secretEvents() {
  const [base] = falcoEvents("create_secret.json");
  const secret = (password: string, rv: string) => ({
    kind: "Secret",
    apiVersion: "v1",
    metadata: {
      name: "example-secret",
      namespace: "default",
      uid: "0f1e2d3c-0000-4000-8000-00000000beef",
      resourceVersion: rv,
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ apiVersion: "v1", kind: "Secret", data: { password: b64(password) } }),
        team: "payments",
      },
    },
    type: "Opaque",
    data: { password: b64(password), username: b64("admin") },
  });
  const create = { ...structuredClone(base!), level: "RequestResponse", requestObject: { ...secret(PASSWORD, ""), stringData: { token: PASSWORD } }, responseObject: secret(PASSWORD, "100") };
  const update = {
    ...structuredClone(base!),
    auditID: "55a81824-ab56-46c5-8b02-96336f5e78d8",
    verb: "patch",
    level: "RequestResponse",
    requestURI: "/api/v1/namespaces/default/secrets/example-secret",
    requestReceivedTimestamp: "2020-04-21T17:58:05.541358Z",
    stageTimestamp: "2020-04-21T17:58:05.548299Z",
    responseStatus: { metadata: {}, code: 200 },
    requestObject: { data: { password: b64(NEW_PASSWORD) } },
    responseObject: secret(NEW_PASSWORD, "101"),
  };
  return [create, update];
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
