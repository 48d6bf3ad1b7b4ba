import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { falcoEvents } from "../../testing/fixtures";
import { eventList, rolloutScenario } from "../../testing/scenarios/rollout";
import { pruneOlderThan } from "./prune";

const count = async (app: TestApp, table: string) =>
  (await app.context.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

describe.each(STORE_KINDS)("retention on %s", (kind) => {
  let app: TestApp;
  afterEach(() => app.close());

  it("prunes history older than the cutoff and the objects left without history, keeping newer ones", async () => {
    app = await startTestApp(kind);
    // Falco traces were recorded in 2018-2020; the rollout scenario is from 2021-09-13.
    const old = [...falcoEvents("create_configmap.json"), ...falcoEvents("create_service.json")];
    await app.postAudit(eventList(old));
    await app.postAudit(eventList(rolloutScenario().map((s) => s.event)));
    const before = await count(app, "history_entries");

    const result = await pruneOlderThan(app.context.db, new Date("2021-01-01T00:00:00Z"));
    expect(result.historyEntries).toBe(2);
    expect(result.objects).toBe(2);
    expect(await count(app, "history_entries")).toBe(before - 2);
    const names = await app.context.db.query<{ name: string }>(`SELECT name FROM objects ORDER BY name`);
    expect(names.rows.map((r) => r.name)).toEqual(["apiserver"]);
    // Receipts age by when they were received (just now), so a retry of these batches is still recognised.
    expect(result.receipts).toBe(0);
    const retry = await (await app.postAudit(eventList(old))).json();
    expect(retry).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it("prunes everything, in batches, when everything is older than the cutoff", async () => {
    app = await startTestApp(kind);
    const template = falcoEvents("create_configmap.json")[0]!;
    const events = Array.from({ length: 1200 }, (_, i) => {
      const e = structuredClone(template);
      e.auditID = `9a0e0000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      e.objectRef.name = e.responseObject.metadata.name = `config-${i}`;
      e.responseObject.metadata.uid = `9a0e0000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      return e;
    });
    for (let i = 0; i < events.length; i += 400) await app.postAudit(eventList(events.slice(i, i + 400)));
    const result = await pruneOlderThan(app.context.db, new Date(Date.now() + 86_400_000));
    expect(result).toMatchObject({ historyEntries: 1200, objects: 1200, receipts: 1200 });
    for (const table of ["history_entries", "objects", "audit_receipts", "request_counts"]) expect(await count(app, table)).toBe(0);
  });
});
