import { describe, expect, it } from "vitest";
import type { JsonObject } from "../audit/types";
import { asEventsV1, mustGatherEvent, mustGatherEvents } from "../../testing/mustGatherEvents";
import { parseKubernetesEvent, type KubernetesEvent } from "./kubernetesEvent";

function parsed(raw: unknown, hint?: { apiVersion?: string }): KubernetesEvent {
  const result = parseKubernetesEvent(raw, hint);
  if (!result.ok) throw new Error(`expected to parse: ${result.problem}`);
  return result.event;
}

describe("parseKubernetesEvent", () => {
  it("reads each real Event alike through core/v1 and events.k8s.io/v1, whose fields have other names", () => {
    for (const core of mustGatherEvents()) {
      const eventsV1 = asEventsV1(core);
      expect(eventsV1).not.toHaveProperty("involvedObject");
      expect(eventsV1).toHaveProperty("regarding");
      expect(parsed(eventsV1)).toEqual({ ...parsed(core), apiVersion: "events.k8s.io/v1" });
    }
  });

  it("reads an Event of the older recorder into the neutral shape, an empty reportingComponent as none", () => {
    expect(parsed(mustGatherEvent("console-5bf7fb6dc6-qzlz8.16a469a6bf5a4f4e"))).toEqual({
      apiVersion: "v1",
      metadata: {
        namespace: "openshift-console",
        name: "console-5bf7fb6dc6-qzlz8.16a469a6bf5a4f4e",
        uid: "b8a6ae88-bcaf-4bba-81b0-0ddb7b245bfa",
        resourceVersion: "24126",
        creationTimestamp: "2021-09-13T14:59:18Z",
      },
      regarding: {
        kind: "Pod",
        name: "console-5bf7fb6dc6-qzlz8",
        apiVersion: "v1",
        namespace: "openshift-console",
        uid: "75f888e0-162e-433a-97cf-daeabf830ab9",
        resourceVersion: "19246",
        fieldPath: "spec.containers{console}",
      },
      related: null,
      reason: "ProbeError",
      message: 'Readiness probe error: Get "https://10.130.0.31:8443/health": dial tcp 10.130.0.31:8443: connect: connection refused\nbody: \n',
      type: "Warning",
      action: null,
      reportingController: null,
      reportingInstance: null,
      source: { component: "kubelet", host: "ci-ln-k7vx6h2-002ac-w7gjh-master-1" },
      eventTime: null,
      firstTimestamp: "2021-09-13T14:58:49Z",
      lastTimestamp: "2021-09-13T15:03:54Z",
      count: 34,
      series: null,
    });
  });

  it("reads an Event of the newer recorder, with its series and no source", () => {
    const event = parsed(mustGatherEvent("oauth-openshift-5d8c6749f5-7xkp6.16a469f7afc71796"));
    expect(event).toMatchObject({
      reportingController: "default-scheduler",
      reportingInstance: "default-scheduler-ci-ln-k7vx6h2-002ac-w7gjh-master-1",
      action: "Scheduling",
      source: { component: null, host: null },
      eventTime: "2021-09-13T15:04:37.541849Z",
      firstTimestamp: null,
      lastTimestamp: null,
      count: null,
      series: { count: 5, lastObservedTime: "2021-09-13T15:05:13.564719Z" },
    });
  });

  it("takes events.k8s.io/v1beta1, whose fields are v1's", () => {
    const core = mustGatherEvent("apiserver.16a469590c5ca0f7");
    const v1beta1: JsonObject = { ...asEventsV1(core), apiVersion: "events.k8s.io/v1beta1" };
    expect(parsed(v1beta1)).toEqual({ ...parsed(core), apiVersion: "events.k8s.io/v1beta1" });
  });

  it("tells the API of a list item without apiVersion by the hint, else by its fields", () => {
    const item = asEventsV1(mustGatherEvent("apiserver.16a469590c5ca0f7"));
    delete item.apiVersion;
    expect(parsed(item).apiVersion).toBe("events.k8s.io/v1");
    expect(parsed(item, { apiVersion: "events.k8s.io/v1beta1" }).apiVersion).toBe("events.k8s.io/v1beta1");
    // A hint of the other API reads the item as that API's, and finds its reference missing.
    expect(parseKubernetesEvent(item, { apiVersion: "v1" })).toEqual({ ok: false, problem: "involvedObject: required" });
  });

  it("names up to three problems at once", () => {
    const event = mustGatherEvent("apiserver.16a469590c5ca0f7");
    event.count = "1";
    event.reason = 5;
    event.type = [];
    event.message = {};
    expect(parseKubernetesEvent(event)).toEqual({
      ok: false,
      problem: 'reason: expected string, got 5; type: expected string, got an array; message: expected string, got an object; and 1 more',
    });
  });
});
