import { afterEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../config/config";
import { INTERNAL_ERROR_MESSAGE } from "../../app/internalError";
import { AdmissionGate } from "../admission";
import { createIngestAuthorizer } from "../auth";
import { recordedEvents } from "../../testing/apiServer/testEvents";
import { handleEventsPost } from "../http/webEventsEndpoint";
import type { ObservedHistoryIngestor } from "../sources/observedHistoryIngestor";
import { answerEventsPost, storeEvents, type EventsEndpointDeps } from "./eventsEndpoint";

/**
 * What the endpoint answers when the store, not the input, fails, and how rejections keep their
 * place among what was posted: with a stand-in store. Over real HTTP and real stores:
 * eventsEndpoint.integration-test.ts.
 */

const TOKEN = "unit-token-0123456789";
const config = loadConfig({ KUBETRAIL_INGEST_TOKEN: TOKEN, KUBETRAIL_DATA_DIR: "/nonexistent" });
const events = () => recordedEvents("openshift-apiserver").slice(0, 3);

function depsWith(ingestor: ObservedHistoryIngestor): EventsEndpointDeps {
  return {
    config,
    authorizer: createIngestAuthorizer(config.ingestAuth),
    gate: new AdmissionGate({ concurrency: 1, queueLength: 0, maxPendingBytes: config.maxBodyBytes }),
    observedHistoryIngestor: ingestor,
  };
}

function post(body: unknown) {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  return {
    clusterSegment: "unit",
    authorization: `Bearer ${TOKEN}`,
    contentType: "application/json",
    contentEncoding: null,
    contentLength: String(bytes.byteLength),
    readBody: async () => bytes,
  };
}

const failingStore: ObservedHistoryIngestor = {
  ingest: () => Promise.reject(new Error('relation "history_entries" does not exist')),
  liveWatchedObjects: async () => [],
};

afterEach(() => vi.restoreAllMocks());

describe("answerEventsPost", () => {
  it("answers 503 with Retry-After when the store fails, saying nothing of the store's error", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const answer = await answerEventsPost(post(events()), depsWith(failingStore));
    expect(answer).toEqual({
      status: 503,
      headers: { "Retry-After": String(config.retryAfterSeconds) },
      body: { error: { code: "store_unavailable", message: "the Events could not be stored; retry later" } },
    });
  });

  it("gives the admission slot back whatever the answer, so the next post is admitted", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const deps = depsWith(failingStore);
    expect((await answerEventsPost(post(events()), deps)).status).toBe(503);
    expect((await answerEventsPost(post("not json at all"), deps)).status).toBe(400);
    expect((await answerEventsPost(post(events()), deps)).status).toBe(503);
  });
});

describe("storeEvents", () => {
  it("names the store's rejections by their index among the items posted, not among those it was given", async () => {
    const [a, b, c] = events();
    const store: ObservedHistoryIngestor = {
      // Rejects the second entry it is given: items[2], since items[1] never reached it.
      ingest: async (_cluster, entries) => ({ received: entries.length, stored: 1, duplicates: 0, rejected: [{ index: 1, key: entries[1]!.key, reason: "object.name: too long" }], placeholders: 0 }),
      liveWatchedObjects: async () => [],
    };
    const summary = await storeEvents(store, "unit", [a, { ...b, involvedObject: null }, c], undefined);
    expect(summary.rejected).toEqual([
      { index: 1, reason: expect.stringMatching(/^involvedObject: /) },
      { index: 2, reason: "object.name: too long" },
    ]);
  });
});

describe("handleEventsPost", () => {
  it("answers an unexpected failure with the generic 500, its details only in the log", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const deps = depsWith(failingStore);
    deps.authorizer = {
      check: () => {
        throw new Error("secret detail: token file unreadable");
      },
    };
    const request = new Request("http://kubetrail.test/api/events/unit", { method: "POST", headers: { "content-type": "application/json" }, body: "[]" });
    const response = await handleEventsPost(request, "unit", deps);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: "internal", message: INTERNAL_ERROR_MESSAGE } });
    expect(String(logged.mock.calls[0]?.[0])).toContain("secret detail");
  });
});
