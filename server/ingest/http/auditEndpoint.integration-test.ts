import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SETUPS, postStreamed, startTestApp, TEST_TOKEN, type AppSetup, type TestApp } from "../../testing/appHarness";
import { allFalcoEvents, falcoEvents } from "../../testing/fixtures";
import { incompressibleText } from "../../testing/incompressibleText";
import { eventList } from "../../testing/scenarios/rollout";

// Every setup, and the Next.js route handlers (`next dev`'s webhook) once, on Postgres.
const SETUPS: AppSetup[] = [...APP_SETUPS, { label: "postgres through the Next.js route handler", kind: "postgres", env: {}, auditVia: "route-handler" }];

describe.each(SETUPS)("POST /api/audit on $label", ({ kind, env, auditVia }) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, { ...env, KUBETRAIL_INGEST_TOKENS: "prod=prod-token", KUBETRAIL_MAX_BODY_BYTES: String(4 * 1024 * 1024), KUBETRAIL_MAX_BATCH_EVENTS: "1000" }, { auditVia });
  });
  afterAll(() => app.close());

  const historyCount = async (cluster?: string) =>
    (
      await app.context.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE $1::text IS NULL OR c.name = $1`,
        [cluster ?? null],
      )
    ).rows[0]!.n;

  describe("health", () => {
    it("answers liveness and readiness", async () => {
      expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
      const ready = await fetch(`${app.url}/api/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready" });
    });

    it("is not ready while a migration is pending", async () => {
      await app.context.db.query(`UPDATE _prisma_migrations SET finished_at = NULL`);
      try {
        const ready = await fetch(`${app.url}/api/ready`);
        expect(ready.status).toBe(503);
        expect((await ready.json()).reason).toMatch(/migrations not applied: 20261125120000_init/);
      } finally {
        await app.context.db.query(`UPDATE _prisma_migrations SET finished_at = now()`);
      }
    });
  });

  describe("authentication", () => {
    const batch = () => eventList(falcoEvents("create_configmap.json"));

    it("refuses a request without a token, with a wrong token, or with another cluster's token", async () => {
      for (const [token, cluster] of [[null, undefined], ["wrong", undefined], ["prod-token", "staging"]] as const) {
        const response = await app.postAudit(batch(), { token, cluster });
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
        // Refused before its body was read; a small body is read and dropped, and the connection kept (refusalHeaders).
        expect(response.headers.get("connection")).not.toBe("close");
        expect((await response.json()).error.code).toBe("unauthorized");
      }
    });

    it("accepts the shared token and a cluster's own token", async () => {
      expect((await app.postAudit(batch(), { token: TEST_TOKEN })).status).toBe(200);
      expect((await app.postAudit(batch(), { token: "prod-token", cluster: "prod" })).status).toBe(200);
    });
  });

  describe("bad input", () => {
    it.each([
      ["malformed JSON", '{"kind": "EventList", "items": [', 400, "invalid_json", /not valid JSON/],
      ["another kind", JSON.stringify({ kind: "Pod", apiVersion: "v1" }), 400, "invalid_event_list", /kind: expected "EventList"/],
      ["another apiVersion", JSON.stringify({ kind: "EventList", apiVersion: "v1", items: [] }), 400, "invalid_event_list", /apiVersion/],
      ["items not a list", JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: {} }), 400, "invalid_event_list", /items/],
    ])("answers %s with a clear 4xx", async (_label, body, status, code, message) => {
      const response = await app.postAudit(body);
      expect(response.status).toBe(status);
      const answer = await response.json();
      expect(answer.error.code).toBe(code);
      expect(answer.error.message).toMatch(message);
    });

    it("refuses a body over the limit with 413, whether or not it declares its length", async () => {
      const huge = JSON.stringify(eventList(Array.from({ length: 3000 }, () => falcoEvents("create_configmap_sensitive_values.json")[0])));
      expect(huge.length).toBeGreaterThan(4 * 1024 * 1024);
      const declared = await app.postAudit(huge);
      expect(declared.status).toBe(413);
      // Named as the limit on events is, for whoever reads the apiserver's log of the dropped batch.
      expect((await declared.json()).error.message).toMatch(/larger than the limit of 4194304 bytes \(KUBETRAIL_MAX_BODY_BYTES\)/);

      const streamed = await postStreamed(`${app.url}/api/audit`, huge, 1_000_000);
      expect(streamed.status).toBe(413);
      expect((await streamed.json()).error.message).toMatch(/larger than the limit of 4194304 bytes \(KUBETRAIL_MAX_BODY_BYTES\)/);
    });

    it("refuses a body that is not JSON by its content type", async () => {
      const response = await app.postAudit("kind: EventList", { headers: { "content-type": "application/yaml" } });
      expect(response.status).toBe(415);
      // Another type that only begins like JSON's.
      expect((await app.postAudit(eventList([]), { headers: { "content-type": "application/json-seq" } })).status).toBe(415);
      expect((await app.postAudit(eventList([]), { headers: { "content-type": "application/json; charset=utf-8" } })).status).toBe(200);
    });

    it("refuses a compressed body with 415 that names the encoding, rather than call it bad UTF-8", async () => {
      const compressed = gzipSync(JSON.stringify(eventList(falcoEvents("create_service.json"))));
      const response = await app.postAudit(compressed, { cluster: "gzip", headers: { "content-encoding": "gzip" } });
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ error: { code: "unsupported_content_encoding", message: expect.stringContaining('"gzip"') } });
      expect(await historyCount("gzip")).toBe(0);
    });

    it("refuses a batch of more events than KUBETRAIL_MAX_BATCH_EVENTS with 413, storing none of it", async () => {
      const [event] = falcoEvents("create_service.json");
      const items = Array.from({ length: 1001 }, (_, i) => ({ ...event, auditID: `many-${i}` }));
      const response = await app.postAudit(eventList(items), { cluster: "many" });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: { code: "too_many_events", message: expect.stringMatching(/1001 events, more than the limit of 1000 .*KUBETRAIL_MAX_BATCH_EVENTS/) } });
      expect(await historyCount("many")).toBe(0);
      // At the limit, it is stored.
      expect((await app.postAudit(eventList(items.slice(0, 1000)), { cluster: "many" })).status).toBe(200);
    });

    it("keeps the good events of a batch with bad ones and says which were rejected and why", async () => {
      const [good] = falcoEvents("create_service.json");
      const items = [
        good,
        { ...good, auditID: undefined },
        { ...good, auditID: "b4d5ab1e-0000-4000-8000-000000000001", stage: "Sideways" },
        { ...good, auditID: "b4d5ab1e-0000-4000-8000-000000000002", requestReceivedTimestamp: "yesterday" },
        "not an object",
      ];
      const response = await app.postAudit(eventList(items), { cluster: "partial" });
      expect(response.status).toBe(200);
      const answer = await response.json();
      expect(answer).toMatchObject({ received: 5, accepted: 1, rejected: 4, history: 1 });
      expect(answer.rejections.map((r: { index: number }) => r.index)).toEqual([1, 2, 3, 4]);
      expect(answer.rejections[0].reason).toMatch(/auditID/);
      expect(answer.rejections[1].reason).toMatch(/stage/);
      expect(answer.rejections[1].auditId).toBe("b4d5ab1e-0000-4000-8000-000000000001");
      expect(answer.rejections[2].reason).toMatch(/requestReceivedTimestamp/);
      expect(await historyCount("partial")).toBe(1);
    });

    it("rejects an event whose text fields hold a NUL, which Postgres cannot store, and keeps the rest of the batch", async () => {
      const [good] = falcoEvents("create_service.json");
      const withNul = { ...good, auditID: "b4d5ab1e-0000-4000-8000-0000000000f0", userAgent: "kubectl\u0000/v1.21" };
      const response = await app.postAudit(eventList([good, withNul]), { cluster: "nul" });
      expect(response.status).toBe(200);
      const answer = await response.json();
      expect(answer).toMatchObject({ received: 2, accepted: 1, rejected: 1, history: 1 });
      expect(answer.rejections).toEqual([{ index: 1, auditId: "b4d5ab1e-0000-4000-8000-0000000000f0", reason: "userAgent: contains a NUL character (U+0000), which cannot be stored" }]);
      expect(await historyCount("nul")).toBe(1);
    });

    it("rejects an event timed where Postgres has no date (year 0), and keeps the rest of the batch", async () => {
      const [good] = falcoEvents("create_service.json");
      const yearZero = { ...good, auditID: "b4d5ab1e-0000-4000-8000-0000000000f1", requestReceivedTimestamp: "0000-01-01T00:00:00Z" };
      const response = await app.postAudit(eventList([yearZero, good]), { cluster: "year-zero" });
      expect(response.status).toBe(200);
      const answer = await response.json();
      expect(answer).toMatchObject({ received: 2, accepted: 1, rejected: 1, history: 1 });
      expect(answer.rejections).toEqual([
        { index: 0, auditId: "b4d5ab1e-0000-4000-8000-0000000000f1", reason: "requestReceivedTimestamp: not an RFC 3339 time of a real date in the years 0001–9999 (UTC)" },
      ]);
      expect(await historyCount("year-zero")).toBe(1);
    });

    it("rejects the events whose values its columns or indexes cannot hold, and keeps the rest of the batch", async () => {
      // Each of these, stored, failed the whole batch (which the apiserver would resend forever).
      const configMap = falcoEvents("create_configmap.json")[0]!;
      const pod = falcoEvents("create_nginx_pod_unprivileged.json")[0]!;
      const id = (n: number) => `b4d5ab1e-0000-4000-8000-00000000010${n}`;
      const longUid = structuredClone(configMap);
      longUid.auditID = id(1);
      longUid.objectRef.uid = longUid.responseObject.metadata.uid = incompressibleText(300);
      const hugeCode = { ...configMap, auditID: id(2), responseStatus: { ...configMap.responseStatus, code: 2 ** 31 } };
      const longReader = { ...configMap, auditID: id(3), verb: "get", user: { ...configMap.user, username: incompressibleText(1100) } };
      const nulVersion = structuredClone(configMap);
      nulVersion.auditID = id(4);
      nulVersion.responseObject.metadata.resourceVersion = "259\u0000832";
      // Stored, but without the relation to an owner no object could be named as.
      const nulOwner = structuredClone(pod);
      nulOwner.responseObject.metadata.ownerReferences[0].name = "nginx\u0000deployment";
      const response = await app.postAudit(eventList([longUid, hugeCode, longReader, nulVersion, nulOwner]), { cluster: "unstorable" });
      expect(response.status).toBe(200);
      const answer = await response.json();
      expect(answer).toMatchObject({ received: 5, accepted: 1, rejected: 4, history: 1 });
      expect(answer.rejections).toEqual([
        { index: 0, auditId: id(1), reason: "objectRef.uid: longer than 256 bytes (UTF-8), more than the store indexes" },
        { index: 1, auditId: id(2), reason: "responseStatus.code: not a 32-bit integer" },
        { index: 2, auditId: id(3), reason: "user.username: longer than 1024 bytes (UTF-8), more than the store indexes" },
        { index: 3, auditId: id(4), reason: "metadata.resourceVersion: contains a NUL character (U+0000), which cannot be stored" },
      ]);
      expect(await historyCount("unstorable")).toBe(1);
      const { rows } = await app.context.db.query<{ relations: number }>(
        `SELECT count(*)::int AS relations FROM relations r JOIN clusters c ON c.id = r.cluster_id WHERE c.name = 'unstorable'`,
      );
      expect(rows).toEqual([{ relations: 0 }]);
    });

    it("answers 400 when every event of a batch is bad, listing why", async () => {
      const response = await app.postAudit(eventList([{ kind: "Event" }, 42]));
      expect(response.status).toBe(400);
      const answer = await response.json();
      expect(answer.error.code).toBe("invalid_events");
      expect(answer.error.rejected).toBe(2);
    });

    it("refuses an invalid cluster name", async () => {
      const response = await app.postAudit(eventList([]), { cluster: "Not_A_Cluster" });
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe("invalid_cluster");
      // Only to a caller with a valid token: anyone else is told no more than 401.
      expect((await app.postAudit(eventList([]), { cluster: "Not_A_Cluster", token: "wrong" })).status).toBe(401);
      expect((await app.postAudit(eventList([]), { cluster: "Not_A_Cluster", token: null })).status).toBe(401);
    });
  });

  describe("a wrong method or path", () => {
    const headers = { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" };

    it("answers any method but POST with a 405 that names POST, in its Allow header and its JSON body", async () => {
      for (const path of ["/api/audit", "/api/audit/prod"]) {
        for (const method of ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
          // A body sent with the wrong method is not read: a small one is dropped and the connection kept.
          const response = await fetch(`${app.url}${path}`, { method, headers, body: method === "GET" ? undefined : JSON.stringify(eventList(falcoEvents("create_configmap.json"))) });
          expect(response.status, `${method} ${path}`).toBe(405);
          expect(response.headers.get("allow")).toBe("POST");
          expect(response.headers.get("content-type")).toBe("application/json");
          expect(response.headers.get("connection")).not.toBe("close");
          expect((await response.json()).error).toEqual({
            code: "method_not_allowed",
            message: `method ${method} is not allowed here: the audit webhook takes POST /api/audit or POST /api/audit/{cluster}`,
          });
        }
        const head = await fetch(`${app.url}${path}`, { method: "HEAD" });
        expect(head.status).toBe(405);
        expect(head.headers.get("allow")).toBe("POST");
        expect(await head.text()).toBe("");
      }
    });

    it("answers a path below a cluster's with a JSON 404 that names the webhook's paths, whatever the method", async () => {
      for (const [method, path] of [["POST", "/api/audit/elsewhere/extra"], ["GET", "/api/audit/elsewhere/a/b"]] as const) {
        const response = await fetch(`${app.url}${path}`, { method, headers, body: method === "POST" ? JSON.stringify(eventList(falcoEvents("create_configmap.json"))) : undefined });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.headers.get("content-type")).toBe("application/json");
        expect((await response.json()).error).toEqual({
          code: "not_found",
          message: `no such endpoint: "${path}"; the audit webhook is POST /api/audit or POST /api/audit/{cluster}`,
        });
      }
      expect(await historyCount("elsewhere")).toBe(0);
    });
  });

  describe("retries", () => {
    it("stores a retried batch once", async () => {
      const batch = eventList(allFalcoEvents());
      const first = await (await app.postAudit(batch, { cluster: "retry" })).json();
      // Two falco trace files hold the same event: within one batch it counts as a duplicate.
      expect(first.accepted + first.duplicates).toBe(batch.items.length);
      expect(first.accepted).toBe(new Set(batch.items.map((e: { auditID: string }) => e.auditID)).size);
      const stored = await historyCount("retry");
      expect(stored).toBe(first.history);
      expect(stored).toBeGreaterThan(30);

      const again = await (await app.postAudit(batch, { cluster: "retry" })).json();
      expect(again).toMatchObject({ accepted: 0, duplicates: batch.items.length, history: 0 });
      expect(await historyCount("retry")).toBe(stored);
    });

    it("stores a batch once when its retries arrive while it is still being stored", async () => {
      // The apiserver resends a batch it timed out on, which may still be in flight here.
      const batch = eventList(allFalcoEvents());
      const distinct = new Set(batch.items.map((e: { auditID: string }) => e.auditID)).size;
      const answers = await Promise.all([1, 2, 3, 4].map(async () => (await app.postAudit(batch, { cluster: "racing-retries" })).json()));
      expect(answers.map((a) => a.accepted + a.duplicates)).toEqual([1, 2, 3, 4].map(() => batch.items.length));
      expect(answers.reduce((sum, a) => sum + a.accepted, 0)).toBe(distinct);
      const stored = answers.reduce((sum, a) => sum + a.history, 0);
      expect(stored).toBeGreaterThan(30);
      expect(await historyCount("racing-retries")).toBe(stored);
    });

    it("stores only the new events of a batch that overlaps one stored before", async () => {
      const seen = new Set<string>();
      const keyOf = (e: Record<string, unknown>) => `${String(e.auditID)}/${String(e.stage)}`;
      const unique = allFalcoEvents().filter((e) => !seen.has(keyOf(e)) && !!seen.add(keyOf(e)));
      const half = Math.floor(unique.length / 2);
      const first = await (await app.postAudit(eventList(unique.slice(0, half + 5)), { cluster: "overlap" })).json();
      expect(first).toMatchObject({ accepted: half + 5, duplicates: 0 });
      const storedFirst = await historyCount("overlap");

      const second = await (await app.postAudit(eventList(unique.slice(half)), { cluster: "overlap" })).json();
      expect(second).toMatchObject({ received: unique.length - half, accepted: unique.length - half - 5, duplicates: 5 });
      expect(await historyCount("overlap")).toBe(storedFirst + second.history);
      // Together, the history of all of them sent at once: nothing lost, nothing twice.
      const all = await (await app.postAudit(eventList(unique), { cluster: "overlap-all" })).json();
      expect(second.history).toBeGreaterThan(0);
      expect(await historyCount("overlap")).toBe(all.history);
      const again = await (await app.postAudit(eventList(unique), { cluster: "overlap" })).json();
      expect(again).toMatchObject({ accepted: 0, duplicates: unique.length, history: 0 });
    });

    it("stores an event repeated inside one batch once", async () => {
      const [event] = falcoEvents("create_serviceaccount.json");
      const answer = await (await app.postAudit(eventList([event, event]), { cluster: "repeat" })).json();
      expect(answer).toMatchObject({ received: 2, accepted: 1, duplicates: 1 });
      expect(await historyCount("repeat")).toBe(1);
    });

    it("counts reads once however often they are sent", async () => {
      const [write] = falcoEvents("create_configmap.json");
      const reads = Array.from({ length: 3 }, (_, i) => ({
        ...write,
        auditID: `0ead0000-0000-4000-8000-00000000000${i}`,
        verb: "get",
        requestObject: undefined,
        responseObject: undefined,
        responseStatus: { code: 200 },
      }));
      await app.postAudit(eventList(reads), { cluster: "reads" });
      await app.postAudit(eventList(reads), { cluster: "reads" });
      const counts = await app.context.db.query<{ verb: string; resource: string; username: string; code: number; count: number }>(
        `SELECT verb, resource, username, code, count FROM request_counts r JOIN clusters c ON c.id = r.cluster_id WHERE c.name = 'reads'`,
      );
      expect(counts.rows).toEqual([{ verb: "get", resource: "configmaps", username: "minikube-user", code: 200, count: 3 }]);
    });
  });

  describe("large batches", () => {
    it("stores a 400-event batch of real-shaped events whole", async () => {
      const template = falcoEvents("create_nginx_pod_privileged.json")[0]!;
      const items = Array.from({ length: 400 }, (_, i) => {
        const event = structuredClone(template);
        event.auditID = `1a4e0000-0000-4000-8000-${String(i).padStart(12, "0")}`;
        event.objectRef.name = `nginx-${i}`;
        if (event.requestObject?.metadata) event.requestObject.metadata.name = `nginx-${i}`;
        if (event.responseObject?.metadata) {
          event.responseObject.metadata.name = `nginx-${i}`;
          event.responseObject.metadata.uid = `1a4e0000-0000-4000-8000-${String(i).padStart(12, "0")}`;
        }
        return event;
      });
      const response = await app.postAudit(eventList(items), { cluster: "large" });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ received: 400, accepted: 400, history: 400, rejected: 0 });
      expect(await historyCount("large")).toBe(400);
      const objects = await app.context.db.query<{ kind: string; n: number }>(
        `SELECT o.kind, count(*)::int AS n FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = 'large' GROUP BY o.kind ORDER BY o.kind`,
      );
      // The Pods' owner, named by their ownerReferences, is known too.
      expect(objects.rows).toEqual([{ kind: "Pod", n: 400 }, { kind: "ReplicaSet", n: 1 }]);
    });
  });
});
