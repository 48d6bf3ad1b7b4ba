import { describe, expect, it } from "vitest";
import { recordedEvents } from "../../testing/apiServer/testEvents";
import { asEventsV1 } from "../../testing/mustGatherEvents";
import { eventsOfDocument } from "./eventsDocument";

/** The shapes of a posted body, with real Events of the must-gather's openshift-apiserver namespace. */
const [first, second] = recordedEvents("openshift-apiserver");

describe("eventsOfDocument", () => {
  it("takes one Event, with or without kind and apiVersion (an event exporter's post)", () => {
    expect(eventsOfDocument(first)).toEqual({ ok: true, items: [first], apiVersionHint: undefined });
    const { kind: _kind, apiVersion: _apiVersion, ...bare } = first!;
    expect(eventsOfDocument(bare)).toEqual({ ok: true, items: [bare], apiVersionHint: undefined });
  });

  it("takes an EventList's items with its apiVersion as their hint, and a List's or an array's without one", () => {
    const v1 = asEventsV1(first!);
    expect(eventsOfDocument({ kind: "EventList", apiVersion: "events.k8s.io/v1", items: [v1] })).toEqual({ ok: true, items: [v1], apiVersionHint: "events.k8s.io/v1" });
    expect(eventsOfDocument({ kind: "EventList", apiVersion: "v1", items: [first, second] })).toMatchObject({ ok: true, apiVersionHint: "v1" });
    expect(eventsOfDocument({ kind: "List", apiVersion: "v1", items: [first] })).toEqual({ ok: true, items: [first], apiVersionHint: undefined });
    expect(eventsOfDocument({ items: [first] })).toEqual({ ok: true, items: [first], apiVersionHint: undefined });
    expect(eventsOfDocument([first, second])).toEqual({ ok: true, items: [first, second], apiVersionHint: undefined });
    expect(eventsOfDocument([])).toEqual({ ok: true, items: [], apiVersionHint: undefined });
  });

  it("names what is wrong with any other document", () => {
    expect(eventsOfDocument(null)).toEqual({ ok: false, problem: "expected a Kubernetes Event, an EventList or List of Events, or a JSON array of Events, got null" });
    expect(eventsOfDocument("Event")).toMatchObject({ ok: false, problem: expect.stringMatching(/, got "Event"$/) });
    expect(eventsOfDocument({ kind: "ConfigMap", apiVersion: "v1" })).toEqual({ ok: false, problem: 'kind: expected Event, EventList or List, got "ConfigMap"' });
    expect(eventsOfDocument({ kind: "EventList", apiVersion: "v1", items: null })).toEqual({ ok: false, problem: "items: expected an array of Events, got null" });
    expect(eventsOfDocument({ kind: "EventList", apiVersion: "v2", items: [] })).toEqual({
      ok: false,
      problem: 'apiVersion: expected v1, events.k8s.io/v1, events.k8s.io/v1beta1 for an EventList, got "v2"',
    });
  });

  it("tells an audit batch sent here by mistake where it goes", () => {
    expect(eventsOfDocument({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: [] })).toEqual({
      ok: false,
      problem: "this is an audit EventList (apiVersion audit.k8s.io/v1): post audit events to /api/audit/{cluster}",
    });
  });
});
