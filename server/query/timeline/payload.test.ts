import { describe, expect, it } from "vitest";
import type { AssembledTrace, TraceEntry, TraceNode, TraceObject } from "../trace/assembled";
import type { EpochMicros } from "../trace/types";
import { FIRST_STORABLE_MICROS, instantMicros } from "../../model/time/instant";
import { loadFalcoTraceEvent } from "../../testing/fixtures";
import { CASCADE, openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { versionsOf, watchRowsOf, type WatchRow } from "../../testing/scenarios/watchedCascade";
import { mustGatherEvent } from "../../testing/mustGatherEvents";
import { observeKubernetesEvent } from "../../ingest/events/observeEvent";
import type { JsonObject } from "../../ingest/audit/types";
import { convertAuditEvent } from "../../ingest/audit/convert";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "../../ingest/audit/defaults";
import { parseAuditEvent } from "../../ingest/audit/eventSchema";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../../model/redact/redact";
import { buildTimeline, entryDetailsOf, execCommandOf, LIST_DIFF_LINES, lifetimeRange, markKindOf, MAX_TIMELINE_ROWS, timelineEntryOf, type TimelineRange } from "./payload";

/**
 * The object page's payload from an assembled trace, built by hand here with the names, uids,
 * users and times of the OpenShift rollout (server/testing/scenarios/openshiftCascade.ts, from
 * the real must-gather capture): the Deployment apiserver, a ReplicaSet, a Pod on a master Node.
 * The integration test (server/trpc/routers/objects.integration-test.ts) gets the same shapes
 * from the scenario posted to the webhook.
 */

const us = (iso: string) => (Date.parse(iso) * 1000) as EpochMicros;
const at = (clock: string) => us(`2021-09-13T${clock}Z`);

function object(id: number, resource: string, kind: string, name: string, uid: string, firstSeen: string, deletedAt: string | null): TraceObject {
  return {
    id,
    cluster: "openshift",
    apiGroup: resource === "pods" || resource === "nodes" ? "" : "apps",
    apiVersion: "v1",
    resource,
    kind,
    namespace: resource === "nodes" ? "" : CASCADE.namespace,
    name,
    uid,
    firstSeen: at(firstSeen),
    lastSeen: deletedAt ? at(deletedAt) : at(firstSeen),
    deletedAt: deletedAt ? at(deletedAt) : null,
  };
}

let nextEntryId = 100;
function entry(objectId: number, clock: string, fields: Partial<TraceEntry> & Pick<TraceEntry, "verb" | "title">): TraceEntry {
  return {
    id: nextEntryId++,
    objectId,
    source: "audit",
    start: at(clock),
    end: (at(clock) + 7000) as EpochMicros,
    actor: "kube:admin",
    subresource: "",
    statusCode: 200,
    auditId: `c45ca4de-0000-4000-8000-${String(nextEntryId).padStart(12, "0")}`,
    stage: "ResponseComplete",
    userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
    details: { user: "kube:admin", groups: ["system:cluster-admins", "system:authenticated"], sourceIPs: ["10.0.0.5"], annotations: { "authorization.k8s.io/decision": "allow" }, level: "RequestResponse" },
    diff: null,
    snapshot: null,
    noop: false,
    ...fields,
  };
}

const deployment = object(1, "deployments", "Deployment", CASCADE.deployment.name, CASCADE.deployment.uid, "14:53:16.000", "15:20:00.000");
const replicaSet = object(2, "replicasets", "ReplicaSet", CASCADE.replicaSets.rev3.name, CASCADE.replicaSets.rev3.uid, "14:57:19.900", "15:20:00.240");
const pod = object(3, "pods", "Pod", "apiserver-5d887d5fcd-qnvqh", "59f78c54-17f0-4910-9c80-ec2484886076", "14:57:20.050", "15:20:31.000");
const node = object(9, "nodes", "Node", CASCADE.nodes.master1.name, CASCADE.nodes.master1.uid, "10:00:00.000", null);

const snapshot = { kind: "Deployment", metadata: { name: "apiserver", uid: CASCADE.deployment.uid } };
const ENTRIES = {
  create: entry(1, "14:53:16.000", { verb: "create", title: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator create", statusCode: 201, snapshot }),
  scale: entry(1, "14:55:16.000", { verb: "patch", title: "kube:admin patch", diff: [{ path: "spec.replicas", old: 3, new: 5 }, { path: "metadata.generation", old: 1, new: 2 }] }),
  conflict: entry(1, "15:00:16.000", {
    verb: "update",
    title: "kube:admin update (Conflict)",
    statusCode: 409,
    details: {
      user: "kube:admin",
      failure: {
        status: "Failure",
        reason: "Conflict",
        message: 'Operation cannot be fulfilled on deployments.apps "apiserver": the object has been modified; please apply your changes to the latest version and try again',
        causes: [{ field: "metadata.resourceVersion", reason: "FieldValueInvalid", message: "stale" }],
      },
    },
  }),
  noop: entry(1, "15:01:16.000", { verb: "update", title: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator update", noop: true }),
  impersonated: entry(1, "15:02:16.000", {
    verb: "update",
    title: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator update",
    actor: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator",
    details: { user: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator", impersonatedBy: { username: "kube:admin", groups: ["system:cluster-admins"] }, dryRun: true },
  }),
  delete: entry(1, "15:20:00.000", { verb: "delete", title: "kube:admin delete", snapshot }),
  rsStatus: entry(2, "14:57:20.060", { verb: "update", subresource: "status", title: "system:serviceaccount:kube-system:replicaset-controller update status", diff: [{ path: "status.replicas", old: 0, new: 1 }] }),
  binding: entry(3, "14:58:37.005", { verb: "create", subresource: "binding", title: "system:kube-scheduler create binding", actor: "system:kube-scheduler", statusCode: 201 }),
  eviction: entry(3, "15:19:00.000", { verb: "create", subresource: "eviction", title: "kube:admin create eviction", statusCode: 201 }),
  event: entry(3, "15:19:30.000", { source: "event", verb: "event", title: "Killing", statusCode: null, details: { reason: "Killing", message: "Stopping container openshift-apiserver", count: 1, type: "Normal" } }),
};

function node_(object: TraceObject, parentId: number | null, relation: string | null, level: number, entries: TraceEntry[], related: TraceNode["related"] = []): TraceNode {
  return { object, parentId, relation, level, entries, related, relatedTruncated: false };
}

function trace(nodes: TraceNode[], queriedObjectId = 1): AssembledTrace {
  return {
    query: { rootObjectId: queriedObjectId, relationMode: "full", displayMode: "tracing", depth: 3, startSeconds: Date.parse("2021-09-13T14:50:00Z") / 1000, endSeconds: Date.parse("2021-09-13T15:30:00Z") / 1000 },
    queriedObjectId,
    nodes,
    start: at("14:50:00"),
    end: at("15:30:00"),
  };
}

const RANGE: TimelineRange = { startMicros: at("14:50:00"), endMicros: at("15:30:00"), fromLifetime: false };
const CASCADE_TREE = () =>
  trace([
    node_(deployment, null, null, 0, [ENTRIES.create, ENTRIES.scale, ENTRIES.conflict, ENTRIES.noop, ENTRIES.impersonated, ENTRIES.delete]),
    node_(replicaSet, 1, "controller-owner", 1, [ENTRIES.rsStatus]),
    node_(pod, 2, "controller-owner", 2, [ENTRIES.binding, ENTRIES.eviction, ENTRIES.event], [{ kind: "node", hierarchical: false, role: "parent", object: node }]),
  ]);

describe("buildTimeline", () => {
  it("lists the objects in tree order, indented by their depth in the tree, with their relation and lifetime", () => {
    const timeline = buildTimeline(CASCADE_TREE(), RANGE, 1);
    expect(timeline.rows.map((row) => [row.depth, `${row.object.kind} ${row.object.namespace}/${row.object.name}`, row.relation, row.parentId, row.queried])).toEqual([
      [0, "Deployment openshift-apiserver/apiserver", null, null, true],
      [1, `ReplicaSet openshift-apiserver/${CASCADE.replicaSets.rev3.name}`, "controller-owner", 1, false],
      [2, "Pod openshift-apiserver/apiserver-5d887d5fcd-qnvqh", "controller-owner", 2, false],
    ]);
    expect(timeline.rows[2]!.lifetime).toEqual({ firstSeenMicros: at("14:57:20.050"), lastSeenMicros: at("15:20:31.000"), deletedAtMicros: at("15:20:31.000") });
    expect(timeline).toMatchObject({ objectId: 1, requestedId: 1, relations: "full", depth: 3, range: RANGE, omittedRows: 0 });
  });

  it("starts the indentation at the topmost object when the page is about a descendant", () => {
    // Ancestors mode from the Pod: levels -2, -1, 0; depths 0, 1, 2.
    const timeline = buildTimeline(trace([node_(deployment, null, null, -2, []), node_(replicaSet, 1, "controller-owner", -1, []), node_(pod, 2, "controller-owner", 0, [])], 3), RANGE, 3);
    expect(timeline.rows.map((row) => [row.depth, row.queried])).toEqual([
      [0, false],
      [1, false],
      [2, true],
    ]);
  });

  it("says which object an alias named: the one asked for and the one it went to", () => {
    expect(buildTimeline(CASCADE_TREE(), RANGE, 77)).toMatchObject({ objectId: 1, requestedId: 77 });
  });

  it("lists the related objects of a row, such as a Pod's Node", () => {
    const [, , podRow] = buildTimeline(CASCADE_TREE(), RANGE, 1).rows;
    expect(podRow!.related).toEqual([{ relation: "node", role: "parent", object: expect.objectContaining({ id: 9, kind: "Node", namespace: "", name: CASCADE.nodes.master1.name }) }]);
  });

  it("cuts the rows at MAX_TIMELINE_ROWS and says how many it left out", () => {
    // Pods the scheduler bound in the range.
    const pods = Array.from({ length: MAX_TIMELINE_ROWS + 5 }, (_, i) => node_({ ...pod, id: 1000 + i, name: `pod-${i}` }, 2, "controller-owner", 2, [{ ...ENTRIES.binding, id: 5000 + i, objectId: 1000 + i }]));
    const timeline = buildTimeline(trace([node_(deployment, null, null, 0, []), node_(replicaSet, 1, "controller-owner", 1, []), ...pods]), RANGE, 1);
    expect(timeline.rows).toHaveLength(MAX_TIMELINE_ROWS);
    expect(timeline.omittedRows).toBe(7);
  });

  it("keeps only the entries that overlap a range given to the microsecond, and the objects below the page's with any", () => {
    // The trace is assembled over whole seconds: 14:58:37 to 14:58:38 holds the Pod's binding (14:58:37.005 for 7 ms).
    const second = trace([
      node_(deployment, null, null, 0, []),
      node_(replicaSet, 1, "controller-owner", 1, []),
      node_(pod, 2, "controller-owner", 2, [ENTRIES.binding]),
    ]);
    const outline = (range: TimelineRange) => buildTimeline(second, range, 1).rows.map((row) => `${row.object.kind} ${row.entries.length}`);
    expect(outline({ startMicros: at("14:58:37.000"), endMicros: at("14:58:38.000"), fromLifetime: false })).toEqual(["Deployment 0", "ReplicaSet 0", "Pod 1"]);
    // Began before the range and still running at its start: in it.
    expect(outline({ startMicros: at("14:58:37.010"), endMicros: at("14:58:37.020"), fromLifetime: false })).toEqual(["Deployment 0", "ReplicaSet 0", "Pod 1"]);
    // Ended before it, or began at its end: not.
    expect(outline({ startMicros: at("14:58:37.013"), endMicros: at("14:58:38.000"), fromLifetime: false })).toEqual(["Deployment 0"]);
    expect(outline({ startMicros: at("14:58:37.000"), endMicros: at("14:58:37.005"), fromLifetime: false })).toEqual(["Deployment 0"]);
    // The page's object and its ancestors stay, entries or not.
    const fromPod = trace([node_(deployment, null, null, -2, []), node_(replicaSet, 1, "controller-owner", -1, []), node_(pod, 2, "controller-owner", 0, [ENTRIES.binding])], 3);
    expect(buildTimeline(fromPod, { startMicros: at("14:58:37.013"), endMicros: at("14:58:38.000"), fromLifetime: false }, 3).rows.map((row) => row.entries.length)).toEqual([0, 0, 0]);
  });

  it("keeps the snapshot out of the list: only whether there is one", () => {
    const timeline = buildTimeline(CASCADE_TREE(), RANGE, 1);
    const create = timeline.rows[0]!.entries[0]!;
    expect(create.hasSnapshot).toBe(true);
    expect(create).not.toHaveProperty("snapshot");
    // The snapshot's body is the only `metadata` the trace holds.
    expect(JSON.stringify(CASCADE_TREE())).toContain('"metadata":{');
    expect(JSON.stringify(timeline)).not.toContain('"metadata":{');
    expect(timeline.rows[0]!.entries[1]!.hasSnapshot).toBe(false);
  });
});

describe("timelineEntryOf", () => {
  it("gives each entry the mark of what it did: created, patched, updated, deleted, failed, changed nothing", () => {
    const marks = Object.fromEntries(Object.entries(ENTRIES).map(([name, e]) => [name, timelineEntryOf(e).mark]));
    expect(marks).toEqual({
      create: "create",
      scale: "patch",
      conflict: "failed",
      noop: "noop",
      // A dry run changed nothing either.
      impersonated: "noop",
      delete: "delete",
      rsStatus: "update",
      // The scheduler's binding writes to a Pod that exists; an eviction deletes it.
      binding: "update",
      eviction: "delete",
      event: "event",
    });
  });

  it("marks a failure the apiserver answered with a success code as failed (a failed Status in the details)", () => {
    const refused = entry(3, "15:19:10.000", { verb: "create", subresource: "eviction", title: "kube:admin create eviction", statusCode: 201, details: { failure: { status: "Failure", reason: "TooManyRequests", message: "Cannot evict pod as it would violate the pod's disruption budget." } } });
    expect(markKindOf(refused)).toBe("failed");
    expect(timelineEntryOf(refused).failure).toEqual({ status: "Failure", reason: "TooManyRequests", message: "Cannot evict pod as it would violate the pod's disruption budget.", causes: [] });
  });

  it("carries the diff as lines, the failure's reason and message, the impersonator and the user agent", () => {
    expect(timelineEntryOf(ENTRIES.scale)).toMatchObject({ diff: ["spec.replicas 3 -> 5", "metadata.generation 1 -> 2"], diffLineCount: 2, failure: null, impersonator: null, statusCode: 200 });
    expect(timelineEntryOf(ENTRIES.conflict)).toMatchObject({
      statusCode: 409,
      failure: { status: "Failure", reason: "Conflict", message: expect.stringContaining("the object has been modified"), causes: ["metadata.resourceVersion: FieldValueInvalid: stale"] },
    });
    expect(timelineEntryOf(ENTRIES.impersonated)).toMatchObject({ actor: "system:serviceaccount:openshift-apiserver-operator:openshift-apiserver-operator", impersonator: "kube:admin", userAgent: "kubectl/v1.21.1 (linux/amd64) kubernetes/a4ab7a9" });
  });

  it("cuts a long diff at LIST_DIFF_LINES and counts the whole", () => {
    const many = entry(1, "15:03:00.000", { verb: "update", title: "kube:admin update", diff: Array.from({ length: LIST_DIFF_LINES + 3 }, (_, i) => ({ path: `metadata.labels.l${i}`, new: "x" })) });
    const listed = timelineEntryOf(many);
    expect(listed.diff).toHaveLength(LIST_DIFF_LINES);
    expect(listed.diff[0]).toBe("metadata.labels.l0 (added) x");
    expect(listed.diffLineCount).toBe(LIST_DIFF_LINES + 3);
    expect(entryDetailsOf(many, deployment).diff).toHaveLength(LIST_DIFF_LINES + 3);
  });
});

/**
 * A kubectl exec or attach as the history holds it: the real falco events exec_pod.json and
 * attach_pod.json (shared/fixtures/real/falco-k8s-audit-traces), at the stage ingest keeps
 * (ResponseComplete: convert.test.ts), with their verb, subresource, code 101, user and URI.
 */
function connectEntry(file: string, fields: Partial<TraceEntry> = {}): TraceEntry {
  const raw = loadFalcoTraceEvent(file) as { auditID: string; requestURI: string; objectRef: { subresource: string }; user: { username: string; groups: string[] }; sourceIPs: string[]; annotations: Record<string, string> };
  const subresource = raw.objectRef.subresource;
  return entry(3, "15:10:00.000", {
    verb: "create",
    subresource,
    title: `${raw.user.username} create ${subresource}`,
    actor: raw.user.username,
    statusCode: 101,
    auditId: raw.auditID,
    userAgent: null,
    details: { user: raw.user.username, groups: raw.user.groups, sourceIPs: raw.sourceIPs, requestURI: raw.requestURI, annotations: raw.annotations, level: "Request" },
    ...fields,
  });
}

describe("connect requests (exec, attach, port-forward, proxy)", () => {
  it("marks an exec or an attach as a session opened through the Pod, not an update of it", () => {
    expect(timelineEntryOf(connectEntry("exec_pod.json"))).toMatchObject({ mark: "connect", verb: "create", subresource: "exec", statusCode: 101 });
    expect(timelineEntryOf(connectEntry("attach_pod.json"))).toMatchObject({ mark: "connect", subresource: "attach" });
    // Derived: kubectl port-forward, and a DELETE through a Node's proxy, which deletes nothing.
    expect(markKindOf(connectEntry("exec_pod.json", { subresource: "portforward" }))).toBe("connect");
    expect(markKindOf(connectEntry("exec_pod.json", { verb: "delete", subresource: "proxy" }))).toBe("connect");
  });

  it("still marks a refused exec as failed", () => {
    const refused = connectEntry("exec_pod.json", { statusCode: 403, details: { failure: { status: "Failure", reason: "Forbidden", message: 'pods "nginx-deployment-7998647bdf-phvq7" is forbidden' } } });
    expect(markKindOf(refused)).toBe("failed");
  });

  it("gives the panel an exec's command from its request URI, and none for an attach", () => {
    expect(entryDetailsOf(connectEntry("exec_pod.json"), pod).request).toMatchObject({
      requestUri: "/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec?command=bash&container=nginx1&container=nginx1&stdin=true&stdout=true&tty=true",
      command: ["bash"],
    });
    expect(entryDetailsOf(connectEntry("attach_pod.json"), pod).request.command).toEqual([]);
    expect(entryDetailsOf(ENTRIES.binding, pod).request.command).toEqual([]);
  });

  it("reads every command parameter, decoded, in order", () => {
    // kubectl exec … -- sh -c 'echo "$HOME" > /tmp/x' (client-go encodes a space as +).
    expect(execCommandOf("/api/v1/namespaces/default/pods/p/exec?command=sh&container=c&command=-c&command=echo+%22%24HOME%22+%3E+%2Ftmp%2Fx&stdout=true")).toEqual(["sh", "-c", 'echo "$HOME" > /tmp/x']);
    expect(execCommandOf("/api/v1/namespaces/default/pods/p/exec")).toEqual([]);
    expect(execCommandOf(null)).toEqual([]);
    // A malformed escape stays as it came rather than failing the page.
    expect(execCommandOf("/api/v1/namespaces/default/pods/p/exec?command=100%")).toEqual(["100%"]);
  });
});

describe("an exec session while it is open", () => {
  /** The real exec of exec_pod.json as ingest stores it when only its ResponseStarted was logged (as it was), or once closed. */
  function session(state: "open" | "closed", fields: Partial<TraceEntry> = {}): TraceEntry {
    const base = connectEntry("exec_pod.json");
    const title = state === "open" ? `${base.title} (open)` : base.title;
    return { ...base, stage: state === "open" ? "ResponseStarted" : "ResponseComplete", title, details: { ...base.details, session: state }, ...fields };
  }
  const timelineOf = (e: TraceEntry, nowMicros: number) => buildTimeline(trace([node_(pod, null, null, 0, [e])], pod.id), RANGE, pod.id, nowMicros).rows[0]!.entries;
  const LATER = us("2026-12-07T12:00:00Z");

  it("runs to the range's end, its end not being known, and says it is open", () => {
    const open = session("open");
    expect(timelineOf(open, LATER)).toMatchObject([{ mark: "connect", session: "open", title: "minikube-user create exec (open)", startMicros: open.start, endMicros: RANGE.endMicros }]);
  });

  it("runs to now when the range ends later", () => {
    expect(timelineOf(session("open"), at("15:20:00"))[0]!.endMicros).toBe(at("15:20:00"));
  });

  it("keeps a closed session's recorded end, and gives other entries no session", () => {
    expect(timelineOf(session("closed", { end: at("15:15:00") }), LATER)).toMatchObject([{ session: "closed", endMicros: at("15:15:00") }]);
    expect(timelineEntryOf(ENTRIES.binding).session).toBeNull();
    // The panel's entry, which has no range, ends where it is stored.
    expect(timelineEntryOf(session("open"))).toMatchObject({ session: "open", endMicros: session("open").end });
  });
});

describe("an exec's secrets", () => {
  /**
   * The real exec of exec_pod.json at its closing stage, its command changed from `bash` to what
   * someone would type to look into a database, with a password in it (the credential is ours):
   * kubectl exec … -- sh -c 'mysql -uroot -pS3cretPw -e "show databases"'.
   */
  const EXEC_WITH_PASSWORD_URI =
    "/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec?command=sh&command=-c&command=mysql+-uroot+-pS3cretPw+-e+%22show+databases%22&container=nginx1&stdin=true&stdout=true&tty=true";

  it("are neither stored nor shown: convertAuditEvent keeps the URI redacted, and the panel shows the command without them", () => {
    const raw = structuredClone(loadFalcoTraceEvent("exec_pod.json")) as Record<string, any>;
    raw.stage = "ResponseComplete";
    raw.requestURI = EXEC_WITH_PASSWORD_URI;
    const parsed = parseAuditEvent(raw);
    if (!parsed.ok) throw new Error(parsed.error);
    const converted = convertAuditEvent(parsed.event, {
      skipResources: DEFAULT_SKIP_RESOURCES,
      skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
      sensitive: DEFAULT_SENSITIVE_RULES,
      fingerprint: hmacFingerprint("test-key-of-sixteen-chars"),
    });
    if (converted.kind !== "write") throw new Error(`expected a write, got ${converted.kind}`);
    expect(JSON.stringify(converted)).not.toContain("S3cretPw");
    expect(converted.details.requestURI).toBe(
      "/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec?command=sh&command=-c&command=mysql+-uroot+-p%3Credacted%3E+-e+%22show+databases%22&container=nginx1&stdin=true&stdout=true&tty=true",
    );
    const shown = entryDetailsOf(connectEntry("exec_pod.json", { details: converted.details as unknown as JsonObject }), pod);
    expect(shown.request.command).toEqual(["sh", "-c", `mysql -uroot -p<redacted> -e "show databases"`]);
    expect(JSON.stringify(shown)).not.toContain("S3cretPw");
  });

  it("of an entry stored before redaction reached request URIs are not shown either", () => {
    const stored = connectEntry("exec_pod.json");
    const before = { ...stored, details: { ...stored.details, requestURI: EXEC_WITH_PASSWORD_URI } };
    const shown = entryDetailsOf(before, pod);
    expect(shown.request.command).toEqual(["sh", "-c", `mysql -uroot -p<redacted> -e "show databases"`]);
    expect(shown.request.requestUri).toContain("-p%3Credacted%3E");
    expect(JSON.stringify(shown)).not.toContain("S3cretPw");
  });
});

describe("entryDetailsOf", () => {
  it("gives the side panel the snapshot, the annotations and the request's envelope", () => {
    const details = entryDetailsOf(ENTRIES.delete, deployment);
    expect(details).toMatchObject({
      id: ENTRIES.delete.id,
      mark: "delete",
      object: { id: 1, kind: "Deployment", name: "apiserver" },
      snapshot,
      annotations: { "authorization.k8s.io/decision": "allow" },
      request: { auditId: ENTRIES.delete.auditId, stage: "ResponseComplete", level: "RequestResponse", sourceIps: ["10.0.0.5"], groups: ["system:cluster-admins", "system:authenticated"], dryRun: false },
      other: {},
    });
  });

  it("keeps what a source recorded beyond the fields it names", () => {
    const event = { ...ENTRIES.event, details: { ...ENTRIES.event.details, clusterName: "azure" } };
    expect(entryDetailsOf(event, pod).other).toEqual({ clusterName: "azure" });
    expect(entryDetailsOf({ ...ENTRIES.scale, details: { ...ENTRIES.scale.details, fieldManager: "kubectl-edit" } }, deployment).other).toEqual({ fieldManager: "kubectl-edit" });
    expect(entryDetailsOf(ENTRIES.impersonated, deployment).request).toMatchObject({ impersonatorGroups: ["system:cluster-admins"], dryRun: true });
  });
});

/**
 * Kubernetes Events as the history holds them: real Events of the must-gather's
 * openshift-apiserver namespace (shared/fixtures/real/openshift-must-gather-azure) through the
 * same conversion the watcher and the endpoint use (observeKubernetesEvent).
 */
function eventEntry(name: string, change: (event: JsonObject) => void = () => {}): TraceEntry {
  const raw = mustGatherEvent(name);
  change(raw);
  const observed = observeKubernetesEvent(raw);
  if (!observed.ok) throw new Error(observed.problem);
  const e = observed.entry;
  return entry(3, "15:00:00.000", {
    source: "event",
    start: (e.startTime.getTime() * 1000) as EpochMicros,
    end: (e.endTime.getTime() * 1000) as EpochMicros,
    verb: e.verb,
    title: e.title,
    actor: e.actor,
    statusCode: null,
    auditId: null,
    stage: null,
    userAgent: null,
    details: e.details,
  });
}
/** The scheduler's (events.k8s.io recorder): a Warning with action, instance, eventTime and a series. */
const FAILED_SCHEDULING = "apiserver-5d887d5fcd-mrn5h.16a469a9bec77322";
/** The kubelet's (core recorder): a Warning seen 3 times, with host, field path and a two-line message. */
const PROBE_ERROR = "apiserver-85b76d5494-c6q5q.16a469bf8be0e029";
/** The kubelet's Normal Killing, seen once. */
const KILLING = "apiserver-85b76d5494-c6q5q.16a469bca7443dce";

describe("Kubernetes Events", () => {
  it("gives an Event's mark its reason, type and count, and every other entry none", () => {
    expect(timelineEntryOf(eventEntry(FAILED_SCHEDULING))).toMatchObject({ mark: "event", event: { reason: "FailedScheduling", type: "Warning", count: 1 } });
    expect(timelineEntryOf(eventEntry(PROBE_ERROR)).event).toEqual({ reason: "ProbeError", type: "Warning", count: 3 });
    expect(timelineEntryOf(eventEntry(KILLING)).event).toEqual({ reason: "Killing", type: "Normal", count: 1 });
    for (const audit of [ENTRIES.create, ENTRIES.conflict, ENTRIES.binding]) expect(timelineEntryOf(audit).event).toBeNull();
  });

  it("gives the panel every field of the scheduler's Event, and nothing of them twice under 'Also recorded'", () => {
    const details = entryDetailsOf(eventEntry(FAILED_SCHEDULING), pod);
    expect(details.event).toEqual({
      reason: "FailedScheduling",
      type: "Warning",
      count: 1,
      message: expect.stringMatching(/^0\/6 nodes are available: 1 node\(s\) had taint/),
      messageCutFromBytes: null,
      action: "Scheduling",
      reportedBy: "default-scheduler",
      reportingInstance: "default-scheduler-ci-ln-k7vx6h2-002ac-w7gjh-master-0",
      host: null,
      fieldPath: null,
      // Its eventTime: the first occurrence, as the newer recorder writes it; the series its repeat.
      firstMicros: instantMicros("2021-09-13T14:59:02.786069Z"),
      series: { count: 1, lastObservedMicros: instantMicros("2021-09-13T14:59:11.708284Z") },
      related: null,
      eventObject: { namespace: CASCADE.namespace, name: FAILED_SCHEDULING, uid: expect.any(String) },
    });
    expect(details.other).toEqual({});
    // Nothing of an audit event to show.
    expect(details.request).toMatchObject({ auditId: null, requestUri: null, groups: [], sourceIps: [] });
  });

  it("reads the kubelet's Event: its host, the container it is about, a message with its line break, seen 3 times since its first", () => {
    expect(entryDetailsOf(eventEntry(PROBE_ERROR), pod).event).toMatchObject({
      reason: "ProbeError",
      count: 3,
      message: 'Readiness probe error: Get "https://10.128.0.25:8443/healthz": dial tcp 10.128.0.25:8443: connect: connection refused\nbody: \n',
      reportedBy: "kubelet",
      reportingInstance: null,
      host: CASCADE.nodes.master2.name,
      fieldPath: "spec.containers{openshift-apiserver}",
      firstMicros: us("2021-09-13T15:00:36Z"),
      series: null,
    });
  });

  it("names the related object, and says how long a message was that was cut", () => {
    // Derived: the recorded Event with a related Node, as the events API lets a reporter name one, and a message past 8 KiB.
    const long = "x".repeat(10_000);
    const details = entryDetailsOf(
      eventEntry(KILLING, (event) => {
        event.related = { apiVersion: "v1", kind: "Node", name: CASCADE.nodes.master2.name, uid: CASCADE.nodes.master2.uid };
        event.message = long;
      }),
      pod,
    ).event!;
    expect(details.related).toEqual({ kind: "Node", apiVersion: "v1", namespace: null, name: CASCADE.nodes.master2.name, uid: CASCADE.nodes.master2.uid });
    expect(details.message).toHaveLength(8 * 1024);
    expect(details.messageCutFromBytes).toBe(10_000);
  });

  it("reads details another source wrote with missing or mistyped fields as absent, and a count below 1 as once", () => {
    const odd = { ...ENTRIES.event, details: { reason: 7, type: "", count: 0, series: "no", related: {}, event: null, firstTimestamp: "yesterday" } };
    expect(entryDetailsOf(odd as unknown as TraceEntry, pod).event).toMatchObject({ reason: null, type: null, count: 1, series: null, related: null, firstMicros: null, eventObject: { namespace: null, name: null, uid: null } });
  });
});

/**
 * Watch entries as the store keeps them: those a watch of the Deployment would have stored
 * (server/testing/scenarios/watchedCascade.ts, from the rollout's real bodies); the subresource
 * in the details only, as the store has it.
 */
const WATCH_ROWS = watchRowsOf(versionsOf(openshiftCascade(), "deployments", "apiserver"));
function watchEntry(row: WatchRow, details: JsonObject = row.details, diff = row.diff, verb = row.verb): TraceEntry {
  const start = (row.startTime.getTime() * 1000) as EpochMicros;
  return entry(1, "15:00:00.000", { source: "watch", start, end: start, actor: row.actor, verb, title: row.title, statusCode: null, auditId: null, stage: null, userAgent: null, details, diff, snapshot: row.snapshot });
}

describe("watch entries", () => {
  const [added, status] = [watchEntry(WATCH_ROWS[0]!), watchEntry(WATCH_ROWS[1]!)];

  it("give a watch entry's mark what the watch reported, its managers and subresource, and every other entry none", () => {
    expect(timelineEntryOf(status)).toMatchObject({
      source: "watch",
      mark: "update",
      title: "kube-controller-manager update status (watched)",
      watch: { event: "MODIFIED", managers: ["kube-controller-manager"], subresource: "status" },
      event: null,
      diffFrom: null,
      statusCode: null,
      failure: null,
    });
    expect(timelineEntryOf(status).diff).toContain('metadata.annotations["deployment.kubernetes.io/revision"] "3" -> "1"');
    expect(timelineEntryOf(added)).toMatchObject({ mark: "create", hasSnapshot: true, watch: { event: "ADDED", managers: ["cluster-openshift-apiserver-operator"], subresource: null } });
    expect(timelineEntryOf(ENTRIES.create).watch).toBeNull();
    expect(timelineEntryOf(eventEntry(KILLING)).watch).toBeNull();
  });

  it("marks a listed object as a change only when it differs from what the watch saw before; a deletion as a delete", () => {
    const listed = (diff: WatchRow["diff"]) => watchEntry(WATCH_ROWS[2]!, { watchEvent: "LISTED", resourceVersionAfter: "9119" }, diff, "observed");
    expect(markKindOf(listed(null))).toBe("noop");
    expect(markKindOf(listed(WATCH_ROWS[2]!.diff))).toBe("update");
    const gone = watchEntry(WATCH_ROWS.at(-1)!, { watchEvent: "GONE", resourceVersionAfter: "9162" }, null, "delete");
    expect(timelineEntryOf(gone)).toMatchObject({ mark: "delete", watch: { event: "GONE", managers: [], subresource: null } });
  });

  it("gives the panel the versions, when the managers wrote it, and nothing of it twice under 'Also recorded'", () => {
    const details = entryDetailsOf({ ...status, details: { ...status.details, reflector: "apps/v1 deployments" } }, deployment);
    expect(details.watch).toEqual({
      event: "MODIFIED",
      managers: ["kube-controller-manager"],
      subresource: "status",
      managedAtMicros: us("2021-09-13T14:53:16Z"),
      resourceVersionBefore: "9101",
      resourceVersionAfter: "9109",
    });
    expect(details.request).toMatchObject({ auditId: null, resourceVersionBefore: "9101", resourceVersionAfter: "9109", diffFromEntryId: null });
    expect(details.other).toEqual({ reflector: "apps/v1 deployments" });
    expect(details.event).toBeNull();
    expect(entryDetailsOf(ENTRIES.create, deployment).watch).toBeNull();
  });

  it("reads details with a mistyped or unknown field as absent", () => {
    expect(timelineEntryOf(watchEntry(WATCH_ROWS[1]!, { watchEvent: "BOOKMARK", managers: "kubelet", subresource: 3 })).watch).toEqual({ event: null, managers: [], subresource: null });
  });

  it("says when an audit entry shows the diff of its watch twin, and which entry that is", () => {
    const borrowed = { ...ENTRIES.create, verb: "update", diff: WATCH_ROWS[1]!.diff, details: { ...ENTRIES.create.details, resourceVersionAfter: "9109", diffFrom: "watch", diffFromEntryId: 4711 } };
    expect(timelineEntryOf(borrowed)).toMatchObject({ source: "audit", diffFrom: "watch", watch: null });
    const details = entryDetailsOf(borrowed, deployment);
    expect(details.request.diffFromEntryId).toBe(4711);
    expect(details.other).toEqual({});
  });
});

describe("lifetimeRange", () => {
  it("widens the lifetime by a twentieth each side", () => {
    // 26 min 44 s of life: 80.2 s each side.
    expect(lifetimeRange({ firstSeenMicros: at("14:53:16"), lastSeenMicros: at("15:20:00"), deletedAtMicros: at("15:20:00") })).toEqual({
      startMicros: at("14:51:55.800"),
      endMicros: at("15:21:20.200"),
    });
  });

  it("within the years the store holds, for an object an apiserver stamped in year 1", () => {
    const first = Date.parse("0001-01-01T00:00:10Z") * 1000;
    expect(lifetimeRange({ firstSeenMicros: first, lastSeenMicros: first, deletedAtMicros: null })).toEqual({ startMicros: FIRST_STORABLE_MICROS, endMicros: first + 60_000_000 });
  });

  it("from its first recorded entry when that came long after it began: an object a watch listed a year after its creation", () => {
    const created = Date.parse("2021-06-10T01:53:01Z") * 1000;
    const listed = at("14:53:16");
    expect(lifetimeRange({ firstSeenMicros: created, lastSeenMicros: at("15:20:00"), deletedAtMicros: null }, listed)).toEqual({
      startMicros: at("14:51:55.800"),
      endMicros: at("15:21:20.200"),
    });
    // An entry before the object's start (an Event its reporter's clock put earlier) changes nothing.
    expect(lifetimeRange({ firstSeenMicros: listed, lastSeenMicros: at("15:20:00"), deletedAtMicros: null }, created)).toEqual(
      lifetimeRange({ firstSeenMicros: listed, lastSeenMicros: at("15:20:00"), deletedAtMicros: null }),
    );
  });

  it("by at least a minute, and to the last time seen for an object not deleted", () => {
    expect(lifetimeRange({ firstSeenMicros: at("14:53:16"), lastSeenMicros: at("14:53:20"), deletedAtMicros: null })).toEqual({ startMicros: at("14:52:16"), endMicros: at("14:54:20") });
  });
});
