import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { CASCADE, cascadeEventList, openshiftCascade } from "../testing/scenarios/openshiftCascade";
import { insertWatchRows, versionsOf, watchRowsOf } from "../testing/scenarios/watchedCascade";
import { formatDiffEntry } from "../model/diff/diff";
import { loadOverview } from "./overview";
import { objectIdOf } from "./trace/rolloutTree.fixture";

/**
 * The home page's latest entries list a write seen by audit and by a watch once, as its audit
 * entry (./trace/watchTwins.ts). The real OpenShift rollout (openshiftCascade.ts) posted to the
 * webhook, less two of the Deployment's writes audit missed, and a watch's entries of every
 * version of the Deployment (watchedCascade.ts, from the same real bodies), stored by SQL.
 */
describe("the latest entries with watch entries", () => {
  let app: TestApp;
  const versions = versionsOf(openshiftCascade(), "deployments", CASCADE.deployment.name);
  const rows = watchRowsOf(versions);
  let watchIds: number[];

  beforeAll(async () => {
    app = await startTestApp("postgres");
    const missed = new Set(["create deployment apiserver", "deployment apiserver status: 3 available"]);
    expect((await app.postAudit(cascadeEventList(openshiftCascade().filter((step) => !missed.has(step.label))), { cluster: "watched" })).status).toBe(200);
    watchIds = await insertWatchRows(app.context.db, await objectIdOf(app.context.db, "watched", "deployments", CASCADE.deployment.name), rows);
  });
  afterAll(() => app?.close());

  it("lists each write once, the audit entry with the watch's diff where it had none", async () => {
    const { recent, historyEntries } = await loadOverview(app.context.db, 1000);
    const watched = new Set(watchIds);
    const listedWatch = recent.filter((entry) => watched.has(entry.id)).map((entry) => watchIds.indexOf(entry.id));
    // Only the versions audit missed: the create (9101) and a status update (9119).
    expect(listedWatch.map((i) => versions[i]!.resourceVersion).sort()).toEqual(["9101", "9119"]);
    expect(recent).toHaveLength(historyEntries - (rows.length - 2));
    const firstAudited = recent.find((entry) => entry.name === CASCADE.deployment.name && entry.title === "system:serviceaccount:kube-system:deployment-controller update status" && entry.startTime.toISOString() === "2021-09-13T14:53:16.296Z")!;
    expect(firstAudited.changes[0]).toBe(formatDiffEntry(rows[1]!.diff![0]!));
  });

  it("leaves out a watch entry whose audit twin is just older than the oldest entry listed", async () => {
    const all = await app.context.db.query<{ id: string }>("SELECT id FROM history_entries ORDER BY start_time DESC, id DESC");
    const lastWatch = watchIds.at(-1)!;
    const position = all.rows.findIndex((row) => Number(row.id) === lastWatch);
    const { recent } = await loadOverview(app.context.db, position + 1);
    expect(recent.map((entry) => entry.id)).not.toContain(lastWatch);
    expect(recent).toHaveLength(position);
  });
});
