import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { postStreamed, startTestApp, TEST_TOKEN, type TestApp } from "../../testing/appHarness";
import { recordedEvents } from "../../testing/apiServer/testEvents";
import { asEventsV1, mustGatherEvents } from "../../testing/mustGatherEvents";
import { CASCADE, CASCADE_PODS, cascadeEventList, openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { objectIdOf } from "../../query/trace/rolloutTree.fixture";
import type { JsonObject } from "../audit/types";

/**
 * `POST /api/events[/{cluster}]` over real HTTP, through the route handlers under app/api/events,
 * on both stores, with the real Events of the OpenShift must-gather (shared/fixtures/real/
 * openshift-must-gather-azure: 163 in openshift-apiserver, 395 in all four namespaces).
 */

const NAMESPACE = CASCADE.namespace;
// Room for the cascade's audit (about 1 MB), posted to the same app.
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_EVENTS = 200;
const eventList = (items: unknown[], apiVersion = "v1") => ({ kind: "EventList", apiVersion, metadata: { resourceVersion: "20000" }, items });

/** The first recorded Event of openshift-apiserver whose reason is `reason`: a fresh copy. */
function recorded(reason: string): JsonObject {
  const found = recordedEvents(NAMESPACE).find((event) => event.reason === reason);
  if (!found) throw new Error(`no ${reason} Event in ${NAMESPACE}`);
  return found;
}

/**
 * A real Event as kubernetes-event-exporter's webhook sink posts it (its kube.EnhancedEvent,
 * marshalled by Go): the core/v1 fields without kind and apiVersion (a typed client's objects
 * have none), null for unset times, "" for unset strings, and the exporter's own clusterName and
 * the involved object's labels beside them.
 */
function asExporterPosts(event: JsonObject): JsonObject {
  const { kind: _kind, apiVersion: _apiVersion, ...fields } = structuredClone(event);
  return {
    ...fields,
    reportingComponent: fields.reportingComponent ?? "",
    reportingInstance: fields.reportingInstance ?? "",
    clusterName: "azure",
    involvedObject: { ...(fields.involvedObject as JsonObject), labels: { apiserver: "true", app: "openshift-apiserver-a" } },
  };
}

describe.each(STORE_KINDS)("POST /api/events on %s", (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, { KUBETRAIL_INGEST_TOKENS: "prod=prod-token", KUBETRAIL_MAX_BODY_BYTES: String(MAX_BODY_BYTES), KUBETRAIL_MAX_BATCH_EVENTS: String(MAX_EVENTS) });
  });
  afterAll(() => app?.close());

  const eventCount = async (cluster: string) =>
    Number(
      (
        await app.context.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1 AND h.source = 'event'`,
          [cluster],
        )
      ).rows[0]!.n,
    );

  describe("authentication", () => {
    const one = () => recorded("Scheduled");

    it("refuses a request without a token, with a wrong token, or with another cluster's token, and stores nothing", async () => {
      for (const [token, cluster] of [[null, "auth"], ["wrong", "auth"], ["prod-token", "auth"]] as const) {
        const response = await app.postEvents(one(), { token, cluster });
        expect(response.status, String(token)).toBe(401);
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect((await response.json()).error.code).toBe("unauthorized");
      }
      expect(await eventCount("auth")).toBe(0);
    });

    it("accepts the shared token and a cluster's own token", async () => {
      expect((await app.postEvents(one(), { token: TEST_TOKEN, cluster: "auth" })).status).toBe(200);
      expect((await app.postEvents(one(), { token: "prod-token", cluster: "prod" })).status).toBe(200);
      expect(await eventCount("prod")).toBe(1);
    });
  });

  describe("bad input", () => {
    it.each([
      ["malformed JSON", '{"kind": "EventList", "items": [', "invalid_json", /not valid JSON/],
      ["an empty body", "", "invalid_json", /not valid JSON/],
      ["another kind", JSON.stringify({ kind: "Pod", apiVersion: "v1", metadata: { name: "p" } }), "invalid_document", /kind: expected Event, EventList or List, got "Pod"/],
      ["a number", "42", "invalid_document", /expected a Kubernetes Event, an EventList or List of Events, or a JSON array of Events, got 42/],
      ["items not a list", JSON.stringify({ kind: "EventList", apiVersion: "v1", items: {} }), "invalid_document", /items: expected an array of Events, got an object/],
      ["an EventList of another API", JSON.stringify({ kind: "EventList", apiVersion: "apps/v1", items: [] }), "invalid_document", /apiVersion: expected v1, events.k8s.io\/v1, events.k8s.io\/v1beta1 for an EventList, got "apps\/v1"/],
      ["an audit batch", JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: [] }), "invalid_document", /audit EventList .*post audit events to \/api\/audit\/\{cluster\}/],
    ])("answers %s with a 400 that names the problem", async (_label, body, code, message) => {
      const response = await app.postEvents(body, { cluster: "bad" });
      expect(response.status).toBe(400);
      const answer = await response.json();
      expect(answer.error.code).toBe(code);
      expect(answer.error.message).toMatch(message);
      expect(await eventCount("bad")).toBe(0);
    });

    it("refuses a body that is not UTF-8, or not JSON by its content type", async () => {
      const latin1 = new Uint8Array([...new TextEncoder().encode('{"reason": "'), 0xe9, ...new TextEncoder().encode('"}')]);
      const notUtf8 = await app.postEvents(latin1, { cluster: "bad" });
      expect(notUtf8.status).toBe(400);
      expect((await notUtf8.json()).error).toEqual({ code: "invalid_encoding", message: "request body is not valid UTF-8" });
      const yaml = await app.postEvents("kind: EventList", { cluster: "bad", headers: { "content-type": "application/yaml" } });
      expect(yaml.status).toBe(415);
      expect((await yaml.json()).error.message).toBe('Content-Type must be application/json, got "application/yaml"');
    });

    it("refuses an invalid cluster name, but only to a caller with a valid token", async () => {
      const response = await app.postEvents([], { cluster: "Not_A_Cluster" });
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe("invalid_cluster");
      expect((await app.postEvents([], { cluster: "Not_A_Cluster", token: "wrong" })).status).toBe(401);
    });

    it("refuses a body over KUBETRAIL_MAX_BODY_BYTES with 413, whether or not it declares its length", async () => {
      const everything = [...mustGatherEvents()];
      const huge = JSON.stringify(Array.from({ length: 7 }, () => everything).flat());
      expect(huge.length).toBeGreaterThan(MAX_BODY_BYTES);
      const declared = await app.postEvents(huge, { cluster: "large" });
      expect(declared.status).toBe(413);
      expect((await declared.json()).error).toEqual({
        code: "body_too_large",
        message: `request body of ${Buffer.byteLength(huge)} bytes is larger than the limit of ${MAX_BODY_BYTES} bytes (KUBETRAIL_MAX_BODY_BYTES)`,
      });

      const streamed = await postStreamed(`${app.url}/api/events/large`, huge, 100_000);
      expect(streamed.status).toBe(413);
      expect((await streamed.json()).error.message).toBe(`request body is larger than the limit of ${MAX_BODY_BYTES} bytes (KUBETRAIL_MAX_BODY_BYTES)`);
      expect(await eventCount("large")).toBe(0);
    });

    it("refuses more Events than KUBETRAIL_MAX_BATCH_EVENTS with 413, storing none of them; at the limit, stores them", async () => {
      const everything = [...mustGatherEvents()];
      expect(everything.length).toBeGreaterThan(MAX_EVENTS);
      const response = await app.postEvents(eventList(everything), { cluster: "many" });
      expect(response.status).toBe(413);
      expect((await response.json()).error).toEqual({
        code: "too_many_events",
        message: `the body has ${everything.length} Events, more than the limit of ${MAX_EVENTS} per request (KUBETRAIL_MAX_BATCH_EVENTS)`,
      });
      expect(await eventCount("many")).toBe(0);
      const atLimit = await app.postEvents(everything.slice(0, MAX_EVENTS), { cluster: "many" });
      expect(atLimit.status).toBe(200);
      expect(await eventCount("many")).toBe(MAX_EVENTS);
    });

    it("stores the good Events of a body with bad ones, and names each bad one by index with why", async () => {
      const good = recorded("Scheduled");
      const noObject = { ...recorded("Pulled"), involvedObject: undefined };
      const badTime = { ...recorded("Started"), lastTimestamp: "yesterday" };
      const nulTitle = { ...recorded("Killing"), message: "Stopping container\u0000 openshift-apiserver" };
      const items = [noObject, good, badTime, "not an event", nulTitle];
      const response = await app.postEvents(eventList(items), { cluster: "partial" });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        cluster: "partial",
        received: 5,
        stored: 1,
        duplicates: 0,
        placeholders: 1,
        rejected: [
          { index: 0, reason: "involvedObject: required" },
          { index: 2, reason: 'lastTimestamp: not a time (RFC 3339, years 0001–9999): "yesterday"' },
          { index: 3, reason: 'event: expected an object, got "not an event"' },
          { index: 4, reason: "title: contains a NUL character (U+0000), which cannot be stored" },
        ],
      });
      expect(await eventCount("partial")).toBe(1);
    });

    it("answers 400 when every Event is bad, with what it would have answered", async () => {
      const single = await app.postEvents({ ...recorded("Scheduled"), involvedObject: { kind: "Pod" } }, { cluster: "all-bad" });
      expect(single.status).toBe(400);
      expect((await single.json()).error).toMatchObject({
        code: "invalid_events",
        message: "the Event was rejected: involvedObject.name: required",
        received: 1,
        stored: 0,
        rejected: [{ index: 0, reason: "involvedObject.name: required" }],
      });
      const two = await app.postEvents([{}, null], { cluster: "all-bad" });
      expect(two.status).toBe(400);
      expect((await two.json()).error).toMatchObject({ code: "invalid_events", message: "all 2 Events were rejected" });
      expect(await eventCount("all-bad")).toBe(0);
    });
  });

  it("keeps serving a connection whose request it refused without reading the body", async () => {
    // One socket for both requests: the refused body (read and dropped) must not stall the next.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (cluster: string, token: string, body: string) =>
      new Promise<{ status: number; body: string; socket: unknown }>((resolve, reject) => {
        const request = http.request(`${app.url}/api/events/${cluster}`, { method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "content-length": Buffer.byteLength(body) } }, (response) => {
          let text = "";
          response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode!, body: text, socket: request.socket }));
        });
        request.on("error", reject);
        request.end(body);
      });
    try {
      const events = JSON.stringify(recordedEvents(NAMESPACE));
      expect(events.length).toBeGreaterThan(100_000);
      const refused = await post("kept", "wrong", events);
      expect(refused.status).toBe(401);
      const stored = await post("kept", TEST_TOKEN, events);
      expect(stored.status).toBe(200);
      expect(stored.socket).toBe(refused.socket);
      expect(await eventCount("kept")).toBe(recordedEvents(NAMESPACE).length);
    } finally {
      agent.destroy();
    }
  });

  describe("a wrong method or path", () => {
    const headers = { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" };

    it("answers any method but POST with a 405 that names POST", async () => {
      for (const path of ["/api/events", "/api/events/prod"]) {
        for (const method of ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
          const response = await fetch(`${app.url}${path}`, { method, headers, body: method === "GET" ? undefined : JSON.stringify(recorded("Scheduled")) });
          expect(response.status, `${method} ${path}`).toBe(405);
          expect(response.headers.get("allow")).toBe("POST");
          expect((await response.json()).error).toEqual({
            code: "method_not_allowed",
            message: `method ${method} is not allowed here: Kubernetes Events are posted with POST /api/events or POST /api/events/{cluster}`,
          });
        }
      }
    });

    it("answers a path below a cluster's with a JSON 404 that names the endpoint's paths", async () => {
      const response = await fetch(`${app.url}/api/events/prod/extra`, { method: "POST", headers, body: "[]" });
      expect(response.status).toBe(404);
      expect((await response.json()).error).toEqual({
        code: "not_found",
        message: 'no such endpoint: "/api/events/prod/extra"; Kubernetes Events are posted with POST /api/events or POST /api/events/{cluster}',
      });
    });
  });

  describe("the shapes senders post", () => {
    it("stores an EventList once: posted again (a retry), nothing new", async () => {
      const events = recordedEvents(NAMESPACE);
      const first = await app.postEvents(eventList(events), { cluster: "repost" });
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ cluster: "repost", received: events.length, stored: events.length, duplicates: 0, rejected: [] });
      const again = await app.postEvents(eventList(events), { cluster: "repost" });
      expect(await again.json()).toEqual({ cluster: "repost", received: events.length, stored: 0, duplicates: events.length, rejected: [], placeholders: 0 });
      expect(await eventCount("repost")).toBe(events.length);
    });

    it("takes one Event as kubernetes-event-exporter's webhook posts it, and the same occurrence through events.k8s.io/v1 as a duplicate", async () => {
      const failed = recorded("FailedScheduling");
      const response = await app.postEvents(asExporterPosts(failed), { cluster: "exporter" });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ received: 1, stored: 1, rejected: [] });
      const asEventsApi = await app.postEvents(eventList([asEventsV1(failed)], "events.k8s.io/v1"), { cluster: "exporter" });
      expect(await asEventsApi.json()).toMatchObject({ received: 1, stored: 0, duplicates: 1 });
      const { rows } = await app.context.db.query<{ title: string; reason: string; type: string; labels: unknown }>(
        `SELECT h.title, h.details->>'reason' AS reason, h.details->>'type' AS type, h.details->'labels' AS labels
           FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = 'exporter'`,
      );
      expect(rows).toEqual([{ title: expect.stringMatching(/^default-scheduler FailedScheduling: 0\/6 nodes are available/), reason: "FailedScheduling", type: "Warning", labels: null }]);
    });

    it("takes a JSON array, and a List as kubectl prints one (each item with its own apiVersion)", async () => {
      const [a, b, c] = recordedEvents(NAMESPACE);
      const array = await app.postEvents([a, b], { cluster: "shapes" });
      expect(await array.json()).toMatchObject({ received: 2, stored: 2 });
      const list = await app.postEvents({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items: [b, c] }, { cluster: "shapes" });
      expect(await list.json()).toMatchObject({ received: 2, stored: 1, duplicates: 1 });
      const empty = await app.postEvents(eventList([]), { cluster: "shapes" });
      expect(empty.status).toBe(200);
      expect(await empty.json()).toEqual({ cluster: "shapes", received: 0, stored: 0, duplicates: 0, rejected: [], placeholders: 0 });
    });

    it("stores what is posted to /api/events on the default cluster (KUBETRAIL_DEFAULT_CLUSTER)", async () => {
      const response = await app.postEvents(recorded("ScalingReplicaSet"));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ cluster: app.context.config.defaultCluster, stored: 1 });
      expect(await eventCount(app.context.config.defaultCluster)).toBe(1);
    });
  });

  describe("Events land on the objects the audit made", () => {
    const CLUSTER = "openshift";
    beforeAll(async () => {
      expect((await app.postAudit(cascadeEventList(openshiftCascade()), { cluster: CLUSTER })).status).toBe(200);
    });

    it("puts a Pod's Events on the cascade's Pod, and a Deployment's on its Deployment, not on rows of their own", async () => {
      const events = recordedEvents(NAMESPACE);
      const response = await app.postEvents(eventList(events), { cluster: CLUSTER });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ received: events.length, stored: events.length, rejected: [] });

      const pods = await app.context.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM objects o JOIN clusters c ON c.id = o.cluster_id WHERE c.name = $1 AND o.resource = 'pods' AND o.name = $2`, [CLUSTER, CASCADE_PODS.mrn5h]);
      expect(pods.rows[0]!.n).toBe(1);
      const pod = await objectIdOf(app.context.db, CLUSTER, "pods", CASCADE_PODS.mrn5h);
      const onPod = await app.context.db.query<{ reason: string; type: string }>(
        `SELECT details->>'reason' AS reason, details->>'type' AS type FROM history_entries WHERE object_id = $1 AND source = 'event' ORDER BY start_time, id`,
        [pod],
      );
      const expected = events.filter((event) => (event.involvedObject as JsonObject).name === CASCADE_PODS.mrn5h);
      expect(onPod.rows).toHaveLength(expected.length);
      expect(onPod.rows).toEqual(expect.arrayContaining([{ reason: "FailedScheduling", type: "Warning" }, { reason: "Scheduled", type: "Normal" }]));

      const deployment = await objectIdOf(app.context.db, CLUSTER, "deployments", CASCADE.deployment.name);
      const scaling = await app.context.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM history_entries WHERE object_id = $1 AND source = 'event'`, [deployment]);
      expect(scaling.rows[0]!.n).toBe(events.filter((event) => (event.involvedObject as JsonObject).kind === "Deployment").length);
    });
  });
});
