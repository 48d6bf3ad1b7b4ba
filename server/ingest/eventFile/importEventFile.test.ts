import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ObservedHistoryEntry } from "../../plugins/types";
import type { ObservedHistorySummary } from "../../store/observedHistoryWriter";
import type { JsonObject } from "../audit/types";
import { realApiserverDeployment } from "../../testing/fixtures";
import { asEventsV1 } from "../../testing/mustGatherEvents";
import { MUST_GATHER_EVENT_NAMESPACES, apiEventList, mustGatherEventItems, mustGatherEventsYaml, ndjson } from "../../testing/eventFileForms";
import { observeKubernetesEvent } from "../events/observeEvent";
import type { ObservedHistoryIngestor } from "../sources/observedHistoryIngestor";
import { importEventFile } from "./importEventFile";

/**
 * An ingestor that keeps entries by key in memory, as the store does (observation_receipts):
 * what this import does with the store's answers is tested here; the store itself, through the
 * real CLI on both databases (importEventsCli.integration-test.ts).
 */
function memoryIngestor(options: { reject?: (entry: ObservedHistoryEntry) => string | null } = {}) {
  const keys = new Set<string>();
  const objects = new Set<string>();
  const calls: Array<{ cluster: string; entries: ObservedHistoryEntry[] }> = [];
  const ingestor: ObservedHistoryIngestor = {
    async ingest(cluster, entries) {
      calls.push({ cluster, entries: [...entries] });
      const summary: ObservedHistorySummary = { received: entries.length, stored: 0, duplicates: 0, rejected: [], placeholders: 0 };
      entries.forEach((entry, index) => {
        const problem = options.reject?.(entry) ?? null;
        if (problem !== null) summary.rejected.push({ index, key: entry.key, reason: problem });
        else if (keys.has(entry.key)) summary.duplicates++;
        else {
          keys.add(entry.key);
          summary.stored++;
          const object = `${entry.object.resource}/${entry.object.namespace}/${entry.object.name}`;
          if (!objects.has(object)) summary.placeholders++;
          objects.add(object);
        }
      });
      return summary;
    },
    liveWatchedObjects: async () => [],
  };
  return { ingestor, calls, keys };
}

function run(text: string, ingestor: ObservedHistoryIngestor, options: { batchSize?: number; signal?: AbortSignal; onBatch?: () => void } = {}) {
  return importEventFile({
    input: Readable.from([Buffer.from(text)]),
    cluster: "must-gather",
    batchSize: options.batchSize ?? 500,
    maxBytes: 1024 ** 3,
    ingestor,
    signal: options.signal,
    onBatch: options.onBatch,
  });
}

function entryOf(raw: unknown): ObservedHistoryEntry {
  const observed = observeKubernetesEvent(raw);
  if (!observed.ok) throw new Error(observed.problem);
  return observed.entry;
}

// The real must-gather Events (395, four events.yaml files); the other forms are derived in the tests.
const allYaml = MUST_GATHER_EVENT_NAMESPACES.map(mustGatherEventsYaml).join("");
const allEvents = MUST_GATHER_EVENT_NAMESPACES.flatMap(mustGatherEventItems);

describe("importEventFile", () => {
  it("stores each of the 395 real Events as its object's history entry, in batches; a second import stores nothing", async () => {
    const store = memoryIngestor();
    const first = await run(allYaml, store.ingestor, { batchSize: 100 });
    expect(first.interrupted).toBe(false);
    expect(first.summary).toMatchObject({ read: 395, stored: 395, duplicates: 0, rejected: 0, skipped: 0 });
    expect(store.calls.map((call) => call.entries.length)).toEqual([100, 100, 100, 95]);
    expect(store.calls.every((call) => call.cluster === "must-gather")).toBe(true);
    expect(store.calls.flatMap((call) => call.entries)).toEqual(allEvents.map(entryOf));
    // Objects first seen: the placeholders the store reports, summed.
    expect(first.summary.placeholders).toBe(new Set(allEvents.map((e) => JSON.stringify([(e.involvedObject as JsonObject).kind, (e.involvedObject as JsonObject).name]))).size);

    const second = await run(allYaml, store.ingestor);
    expect(second.summary).toMatchObject({ read: 395, stored: 0, duplicates: 395, rejected: 0, placeholders: 0 });
    expect(store.calls.at(-1)!.entries).toHaveLength(395);
  });

  it("converts items of the API's events.k8s.io/v1 EventList, which leave their apiVersion to the list, as the core Events they are", async () => {
    const events = mustGatherEventItems("openshift-console");
    const store = memoryIngestor();
    const { summary } = await run(apiEventList(events.map(asEventsV1), "events.k8s.io/v1"), store.ingestor);
    expect(summary).toMatchObject({ read: events.length, stored: events.length, rejected: 0 });
    expect(store.calls[0]!.entries).toEqual(events.map(entryOf));
  });

  it("counts every value read once: stored, duplicate, rejected (grouped by reason, with lines and an example) or skipped", async () => {
    const [a, b, c] = mustGatherEventItems("openshift-apiserver");
    // Derived from real objects: an Event whose involvedObject lost its name, the real Deployment given by mistake,
    // a watch bookmark and a watch's ERROR, a line that is no JSON, and Event `a` twice.
    const nameless = structuredClone(b!) as JsonObject;
    delete (nameless.involvedObject as JsonObject).name;
    const values: unknown[] = [
      a,
      nameless,
      realApiserverDeployment(),
      { type: "BOOKMARK", object: { kind: "Event", apiVersion: "v1", metadata: { resourceVersion: "36352" } } },
      { type: "ERROR", object: { kind: "Status", apiVersion: "v1", message: "too old resource version", code: 410 } },
      { type: "MODIFIED", object: c },
      a,
    ];
    const text = `${ndjson(values.slice(0, 4))}this is not JSON\n${ndjson(values.slice(4))}`;
    const store = memoryIngestor();
    const { summary } = await run(text, store.ingestor, { batchSize: 2 });
    expect(summary).toMatchObject({ read: 8, stored: 2, duplicates: 1, rejected: 4, skipped: 1 });
    expect(summary.read).toBe(summary.stored + summary.duplicates + summary.rejected + summary.skipped);
    // Values are rejected as they are read, Events once their batch is converted: in line order here.
    expect([...summary.rejections.values()].sort((x, y) => x.positions[0]! - y.positions[0]!)).toEqual([
      {
        reason: "involvedObject.name: required",
        count: 1,
        positions: [2],
        morePositions: false,
        example: `Event (v1) openshift-apiserver/${(b!.metadata as JsonObject).name as string}`,
      },
      { reason: 'apiVersion: expected v1, events.k8s.io/v1, events.k8s.io/v1beta1, got "apps/v1"', count: 1, positions: [3], morePositions: false, example: "Deployment (apps/v1) openshift-apiserver/apiserver" },
      { reason: "unexpected text outside of a JSON document", count: 1, positions: [5], morePositions: false, example: 'line 5 (byte 0): unexpected text outside of a JSON document: "this is not JSON"' },
      { reason: "watch ERROR: the watch failed, no Event", count: 1, positions: [6], morePositions: false, example: "too old resource version" },
    ].map((group) => (group.reason.startsWith("unexpected text") ? { ...group, example: expect.stringMatching(/^line 5 \(byte \d+\): unexpected text outside of a JSON document: "this is not JSON"$/) } : group)));
    expect(new Map(summary.found)).toEqual(new Map([
      ["Event (v1)", 1],
      ["Deployment (apps/v1)", 1],
      ["unexpected text outside of a JSON document", 1],
      ["watch ERROR: the watch failed, no Event", 1],
    ]));
  });

  it("counts what the store rejects, at the line of its Event", async () => {
    const events = mustGatherEventItems("openshift-console").slice(0, 5);
    const refused = entryOf(events[3]).key;
    const store = memoryIngestor({ reject: (entry) => (entry.key === refused ? "object.name: longer than the store holds" : null) });
    const { summary } = await run(ndjson(events), store.ingestor);
    expect(summary).toMatchObject({ read: 5, stored: 4, rejected: 1 });
    expect(summary.rejections.get("object.name: longer than the store holds")).toMatchObject({ positions: [4], example: `the entry keyed ${refused}` });
  });

  it("when stopped, stores the batch in hand and no more", async () => {
    const store = memoryIngestor();
    const stop = new AbortController();
    const { summary, interrupted } = await run(allYaml, store.ingestor, { batchSize: 50, signal: stop.signal, onBatch: () => stop.abort() });
    expect(interrupted).toBe(true);
    expect(summary).toMatchObject({ read: 50, stored: 50 });
    expect(store.calls).toHaveLength(1);
  });

  it("reads nothing, and stores nothing, from an empty file", async () => {
    const store = memoryIngestor();
    const { summary } = await run("", store.ingestor);
    expect(summary).toMatchObject({ read: 0, stored: 0, rejected: 0 });
    expect(store.calls).toEqual([]);
  });
});
