import { describe, expect, it } from "vitest";
import { mustGatherEvent } from "../../testing/mustGatherEvents";
import { BOOKMARK_REASON, describeFound, eventValuesOf } from "./eventValues";

// A real Event of the must-gather (a kubelet Killing of the openshift-apiserver Pod), and shapes built around it.
const event = mustGatherEvent("apiserver-85b76d5494-c6q5q.16a469bca7443dce");

describe("eventValuesOf", () => {
  it("takes an Event as it is, with the list's apiVersion as its hint, even though it has a type of its own", () => {
    expect(event.type).toBe("Normal");
    expect(eventValuesOf(event, "v1")).toEqual([{ kind: "event", raw: event, apiVersionHint: "v1" }]);
    expect(eventValuesOf(event, undefined)).toEqual([{ kind: "event", raw: event, apiVersionHint: undefined }]);
  });

  it("takes lists and arrays apart, a list's own apiVersion the hint of its items", () => {
    const list = { kind: "EventList", apiVersion: "events.k8s.io/v1", items: [event, event] };
    expect(eventValuesOf([list, event], undefined)).toEqual([
      { kind: "event", raw: event, apiVersionHint: "events.k8s.io/v1" },
      { kind: "event", raw: event, apiVersionHint: "events.k8s.io/v1" },
      { kind: "event", raw: event, apiVersionHint: undefined },
    ]);
    expect(eventValuesOf({ items: [] }, "v1")).toEqual([]);
  });

  it("unwraps watch events: ADDED, MODIFIED and DELETED hold the Event, a BOOKMARK is skipped, an ERROR rejected with the Status's message", () => {
    for (const type of ["ADDED", "MODIFIED", "DELETED"]) {
      expect(eventValuesOf({ type, object: event }, undefined)).toEqual([{ kind: "event", raw: event, apiVersionHint: undefined }]);
    }
    expect(eventValuesOf({ type: "BOOKMARK", object: { kind: "Event", apiVersion: "v1", metadata: { resourceVersion: "36352" } } }, undefined)).toEqual([
      { kind: "skipped", reason: BOOKMARK_REASON },
    ]);
    const gone = { kind: "Status", apiVersion: "v1", status: "Failure", message: "too old resource version: 19423 (36352)", reason: "Expired", code: 410 };
    expect(eventValuesOf({ type: "ERROR", object: gone }, undefined)).toEqual([
      { kind: "rejected", reason: "watch ERROR: the watch failed, no Event", example: "too old resource version: 19423 (36352)" },
    ]);
  });

  it("passes on what is no Event, for the converter to say why", () => {
    expect(eventValuesOf("LAST SEEN   TYPE   REASON", undefined)).toEqual([{ kind: "event", raw: "LAST SEEN   TYPE   REASON", apiVersionHint: undefined }]);
    expect(eventValuesOf(null, "v1")).toEqual([{ kind: "event", raw: null, apiVersionHint: "v1" }]);
  });

  it("does not take apart lists nested deeper than a file has them", () => {
    let value: unknown = event;
    for (let i = 0; i < 10; i++) value = [value];
    expect(eventValuesOf(value, undefined)).toEqual([{ kind: "rejected", reason: "lists nested more than 4 deep", example: null }]);
  });
});

describe("describeFound", () => {
  it("names a value by kind and apiVersion, or what it is", () => {
    expect(describeFound(event)).toBe("Event (v1)");
    expect(describeFound({ kind: "Deployment", apiVersion: "apps/v1" })).toBe("Deployment (apps/v1)");
    expect(describeFound({ kind: "Event", apiVersion: "audit.k8s.io/v1" })).toBe("Event (audit.k8s.io/v1)");
    expect(describeFound({ name: "x" })).toBe("an object without a kind");
    expect(describeFound("LAST SEEN")).toMatch(/^text/);
    expect(describeFound(42)).toBe("a number");
    expect(describeFound(null)).toBe("an empty value");
  });
});
