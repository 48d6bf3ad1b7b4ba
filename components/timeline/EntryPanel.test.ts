import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "@/server/ingest/audit/types";
import { observeKubernetesEvent } from "@/server/ingest/events/observeEvent";
import type { TraceEntry, TraceObject } from "@/server/query/trace/assembled";
import type { EpochMicros } from "@/server/query/trace/types";
import { entryDetailsOf, timelineEntryOf } from "@/server/query/timeline/payload";
import { mustGatherEvent } from "@/server/testing/mustGatherEvents";
import { CASCADE, openshiftCascade } from "@/server/testing/scenarios/openshiftCascade";
import { versionsOf, watchRowsOf, type WatchRow } from "@/server/testing/scenarios/watchedCascade";
import { EntryPanel } from "./EntryPanel";

/**
 * The side panel for a Kubernetes Event, rendered to HTML: real Events of the must-gather's
 * openshift-apiserver namespace (shared/fixtures/real/openshift-must-gather-azure) through the
 * conversion the watcher and the endpoint use, and the payload the page loads.
 */

const pod: TraceObject = {
  id: 3,
  cluster: "openshift",
  apiGroup: "",
  apiVersion: "v1",
  resource: "pods",
  kind: "Pod",
  namespace: CASCADE.namespace,
  name: "apiserver-85b76d5494-c6q5q",
  uid: "085c669c-3f03-44c6-8efb-f4853ae62b0b",
  firstSeen: (Date.parse("2021-09-13T14:53:16Z") * 1000) as EpochMicros,
  lastSeen: (Date.parse("2021-09-13T15:00:35Z") * 1000) as EpochMicros,
  deletedAt: null,
};

function eventEntry(name: string): TraceEntry {
  const observed = observeKubernetesEvent(mustGatherEvent(name));
  if (!observed.ok) throw new Error(observed.problem);
  const e = observed.entry;
  const at = (e.startTime.getTime() * 1000) as EpochMicros;
  return { id: 7, objectId: pod.id, source: "event", start: at, end: at, actor: e.actor, verb: e.verb, subresource: "", statusCode: null, title: e.title, auditId: null, stage: null, userAgent: null, details: e.details as JsonObject, diff: null, snapshot: null, noop: false };
}

function panel(entry: TraceEntry, loaded = true): string {
  return renderToStaticMarkup(
    createElement(EntryPanel, { summary: timelineEntryOf(entry), details: loaded ? entryDetailsOf(entry, pod) : undefined, error: null, row: undefined, currentObjectId: pod.id, onClose: () => {} }),
  );
}

/** The panel's text, tags dropped, entities read back. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&amp;/g, "&").replace(/[ ]+/g, " ");
/** A field's value as the panel lists it: its <dd> after the <dt> `label`. */
function field(html: string, label: string): string | null {
  const match = new RegExp(`<dt>${label}</dt><dd>(.*?)</dd>`, "s").exec(html);
  return match ? textOf(match[1]!).trim() : null;
}

const AUDIT_ONLY = ["User agent", "Response", "Changes", "Audit ID", "None recorded (the audit event had no body to compare)"];

describe("the side panel of a Kubernetes Event", () => {
  it("shows a Warning's reason, its type set apart, its whole message, how often, and who reported it from where; nothing of an audit event", () => {
    // The scheduler's FailedScheduling of Pod apiserver-5d887d5fcd-mrn5h (events.k8s.io recorder).
    const html = panel(eventEntry("apiserver-5d887d5fcd-mrn5h.16a469a9bec77322"));
    expect(html).toMatch(/<span class="[^"]*pillWarning[^"]*">Warning Event<\/span>FailedScheduling/);
    expect(field(html, "Reason")).toBe("FailedScheduling");
    expect(html).toMatch(/<dt>Type<\/dt><dd><strong class="[^"]*warning[^"]*">Warning<\/strong><\/dd>/);
    expect(field(html, "Message")).toBe(
      "0/6 nodes are available: 1 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate, 2 node(s) didn't match Pod's node affinity/selector, 3 node(s) didn't match pod affinity/anti-affinity rules, 3 node(s) didn't match pod anti-affinity rules.",
    );
    expect(field(html, "Count")).toBe("seen once (first reported 2021-09-13 14:59:02.786069 UTC)");
    // The entry is timed to the ms (observeKubernetesEvent makes a Date of series.lastObservedTime).
    expect(field(html, "Last seen")).toBe("2021-09-13 14:59:11.708000 UTC");
    expect(field(html, "Reported by")).toBe("default-scheduler default-scheduler-ci-ln-k7vx6h2-002ac-w7gjh-master-0");
    expect(field(html, "Action")).toBe("Scheduling");
    expect(field(html, "Event object")).toBe(`${CASCADE.namespace}/apiserver-5d887d5fcd-mrn5h.16a469a9bec77322`);
    for (const audit of AUDIT_ONLY) expect(textOf(html), audit).not.toContain(audit);
  });

  it("keeps a message's line breaks, and counts the kubelet's repeats since the first, with its host and the container it is about", () => {
    const html = panel(eventEntry("apiserver-85b76d5494-c6q5q.16a469bf8be0e029"));
    expect(html).toMatch(/<div class="[^"]*message[^"]*" aria-label="Message">Readiness probe error: Get &quot;https:\/\/10.128.0.25:8443\/healthz&quot;: dial tcp 10.128.0.25:8443: connect: connection refused\nbody: \n<\/div>/);
    expect(field(html, "Count")).toBe("seen 3 times since 2021-09-13 15:00:36.000000 UTC");
    expect(field(html, "Reported by")).toBe(`kubelet host ${CASCADE.nodes.master2.name}`);
    expect(field(html, "Field path")).toBe("spec.containers{openshift-apiserver}");
  });

  it("shows a Normal Event without the warning's colours", () => {
    const html = panel(eventEntry("apiserver-85b76d5494-c6q5q.16a469bca7443dce"));
    expect(html).toMatch(/<span class="[^"]*pill-event[^"]*">Normal Event<\/span>Killing/);
    expect(field(html, "Type")).toBe("Normal");
    expect(html).not.toMatch(/pillWarning|<strong/);
    expect(field(html, "Count")).toBe("seen once");
  });

  it("shows the lane's reason, type and count while the whole entry loads", () => {
    const html = panel(eventEntry("apiserver-85b76d5494-c6q5q.16a469bf8be0e029"), false);
    expect(field(html, "Reason")).toBe("ProbeError");
    expect(field(html, "Type")).toBe("Warning");
    expect(field(html, "Count")).toBe("seen 3 times");
    expect(field(html, "Reported by")).toBe("kubelet");
    expect(field(html, "Message")).toBeNull();
  });

  it("still shows a request's audit fields and changes", () => {
    const request: TraceEntry = { ...eventEntry("apiserver-85b76d5494-c6q5q.16a469bca7443dce"), source: "audit", verb: "update", subresource: "status", statusCode: 200, userAgent: "kubelet/v1.21.1+9807387 (linux/amd64) kubernetes/9807387", title: "system:node update status", details: {}, diff: [{ path: "status.phase", old: "Running", new: "Succeeded" }] };
    const html = panel(request);
    expect(field(html, "User agent")).toBe("kubelet/v1.21.1+9807387 (linux/amd64) kubernetes/9807387");
    expect(html).toContain('<ul class="');
    expect(textOf(html)).toContain("status.phase Running -> Succeeded");
    expect(field(html, "Reason")).toBeNull();
  });
});

/** The side panel of a `kubectl exec` whose end is not recorded: the real exec of falco's exec_pod.json, of which only ResponseStarted was logged. */
describe("the side panel of an open exec session", () => {
  const micros = (iso: string) => (Date.parse(iso) * 1000) as EpochMicros;
  const exec: TraceEntry = {
    id: 9, objectId: pod.id, source: "audit", start: micros("2018-10-26T13:38:34.867Z"), end: micros("2018-10-26T13:38:34.902Z"), actor: "minikube-user", verb: "create", subresource: "exec",
    statusCode: 101, title: "minikube-user create exec (open)", auditId: "ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6", stage: "ResponseStarted", userAgent: null,
    details: { user: "minikube-user", requestURI: "/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec?command=bash&container=nginx1&container=nginx1&stdin=true&stdout=true&tty=true", session: "open" },
    diff: null, snapshot: null, noop: false,
  };

  it("says the session is open rather than how long it took, and keeps the session out of 'Also recorded'", () => {
    const html = panel(exec);
    expect(field(html, "Time")).toBe("2018-10-26 13:38:34.867000 UTC · open: in progress, no end recorded yet");
    expect(textOf(html)).toContain("minikube-user create exec (open)");
    expect(textOf(html)).not.toContain("took");
    expect(html).not.toContain('"session"');
    const closed = panel({ ...exec, stage: "ResponseComplete", title: "minikube-user create exec", end: micros("2018-10-26T14:05:12.250Z"), details: { ...exec.details, session: "closed" } });
    expect(field(closed, "Time")).toMatch(/ · took 26 min 3\d s$/);
  });
});

/**
 * The side panel of what a watch observed: the entries a watch of the OpenShift Deployment would
 * have stored (server/testing/scenarios/watchedCascade.ts, from the rollout's real bodies), and an
 * audit entry that shows its watch twin's diff (server/query/trace/watchTwins.ts).
 */
describe("the side panel of a watch entry", () => {
  const rows = watchRowsOf(versionsOf(openshiftCascade(), "deployments", "apiserver"));
  const deployment: TraceObject = { ...pod, id: 1, apiGroup: "apps", resource: "deployments", kind: "Deployment", name: "apiserver", uid: CASCADE.deployment.uid };
  function watchEntry(row: WatchRow, details: JsonObject = row.details): TraceEntry {
    const at = (row.startTime.getTime() * 1000) as EpochMicros;
    return { id: 31, objectId: 1, source: "watch", start: at, end: at, actor: row.actor, verb: row.verb, subresource: "", statusCode: null, title: row.title, auditId: null, stage: null, userAgent: null, details, diff: row.diff, snapshot: row.snapshot, noop: false };
  }
  const render = (entry: TraceEntry, loaded = true) =>
    renderToStaticMarkup(createElement(EntryPanel, { summary: timelineEntryOf(entry), details: loaded ? entryDetailsOf(entry, deployment) : undefined, error: null, row: undefined, currentObjectId: 1, onClose: () => {} }));

  it("says a watch observed it, what it reported, who wrote it and when, on which subresource, the versions and the changes; nothing of a request", () => {
    const html = render(watchEntry(rows[1]!));
    expect(html).toMatch(/<span class="[^"]*pill-update[^"]*">update<\/span>observed by a watch/);
    expect(field(html, "Observed")).toBe("2021-09-13 14:53:17.500000 UTC");
    expect(field(html, "Watch event")).toBe("updated · MODIFIED");
    expect(field(html, "Manager")).toBe("kube-controller-manager wrote it at 2021-09-13 14:53:16.000000 UTC");
    expect(field(html, "Subresource")).toBe("status");
    expect(field(html, "resourceVersion")).toBe("9101 → 9109");
    expect(textOf(html)).toContain('metadata.annotations["deployment.kubernetes.io/revision"] "3" -> "1"');
    for (const audit of ["User agent", "Response", "Audit ID", "Also recorded"]) expect(textOf(html), audit).not.toContain(audit);
  });

  it("shows the snapshot of a version first seen, and says why there is no diff", () => {
    const html = render(watchEntry(rows[0]!));
    expect(html).toMatch(/<span class="[^"]*pill-create[^"]*">create<\/span>observed by a watch/);
    expect(field(html, "Watch event")).toBe("created · ADDED");
    expect(field(html, "Manager")).toBe("cluster-openshift-apiserver-operator wrote it at 2021-09-13 14:53:16.000000 UTC");
    expect(field(html, "resourceVersion")).toBe("(first seen) → 9101");
    expect(field(html, "Subresource")).toBeNull();
    expect(textOf(html)).toContain("Created: see the snapshot.");
    expect(textOf(html)).toContain("Snapshot of the object");
    expect(html).toMatch(/aria-label="Snapshot">\{\n {2}&quot;apiVersion&quot;: &quot;apps\/v1&quot;/);
  });

  it("names a deletion the watch missed, with no manager to tell", () => {
    const gone = { ...watchEntry({ ...rows.at(-1)!, verb: "delete", title: "watched: gone (deleted while not watched)", diff: null, snapshot: rows.at(-1)!.snapshot }, { watchEvent: "GONE", resourceVersionAfter: "9162" }), actor: "watch" };
    const html = render(gone);
    expect(field(html, "Watch event")).toBe("gone (deleted while not watched) · GONE");
    expect(field(html, "Managers")).toBe("none recorded");
    expect(textOf(html)).toContain("Deleted while not watched.");
  });

  it("shows the lane's watch event, managers and subresource while the whole entry loads", () => {
    const html = render(watchEntry(rows[1]!), false);
    expect(field(html, "Watch event")).toBe("updated · MODIFIED");
    expect(field(html, "Manager")).toBe("kube-controller-manager");
    expect(field(html, "Subresource")).toBe("status");
    expect(field(html, "resourceVersion")).toBeNull();
  });

  it("says when an audit entry's changes are those its watch twin saw", () => {
    const audit: TraceEntry = {
      ...watchEntry(rows[1]!),
      source: "audit",
      actor: "system:serviceaccount:kube-system:deployment-controller",
      subresource: "status",
      statusCode: 200,
      auditId: "c45ca4de-0000-4000-8000-000000000006",
      userAgent: "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
      title: "system:serviceaccount:kube-system:deployment-controller update status",
      details: { user: "system:serviceaccount:kube-system:deployment-controller", level: "RequestResponse", resourceVersionAfter: "9109", diffFrom: "watch", diffFromEntryId: 31 },
    };
    const html = render(audit);
    expect(textOf(html)).toContain("As a watch saw the same write (resourceVersion 9109): audit had no earlier version to compare with.");
    expect(field(html, "User agent")).toBe("kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9");
    expect(field(html, "Watch event")).toBeNull();
    expect(textOf(html)).not.toContain("Also recorded");
  });
});
