import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../testing/databases";
import { falcoEvents } from "../testing/fixtures";
import { eventList } from "../testing/scenarios/rollout";
import { openPostgres } from "../store/postgres";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../model/redact/redact";
import { createAuditIngestor } from "./audit/ingest";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "./audit/defaults";
import { ingestEventList } from "./eventList";

const options = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-0123456789"),
};

const body = (document: unknown) => Buffer.from(JSON.stringify(document));

// A body is read once its batch's transaction has been asked to begin (to hide BEGIN's round
// trip). What it says of itself must not depend on the database: refused whole, or every event
// rejected, it needs none, and is answered so even when no connection can be had.
describe("a webhook body when the database cannot be reached", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase("postgres");
  });
  afterAll(() => test.dispose());

  it("is still refused, or its events rejected, for what it is; a batch with events to store fails", async () => {
    const db = openPostgres(test.url!, { maxConnections: 2 });
    const ingestor = createAuditIngestor(db, options);
    // The cluster's first batch creates its row; from then on its batches begin their transaction before being read.
    const first = await ingestEventList(ingestor, "c", body(eventList(falcoEvents("create_configmap.json"))));
    expect(first).toMatchObject({ ok: true, summary: { accepted: 1, history: 1 } });
    await db.close();

    expect(await ingestEventList(ingestor, "c", Buffer.from('{"kind":"EventList","items":['))).toMatchObject({ ok: false, code: "invalid_json" });
    expect(await ingestEventList(ingestor, "c", body({ kind: "Pod", apiVersion: "v1" }))).toMatchObject({ ok: false, code: "invalid_event_list" });
    const allBad = await ingestEventList(ingestor, "c", body(eventList([{ kind: "Event" }, 42])));
    expect(allBad).toMatchObject({ ok: true, summary: { received: 2, accepted: 0 } });
    expect(allBad.ok && allBad.summary.rejected.map((r) => r.index)).toEqual([0, 1]);

    await expect(ingestEventList(ingestor, "c", body(eventList(falcoEvents("create_service.json"))))).rejects.toThrow(/pool/);
  });

  it("stores a batch read while its transaction begins exactly as one handed over already read", async () => {
    const db = test.db;
    const events = [...falcoEvents("create_service.json"), ...falcoEvents("create_nginx_pod_unprivileged.json")];
    const [lazyIngestor, eagerIngestor] = [createAuditIngestor(db, options), createAuditIngestor(db, options)];
    // Each cluster known first: its next batch is read inside a transaction already begun.
    await lazyIngestor.ingest("lazy", falcoEvents("create_configmap.json"));
    await eagerIngestor.ingest("eager", falcoEvents("create_configmap.json"));
    const lazy = await lazyIngestor.ingest("lazy", () => events);
    const eager = await eagerIngestor.ingest("eager", events);
    expect(lazy).toMatchObject({ received: 2, accepted: 2, history: 2 });
    expect(lazy).toEqual(eager);
    const titles = async (cluster: string) =>
      (await db.query<{ title: string }>(`SELECT h.title FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1 ORDER BY h.title`, [cluster])).rows;
    expect(await titles("lazy")).toEqual(await titles("eager"));
    expect((await titles("lazy")).length).toBe(3);
  });
});
