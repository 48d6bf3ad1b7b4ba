import { describe, expect, it } from "vitest";
import type { JsonObject } from "../audit/types";
import type { ObservedHistoryEntry } from "../../plugins/types";
import { asEventsV1, mustGatherEvent, mustGatherEvents } from "../../testing/mustGatherEvents";
import { sonobuoyItems } from "../../testing/fixtures";
import { DETAILS_MESSAGE_MAX_BYTES, TITLE_MESSAGE_MAX_CHARS, observeKubernetesEvent } from "./observeEvent";

function observed(raw: unknown, hint?: { apiVersion?: string }): ObservedHistoryEntry {
  const result = observeKubernetesEvent(raw, hint);
  if (!result.ok) throw new Error(`expected an entry: ${result.problem}`);
  return result.entry;
}

function problemOf(raw: unknown, hint?: { apiVersion?: string }): string {
  const result = observeKubernetesEvent(raw, hint);
  if (result.ok) throw new Error(`expected a problem, got an entry keyed ${result.entry.key}`);
  return result.problem;
}

describe("observeKubernetesEvent on the real must-gather Events", () => {
  const events = mustGatherEvents();

  it("converts every one of the 395, through both APIs alike", () => {
    expect(events).toHaveLength(395);
    for (const event of events) {
      const result = observeKubernetesEvent(event);
      const name = (event.metadata as JsonObject).name;
      expect(result.ok ? "ok" : `${String(name)}: ${result.problem}`).toBe("ok");
      expect(observed(asEventsV1(event))).toEqual(observed(event));
    }
  });

  it("keys distinct Events apart, and the same Event read again alike", () => {
    const keys = events.map((event) => observed(event).key);
    expect(new Set(keys).size).toBe(events.length);
    // A relist, or the same file imported again.
    expect(events.map((event) => observed(structuredClone(event)).key)).toEqual(keys);
  });

  it("reads a FailedScheduling series of the newer recorder: the last repeat's time and the series' count", () => {
    const entry = observed(mustGatherEvent("oauth-openshift-5d8c6749f5-7xkp6.16a469f7afc71796"));
    expect(entry).toMatchObject({
      source: "event",
      key: "445774e7-7663-41ae-90fa-b7824a4c2142:5:2021-09-13T15:05:13.564Z",
      object: {
        apiGroup: "",
        apiVersion: "v1",
        resource: "pods",
        kind: "Pod",
        namespace: "openshift-authentication",
        name: "oauth-openshift-5d8c6749f5-7xkp6",
        uid: "6650d079-6893-47bd-a5dc-886d5e1cce82",
      },
      actor: "default-scheduler",
      verb: "event",
    });
    // series.lastObservedTime, with its microseconds cut to the Date's milliseconds.
    expect(entry.startTime.toISOString()).toBe("2021-09-13T15:05:13.564Z");
    expect(entry.endTime).toEqual(entry.startTime);
    expect(entry.title).toBe(
      "default-scheduler FailedScheduling: 0/6 nodes are available: 3 node(s) didn't match Pod's node affinity/selector, 3 node(s) didn't match pod affinity/anti-affinity rules, 3 node(s) didn't match p…",
    );
    expect(Array.from(entry.title.slice("default-scheduler FailedScheduling: ".length))).toHaveLength(TITLE_MESSAGE_MAX_CHARS);
    expect(entry.details).toEqual({
      reason: "FailedScheduling",
      message:
        "0/6 nodes are available: 3 node(s) didn't match Pod's node affinity/selector, 3 node(s) didn't match pod affinity/anti-affinity rules, 3 node(s) didn't match pod anti-affinity rules.",
      count: 5,
      type: "Warning",
      action: "Scheduling",
      reportingInstance: "default-scheduler-ci-ln-k7vx6h2-002ac-w7gjh-master-1",
      eventTime: "2021-09-13T15:04:37.541849Z",
      series: { count: 5, lastObservedTime: "2021-09-13T15:05:13.564719Z" },
      event: {
        namespace: "openshift-authentication",
        name: "oauth-openshift-5d8c6749f5-7xkp6.16a469f7afc71796",
        uid: "445774e7-7663-41ae-90fa-b7824a4c2142",
        resourceVersion: "28983",
      },
    });
    expect(entry).not.toHaveProperty("body");
    expect(entry).not.toHaveProperty("deleted");
  });

  it("reads a singleton of the newer recorder at its eventTime, microseconds and all, counted once", () => {
    const entry = observed(mustGatherEvent("apiserver-5d887d5fcd-mrn5h.16a469a61ebb5c3e"));
    expect(entry.startTime.toISOString()).toBe("2021-09-13T14:58:47.216Z");
    expect(entry.key).toBe("a600e32c-fe0b-433a-a4cc-29739eb3581d:1:2021-09-13T14:58:47.216Z");
    expect(entry.details).toMatchObject({ count: 1, eventTime: "2021-09-13T14:58:47.216022Z" });
    expect(entry.details).not.toHaveProperty("series");
    expect(entry.details).not.toHaveProperty("firstTimestamp");
  });

  it("tells a series at count 1 (how 1.21's recorder began one) from the singleton it grew from", () => {
    // The real Event has series {count: 1}: its second occurrence. Before that repeat it was a
    // singleton, as the recorder first created it: the same Event without the series.
    const repeated = mustGatherEvent("apiserver-5d887d5fcd-mrn5h.16a469a9bec77322");
    const singleton = structuredClone(repeated);
    delete singleton.series;
    const first = observed(singleton);
    const second = observed(repeated);
    expect(first.details.count).toBe(1);
    expect(second.details.count).toBe(1);
    expect(first.startTime.toISOString()).toBe("2021-09-13T14:59:02.786Z");
    expect(second.startTime.toISOString()).toBe("2021-09-13T14:59:11.708Z");
    expect(second.key).not.toBe(first.key);
  });

  it("reads a counted Event of the older recorder: lastTimestamp, count 34, the kubelet's host and the container", () => {
    const entry = observed(mustGatherEvent("console-5bf7fb6dc6-qzlz8.16a469a6bf5a4f4e"));
    expect(entry.startTime.toISOString()).toBe("2021-09-13T15:03:54.000Z");
    expect(entry.key).toBe("b8a6ae88-bcaf-4bba-81b0-0ddb7b245bfa:34:2021-09-13T15:03:54.000Z");
    expect(entry.actor).toBe("kubelet");
    // reportingComponent is "" here: the source's component reports it.
    expect(entry.title).toBe('kubelet ProbeError: Readiness probe error: Get "https://10.130.0.31:8443/health": dial tcp 10.130.0.31:8443: connect: connection refused');
    expect(entry.object).toEqual({
      apiGroup: "",
      apiVersion: "v1",
      resource: "pods",
      kind: "Pod",
      namespace: "openshift-console",
      name: "console-5bf7fb6dc6-qzlz8",
      uid: "75f888e0-162e-433a-97cf-daeabf830ab9",
    });
    expect(entry.details).toEqual({
      reason: "ProbeError",
      message: 'Readiness probe error: Get "https://10.130.0.31:8443/health": dial tcp 10.130.0.31:8443: connect: connection refused\nbody: \n',
      count: 34,
      type: "Warning",
      host: "ci-ln-k7vx6h2-002ac-w7gjh-master-1",
      fieldPath: "spec.containers{console}",
      firstTimestamp: "2021-09-13T14:58:49Z",
      event: {
        namespace: "openshift-console",
        name: "console-5bf7fb6dc6-qzlz8.16a469a6bf5a4f4e",
        uid: "b8a6ae88-bcaf-4bba-81b0-0ddb7b245bfa",
        resourceVersion: "24126",
      },
    });
  });

  it("takes a later occurrence of the same Event as new", () => {
    const event = mustGatherEvent("console-5bf7fb6dc6-qzlz8.16a469a6bf5a4f4e");
    const before = observed(event);
    // What the older recorder's next patch makes of it: count and lastTimestamp move on.
    event.count = 35;
    event.lastTimestamp = "2021-09-13T15:04:04Z";
    const after = observed(event);
    expect(after.key).not.toBe(before.key);
    expect(after.startTime.toISOString()).toBe("2021-09-13T15:04:04.000Z");
  });

  it("puts a Node in no namespace though its Event's reference gives one, and finds its group without an apiVersion", () => {
    const entry = observed(mustGatherEvent("ci-ln-k7vx6h2-002ac-w7gjh-master-0.16a4695be876dae2"));
    expect(entry.object).toEqual({
      apiGroup: "",
      apiVersion: "",
      resource: "nodes",
      kind: "Node",
      namespace: "",
      name: "ci-ln-k7vx6h2-002ac-w7gjh-master-0",
      uid: "e06edc37-8115-4338-91d5-fa581a37894a",
    });
    expect(entry.actor).toBe("check-endpoint-checkendpointstimetostart");
    expect(entry.title).toBe(
      'check-endpoint-checkendpointstimetostart FastControllerResync: Controller "CheckEndpointsTimeToStart" resync interval is set to 0s which might lead to client request throttling',
    );
  });

  it("puts a Namespace in no namespace, with no uid when its reference gives none", () => {
    const entry = observed(mustGatherEvent("openshift-apiserver.16a46945edbc956c"));
    expect(entry.object).toEqual({ apiGroup: "", apiVersion: "", resource: "namespaces", kind: "Namespace", namespace: "", name: "openshift-apiserver", uid: null });
    expect(entry.title).toBe("namespace-security-allocation-controller CreatedSCCRanges: created SCC ranges");
  });

  it("finds a Pod named without apiVersion or uid in the core group, in its reference's namespace", () => {
    const entry = observed(mustGatherEvent("image-registry-6dc4cb66fc-k66zl.16a469ae65c6c0bb"));
    expect(entry.object).toEqual({
      apiGroup: "",
      apiVersion: "",
      resource: "pods",
      kind: "Pod",
      namespace: "openshift-image-registry",
      name: "image-registry-6dc4cb66fc-k66zl",
      uid: null,
    });
    expect(entry.actor).toBe("taint-controller");
  });

  it("names a ReplicaSet and a Deployment through apps/v1", () => {
    const replicaSet = observed(mustGatherEvent("apiserver-5d887d5fcd.16a46991d648b028"));
    expect(replicaSet.object).toEqual({
      apiGroup: "apps",
      apiVersion: "v1",
      resource: "replicasets",
      kind: "ReplicaSet",
      namespace: "openshift-apiserver",
      name: "apiserver-5d887d5fcd",
      uid: "844d9542-7974-4670-9d85-746e8c4b2d83",
    });
    expect(replicaSet.title).toBe("replicaset-controller SuccessfulCreate: Created pod: apiserver-5d887d5fcd-qnvqh");

    const deployment = observed(mustGatherEvent("apiserver.16a469590c5ca0f7"));
    expect(deployment.object).toMatchObject({ apiGroup: "apps", apiVersion: "v1", resource: "deployments", name: "apiserver", uid: "fbf76809-33a5-4017-a1f5-8be34cd2b2fd" });
    expect(deployment.title).toBe("deployment-controller ScalingReplicaSet: Scaled up replica set apiserver-85b76d5494 to 3");
    expect(deployment.startTime.toISOString()).toBe("2021-09-13T14:53:16.000Z");
  });
});

describe("observeKubernetesEvent on the real Events of Kubernetes 1.8 (Sonobuoy)", () => {
  it("reads a reference whose apiVersion is a group alone, as 1.8's controllers wrote it, as that group at an unknown version", () => {
    // shared/fixtures/real/sonobuoy-results-missing-e2e: `apiVersion: extensions` in the
    // deployment-controller's ScalingReplicaSet and the replicaset-controller's SuccessfulCreate.
    const events = sonobuoyItems("kube-system", "Events");
    const about = (kind: string, name: string) => events.find((event) => event.involvedObject.kind === kind && event.involvedObject.name === name)!;
    const deployment = observed(about("Deployment", "kube-dns"));
    expect(deployment.object).toEqual({
      apiGroup: "extensions",
      apiVersion: "",
      resource: "deployments",
      kind: "Deployment",
      namespace: "kube-system",
      name: "kube-dns",
      uid: "f40ea3ab-e026-11e7-8132-0254a9767590",
    });
    const replicaSet = observed(about("ReplicaSet", "kube-dns-545bc4bfd4"));
    expect(replicaSet.object).toMatchObject({ apiGroup: "extensions", apiVersion: "", resource: "replicasets", kind: "ReplicaSet", uid: "fce41ecc-e026-11e7-8132-0254a9767590" });
  });
});

describe("observeKubernetesEvent: what the real data does not show", () => {
  it("gives no uid to a Node the kubelet names by its name as uid", () => {
    // The real Node event, as the kubelet reports one: its recorder's source, the Node's name as
    // uid (pkg/kubelet: types.UID(nodeName)), no namespace, the Event in "default".
    const event = mustGatherEvent("ci-ln-k7vx6h2-002ac-w7gjh-master-0.16a4695be876dae2");
    const node = "ci-ln-k7vx6h2-002ac-w7gjh-master-0";
    event.involvedObject = { kind: "Node", name: node, uid: node };
    (event.metadata as JsonObject).namespace = "default";
    event.source = { component: "kubelet", host: node };
    event.reason = "NodeReady";
    event.message = `Node ${node} status is now: NodeReady`;
    const entry = observed(event);
    expect(entry.object).toMatchObject({ resource: "nodes", namespace: "", name: node, uid: null });
    expect(entry.details.host).toBe(node);
  });

  it("reads an empty reference uid as none", () => {
    const event = mustGatherEvent("apiserver-5d887d5fcd.16a46991d648b028");
    (event.involvedObject as JsonObject).uid = "";
    expect(observed(event).object.uid).toBeNull();
  });

  it("puts a namespaced object whose reference gives no namespace in the Event's", () => {
    const event = mustGatherEvent("apiserver-5d887d5fcd.16a46991d648b028");
    delete (event.involvedObject as JsonObject).namespace;
    expect(observed(event).object.namespace).toBe("openshift-apiserver");
  });

  it("guesses a custom resource's plural and keeps its group", () => {
    const event = mustGatherEvent("apiserver.16a469590c5ca0f7");
    event.involvedObject = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "web", namespace: "openshift-apiserver", uid: "b5c0ffee-0000-4000-8000-000000000001" };
    expect(observed(event).object).toEqual({
      apiGroup: "argoproj.io",
      apiVersion: "v1alpha1",
      resource: "rollouts",
      kind: "Rollout",
      namespace: "openshift-apiserver",
      name: "web",
      uid: "b5c0ffee-0000-4000-8000-000000000001",
    });
  });

  it("takes a custom resource whose reference gives no namespace to be cluster-scoped, not in the Event's", () => {
    // As client-go's recorders report a cluster-scoped custom resource (here cert-manager's
    // ClusterIssuer): the object's empty namespace in the reference, the Event in "default".
    const event = mustGatherEvent("apiserver.16a469590c5ca0f7");
    event.involvedObject = { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", name: "letsencrypt", uid: "b5c0ffee-0000-4000-8000-000000000002" };
    (event.metadata as JsonObject).namespace = "default";
    expect(observed(event).object).toMatchObject({ apiGroup: "cert-manager.io", resource: "clusterissuers", namespace: "", name: "letsencrypt" });
  });

  it("takes lastTimestamp over eventTime when an Event has both, through either API", () => {
    // Written through core/v1 by a client that fills both, as the apiserver allows.
    const event = mustGatherEvent("console-5bf7fb6dc6-qzlz8.16a469a6bf5a4f4e");
    event.eventTime = "2021-09-13T14:58:49.123456Z";
    expect(observed(event).startTime.toISOString()).toBe("2021-09-13T15:03:54.000Z");
    expect(observed(asEventsV1(event))).toEqual(observed(event));
  });

  it("falls back to firstTimestamp, then to the Event's creation", () => {
    const event = mustGatherEvent("apiserver.16a469590c5ca0f7");
    event.lastTimestamp = null;
    event.firstTimestamp = "2021-09-13T14:53:15Z";
    expect(observed(event).startTime.toISOString()).toBe("2021-09-13T14:53:15.000Z");
    event.firstTimestamp = null;
    expect(observed(event).startTime.toISOString()).toBe("2021-09-13T14:53:16.000Z");
  });

  it("counts a singleton whose count is 0 (the newer API's) once", () => {
    const event = mustGatherEvent("apiserver.16a469590c5ca0f7");
    event.count = 0;
    expect(observed(event).details.count).toBe(1);
  });

  it("keys an Event without a uid by its namespace, name, count and time", () => {
    // Hand-made files often leave out the uid. The name alone could come back in another file
    // for another Event; with the occurrence's count and time it is that Event's occurrence.
    const event = mustGatherEvent("apiserver.16a469590c5ca0f7");
    delete (event.metadata as JsonObject).uid;
    expect(observed(event).key).toBe("openshift-apiserver/apiserver.16a469590c5ca0f7:1:2021-09-13T14:53:16.000Z");
  });

  it("names an actor without either reporter unknown, and a title without a message its reason", () => {
    const event = mustGatherEvent("apiserver.16a469590c5ca0f7");
    event.source = {};
    event.message = "";
    const entry = observed(event);
    expect(entry.actor).toBe("unknown");
    expect(entry.title).toBe("unknown ScalingReplicaSet");
  });

  it("shows a multi-line message's first line in the title and keeps it whole in the details", () => {
    const event = mustGatherEvent("apiserver.16a469590c5ca0f7");
    event.message = "\n  first line  \nsecond line\n";
    const entry = observed(event);
    expect(entry.title).toBe("deployment-controller ScalingReplicaSet: first line");
    expect(entry.details.message).toBe("\n  first line  \nsecond line\n");
  });

  it("cuts a message longer than 8 KiB at a whole character, and says so", () => {
    const event = mustGatherEvent("console-5bf7fb6dc6-qzlz8.16a469a6bf5a4f4e");
    // The real message, then more than 8 KiB of three-byte characters: the cut falls inside them.
    const message = `${event.message as string}${"…".repeat(3000)}`;
    event.message = message;
    const details = observed(event).details;
    const kept = details.message as string;
    expect(Buffer.byteLength(kept, "utf8")).toBeLessThanOrEqual(DETAILS_MESSAGE_MAX_BYTES);
    expect(Buffer.byteLength(kept, "utf8")).toBeGreaterThan(DETAILS_MESSAGE_MAX_BYTES - 3);
    expect(message.startsWith(kept)).toBe(true);
    expect(details.messageTruncated).toBe(true);
    expect(details.messageBytes).toBe(Buffer.byteLength(message, "utf8"));
  });

  it("keeps a message of exactly 8 KiB whole", () => {
    const event = mustGatherEvent("console-5bf7fb6dc6-qzlz8.16a469a6bf5a4f4e");
    event.message = "x".repeat(DETAILS_MESSAGE_MAX_BYTES);
    const details = observed(event).details;
    expect(details.message).toBe(event.message);
    expect(details).not.toHaveProperty("messageTruncated");
  });

  it("cuts a long title between characters, not inside a surrogate pair", () => {
    const event = mustGatherEvent("apiserver.16a469590c5ca0f7");
    event.message = "🚀".repeat(200);
    const title = observed(event).title;
    expect(title).toBe(`deployment-controller ScalingReplicaSet: ${"🚀".repeat(TITLE_MESSAGE_MAX_CHARS - 1)}…`);
  });

  it("reports the related object", () => {
    const event = mustGatherEvent("apiserver-5d887d5fcd-mrn5h.16a469a61ebb5c3e");
    event.related = { apiVersion: "v1", kind: "Node", name: "ci-ln-k7vx6h2-002ac-w7gjh-master-0", uid: "e06edc37-8115-4338-91d5-fa581a37894a" };
    expect(observed(event).details.related).toEqual({
      kind: "Node",
      namespace: null,
      name: "ci-ln-k7vx6h2-002ac-w7gjh-master-0",
      uid: "e06edc37-8115-4338-91d5-fa581a37894a",
      apiVersion: "v1",
    });
  });

  it("reads list items without kind or apiVersion, by the list's apiVersion or by their fields", () => {
    const core = mustGatherEvent("apiserver-5d887d5fcd.16a46991d648b028");
    const expected = observed(core);
    const coreItem = structuredClone(core);
    delete coreItem.kind;
    delete coreItem.apiVersion;
    expect(observed(coreItem, { apiVersion: "v1" })).toEqual(expected);
    expect(observed(coreItem)).toEqual(expected);

    const eventsItem = asEventsV1(core);
    delete eventsItem.kind;
    delete eventsItem.apiVersion;
    expect(observed(eventsItem, { apiVersion: "events.k8s.io/v1" })).toEqual(expected);
    expect(observed(eventsItem)).toEqual(expected);
    // The item's own apiVersion counts over the list's (kubectl's `kind: List` says v1 for any items).
    expect(observed(asEventsV1(core), { apiVersion: "v1" })).toEqual(expected);
  });

  it("lets fields it does not know pass", () => {
    const event = mustGatherEvent("apiserver-5d887d5fcd.16a46991d648b028");
    event.somethingNew = { nested: [1, 2] };
    (event.involvedObject as JsonObject).extra = "yes";
    (event.metadata as JsonObject).managedFields = [{ manager: "kube-controller-manager" }];
    expect(observed(event)).toEqual(observed(mustGatherEvent("apiserver-5d887d5fcd.16a46991d648b028")));
  });
});

describe("observeKubernetesEvent on bad input: a problem naming the field, never a throw", () => {
  const base = () => mustGatherEvent("console-5bf7fb6dc6-qzlz8.16a469a6bf5a4f4e");

  it.each([
    ["a string", "Event", 'event: expected an object, got "Event"'],
    ["null", null, "event: expected an object, got null"],
    ["an array", [], "event: expected an object, got an array"],
    ["a number", 5, "event: expected an object, got 5"],
  ])("refuses %s", (_what, raw, problem) => {
    expect(problemOf(raw)).toBe(problem);
  });

  it("refuses an Event without involvedObject", () => {
    const event = base();
    delete event.involvedObject;
    expect(problemOf(event)).toBe("involvedObject: required");
    delete event.apiVersion;
    expect(problemOf(event)).toBe("involvedObject: required (or regarding, for events.k8s.io)");
  });

  it("refuses a reference without kind or name", () => {
    const noKind = base();
    delete (noKind.involvedObject as JsonObject).kind;
    expect(problemOf(noKind)).toBe("involvedObject.kind: required");
    const noName = base();
    delete (noName.involvedObject as JsonObject).name;
    expect(problemOf(noName)).toBe("involvedObject.name: required");
    const emptyName = base();
    (emptyName.involvedObject as JsonObject).name = "";
    expect(problemOf(emptyName)).toBe("involvedObject.name: must not be empty");
    expect(problemOf(asEventsV1(noName))).toBe("regarding.name: required");
  });

  it("refuses a time that is not one, naming it as the API does", () => {
    const event = base();
    event.lastTimestamp = "x";
    expect(problemOf(event)).toBe('lastTimestamp: not a time (RFC 3339, years 0001–9999): "x"');
    expect(problemOf(asEventsV1(event))).toBe('deprecatedLastTimestamp: not a time (RFC 3339, years 0001–9999): "x"');
    const series = mustGatherEvent("oauth-openshift-5d8c6749f5-7xkp6.16a469f7afc71796");
    (series.series as JsonObject).lastObservedTime = "2021-02-30T00:00:00Z";
    expect(problemOf(series)).toBe('series.lastObservedTime: not a time (RFC 3339, years 0001–9999): "2021-02-30T00:00:00Z"');
    const number = base();
    number.firstTimestamp = 1631545129;
    expect(problemOf(number)).toBe("firstTimestamp: expected string, got 1631545129");
  });

  it("refuses a namespaced object that neither its reference nor the Event puts in a namespace", () => {
    const event = base();
    delete (event.involvedObject as JsonObject).namespace;
    delete (event.metadata as JsonObject).namespace;
    expect(problemOf(event)).toBe("involvedObject.namespace: required: a Pod is namespaced, and the event has no namespace either");
    expect(problemOf(asEventsV1(event))).toBe("regarding.namespace: required: a Pod is namespaced, and the event has no namespace either");
  });

  it("refuses an Event with no time at all", () => {
    const event = base();
    event.lastTimestamp = null;
    event.firstTimestamp = null;
    delete (event.metadata as JsonObject).creationTimestamp;
    expect(problemOf(event)).toBe("lastTimestamp: required (or series.lastObservedTime, eventTime, firstTimestamp, metadata.creationTimestamp)");
    expect(problemOf(asEventsV1(event))).toBe("eventTime: required (or series.lastObservedTime, deprecatedLastTimestamp, deprecatedFirstTimestamp, metadata.creationTimestamp)");
  });

  it("refuses an Event with neither uid nor name to key it by", () => {
    const event = base();
    event.metadata = { namespace: "openshift-console" };
    expect(problemOf(event)).toBe("metadata.uid: required (or metadata.name, to tell the event apart)");
  });

  it("refuses fields of the wrong type", () => {
    const count = base();
    count.count = "34";
    expect(problemOf(count)).toBe('count: expected number, got "34"');
    const fraction = base();
    fraction.count = 1.5;
    expect(problemOf(fraction)).toMatch(/^count: /);
    const message = base();
    message.message = 42;
    expect(problemOf(message)).toBe("message: expected string, got 42");
    const reference = base();
    reference.involvedObject = "console-5bf7fb6dc6-qzlz8";
    expect(problemOf(reference)).toBe('involvedObject: expected object, got "console-5bf7fb6dc6-qzlz8"');
    const metadata = base();
    (metadata.metadata as JsonObject).uid = 7;
    expect(problemOf(metadata)).toBe("metadata.uid: expected string, got 7");
  });

  it("refuses what is not an Event, or of an API it does not know", () => {
    const pod = base();
    pod.kind = "Pod";
    expect(problemOf(pod)).toBe('kind: expected "Event", got "Pod"');
    const audit = base();
    audit.apiVersion = "audit.k8s.io/v1";
    expect(problemOf(audit)).toBe('apiVersion: expected v1, events.k8s.io/v1, events.k8s.io/v1beta1, got "audit.k8s.io/v1"');
    const item = base();
    delete item.apiVersion;
    expect(problemOf(item, { apiVersion: "apps/v1" })).toBe('apiVersion: expected v1, events.k8s.io/v1, events.k8s.io/v1beta1, got "apps/v1" (the hint\'s)');
    const both = base();
    delete both.apiVersion;
    both.regarding = both.involvedObject as JsonObject;
    expect(problemOf(both)).toBe("apiVersion: required when an event has both involvedObject and regarding");
  });

  it("reports an object that cannot be read instead of throwing", () => {
    const event = base();
    Object.defineProperty(event, "reason", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    expect(problemOf(event)).toBe("event: could not be read (boom)");
  });
});
