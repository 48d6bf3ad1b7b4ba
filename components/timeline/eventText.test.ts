import { describe, expect, it } from "vitest";
import { CASCADE } from "@/server/testing/scenarios/openshiftCascade";
import { countText, eventKindName, isWarning, markLabel, objectReferenceText, reporterWhereText } from "./eventText";

/** Words for the Events of the must-gather's openshift-apiserver namespace (shared/fixtures/real/openshift-must-gather-azure). */
const micros = (iso: string) => Date.parse(iso) * 1000;

describe("how the object page words an Event", () => {
  it("labels a mark for screen readers with the Event's type, which its colour and shape show to the eye", () => {
    const failed = { title: "default-scheduler FailedScheduling: 0/6 nodes are available", startMicros: micros("2021-09-13T14:59:11.708Z"), event: { reason: "FailedScheduling", type: "Warning", count: 1 } };
    expect(markLabel(failed)).toBe("Warning Event: default-scheduler FailedScheduling: 0/6 nodes are available, 2021-09-13 14:59:11.708000 UTC");
    const probe = { title: "kubelet ProbeError: Readiness probe error", startMicros: micros("2021-09-13T15:00:56Z"), event: { reason: "ProbeError", type: "Warning", count: 3 } };
    expect(markLabel(probe)).toBe("Warning Event: kubelet ProbeError: Readiness probe error, 2021-09-13 15:00:56.000000 UTC, seen 3 times");
    // A request's label is its title and time, as before.
    expect(markLabel({ title: "kube:admin patch", startMicros: micros("2021-09-13T14:55:16Z"), event: null })).toBe("kube:admin patch, 2021-09-13 14:55:16.000000 UTC");
  });

  it("names the type, Warning or not", () => {
    expect(eventKindName({ type: "Warning" })).toBe("Warning Event");
    expect(eventKindName({ type: "Normal" })).toBe("Normal Event");
    expect(eventKindName({ type: null })).toBe("Event");
    expect([isWarning({ type: "Warning" }), isWarning({ type: "Normal" }), isWarning(null)]).toEqual([true, false, false]);
  });

  it("counts the occurrences since the first, when the first is told and earlier", () => {
    const latest = micros("2021-09-13T15:00:56Z");
    expect(countText({ count: 3, firstMicros: micros("2021-09-13T15:00:36Z") }, latest)).toBe("seen 3 times since 2021-09-13 15:00:36.000000 UTC");
    expect(countText({ count: 3, firstMicros: null }, latest)).toBe("seen 3 times");
    expect(countText({ count: 1, firstMicros: latest }, latest)).toBe("seen once");
    // Kubernetes 1.21's scheduler began a series at count 1: first and last differ.
    expect(countText({ count: 1, firstMicros: micros("2021-09-13T14:59:02.786Z") }, micros("2021-09-13T14:59:11.708Z"))).toBe("seen once (first reported 2021-09-13 14:59:02.786000 UTC)");
    expect(countText({ count: 1234, firstMicros: null }, latest)).toBe("seen 1,234 times");
  });

  it("says where the reporter ran: its instance and its host, each once", () => {
    expect(reporterWhereText({ reportingInstance: "default-scheduler-ci-ln-k7vx6h2-002ac-w7gjh-master-0", host: null })).toBe("default-scheduler-ci-ln-k7vx6h2-002ac-w7gjh-master-0");
    expect(reporterWhereText({ reportingInstance: null, host: CASCADE.nodes.master2.name })).toBe(`host ${CASCADE.nodes.master2.name}`);
    expect(reporterWhereText({ reportingInstance: CASCADE.nodes.master2.name, host: CASCADE.nodes.master2.name })).toBe(CASCADE.nodes.master2.name);
    expect(reporterWhereText({ reportingInstance: null, host: null })).toBeNull();
  });

  it("names an object an Event refers to by the parts it has", () => {
    expect(objectReferenceText({ kind: "Node", namespace: null, name: CASCADE.nodes.master2.name })).toBe(`Node ${CASCADE.nodes.master2.name}`);
    expect(objectReferenceText({ kind: "Pod", namespace: CASCADE.namespace, name: "apiserver-5d887d5fcd-mrn5h" })).toBe(`Pod ${CASCADE.namespace}/apiserver-5d887d5fcd-mrn5h`);
    expect(objectReferenceText({ namespace: CASCADE.namespace, name: null })).toBe("(no name)");
  });
});
