import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../ingest/audit/types";
import { openshiftCascade } from "../../../testing/scenarios/openshiftCascade";
import { versionsOf, watchRowsOf, type WatchRow } from "../../../testing/scenarios/watchedCascade";
import type { AssembledTrace, TraceEntry, TraceObject } from "../assembled";
import { ATTR } from "../attributes";
import { encodeTraceId } from "../traceId";
import type { EpochMicros, TraceQuery } from "../types";
import { DISPLAY } from "./index";

/**
 * Watch entries as spans and logs: the entries a watch of the OpenShift Deployment
 * openshift-apiserver/apiserver would have stored (server/testing/scenarios/watchedCascade.ts,
 * from the real bodies of docs/samples/deployment-cascade.jsonl), next to an audit entry that
 * shows its watch twin's diff (../watchTwins.ts).
 */
const us = (date: Date) => (date.getTime() * 1000) as EpochMicros;
const rows = watchRowsOf(versionsOf(openshiftCascade(), "deployments", "apiserver"));

const deployment: TraceObject = {
  id: 1,
  cluster: "openshift",
  apiGroup: "apps",
  apiVersion: "v1",
  resource: "deployments",
  kind: "Deployment",
  namespace: "openshift-apiserver",
  name: "apiserver",
  uid: "fbf76809-33a5-4017-a1f5-8be34cd2b2fd",
  firstSeen: us(rows[0]!.startTime),
  lastSeen: us(rows.at(-1)!.startTime),
  deletedAt: null,
};

/** A watch row as the assembly reads it back; the store keeps the subresource in details only. */
function watchEntry(id: number, row: WatchRow, details: JsonObject = row.details): TraceEntry {
  const at = us(row.startTime);
  return { id, objectId: 1, source: "watch", start: at, end: at, actor: row.actor, verb: row.verb, subresource: "", statusCode: null, title: row.title, auditId: null, stage: null, userAgent: null, details, diff: row.diff, snapshot: row.snapshot, noop: false };
}

const [added, status] = [watchEntry(201, rows[0]!), watchEntry(202, rows[1]!)];
const gone = watchEntry(203, { ...rows.at(-1)!, verb: "delete", title: "watched: gone (deleted while not watched)", diff: null, snapshot: null }, { watchEvent: "GONE", resourceVersionAfter: "9162", resourceVersionBefore: "9162" });
const auditWithWatchDiff: TraceEntry = {
  ...watchEntry(204, rows[2]!),
  source: "audit",
  actor: "system:serviceaccount:kube-system:deployment-controller",
  subresource: "status",
  statusCode: 200,
  title: "system:serviceaccount:kube-system:deployment-controller update status",
  auditId: "c45ca4de-0000-4000-8000-000000000010",
  stage: "ResponseComplete",
  userAgent: "kube-controller-manager/v1.21.1 (linux/amd64) kubernetes/a4ab7a9",
  details: { user: "system:serviceaccount:kube-system:deployment-controller", level: "RequestResponse", resourceVersionAfter: "9119", diffFrom: "watch", diffFromEntryId: 205 },
};

function trace(): AssembledTrace {
  const start = us(new Date("2021-09-13T14:50:00Z"));
  const end = us(new Date("2021-09-13T15:30:00Z"));
  const query: TraceQuery = { rootObjectId: 1, relationMode: "self", displayMode: "tracing", depth: 1, startSeconds: start / 1e6, endSeconds: end / 1e6 };
  return { query, queriedObjectId: 1, start, end, nodes: [{ object: deployment, parentId: null, relation: null, level: 0, related: [], relatedTruncated: false, entries: [added, status, auditWithWatchDiff, gone] }] };
}
const traceId = encodeTraceId(trace().query);

describe("watch entries in every display mode", () => {
  const logs = DISPLAY.tracing(trace(), traceId)[0]!.logs;

  it("carry the watch event, the managers, the subresource and both versions, as audit logs carry theirs", () => {
    expect(logs[1]!.attributes).toMatchObject({
      [ATTR.source]: "watch",
      [ATTR.event]: "kube-controller-manager update status (watched)",
      [ATTR.user]: "kube-controller-manager",
      [ATTR.verb]: "update",
      [ATTR.watchEvent]: "MODIFIED",
      [ATTR.managers]: "kube-controller-manager",
      [ATTR.managedAt]: "2021-09-13T14:53:16Z",
      [ATTR.subresource]: "status",
      [ATTR.resourceVersionBefore]: "9101",
      [ATTR.resourceVersionAfter]: "9109",
      [ATTR.noop]: false,
    });
    expect(String(logs[1]!.attributes[ATTR.diff]).split("\n")).toContain('metadata.annotations["deployment.kubernetes.io/revision"] "3" -> "1"');
    // Named, so not repeated as `detail.…`; nothing of a request.
    expect(Object.keys(logs[1]!.attributes).filter((key) => key.startsWith(ATTR.detailPrefix))).toEqual([]);
    for (const absent of [ATTR.statusCode, ATTR.auditId, ATTR.userAgent, ATTR.error]) expect(logs[1]!.attributes).not.toHaveProperty(absent);
  });

  it("carry the snapshot of an ADDED and say a GONE", () => {
    expect(logs[0]!.attributes).toMatchObject({ [ATTR.watchEvent]: "ADDED", [ATTR.verb]: "create", [ATTR.managers]: "cluster-openshift-apiserver-operator" });
    expect(logs[0]!.attributes).not.toHaveProperty(ATTR.subresource);
    expect(JSON.parse(String(logs[0]!.attributes[ATTR.snapshot]))).toMatchObject({ kind: "Deployment", metadata: { name: "apiserver", resourceVersion: "9101" } });
    expect(logs[3]!.attributes).toMatchObject({ [ATTR.watchEvent]: "GONE", [ATTR.verb]: "delete", [ATTR.event]: "watched: gone (deleted while not watched)" });
  });

  it("an audit log that shows its watch twin's diff says so", () => {
    expect(logs[2]!.attributes).toMatchObject({ [ATTR.source]: "audit", [ATTR.diffFrom]: "watch", [ATTR.diffFromEntryId]: 205, [ATTR.resourceVersionAfter]: "9119" });
    expect(logs[2]!.attributes).not.toHaveProperty(ATTR.watchEvent);
    expect(logs[2]!.attributes).not.toHaveProperty("detail.diffFrom");
  });

  it("the grouped mode's 'watch' span holds the watch entries; the tree and timeline modes give each its span with the same attributes", () => {
    const grouped = DISPLAY.grouped(trace(), traceId);
    expect(grouped.map((span) => span.name)).toEqual(["openshift-apiserver/apiserver (cluster openshift)", "audit", "watch"]);
    expect(grouped[2]!.logs.map((log) => log.attributes[ATTR.watchEvent])).toEqual(["ADDED", "MODIFIED", "GONE"]);
    for (const spans of [DISPLAY.tree(trace(), traceId), DISPLAY.timeline(trace(), traceId)]) {
      const modified = spans.find((span) => span.attributes[ATTR.entryId] === 202)!;
      expect(modified.attributes).toMatchObject({ [ATTR.watchEvent]: "MODIFIED", [ATTR.managers]: "kube-controller-manager", [ATTR.subresource]: "status", [ATTR.resourceVersionAfter]: "9109" });
      expect(modified.duration).toBe(0);
      expect(modified.error).toBe(false);
    }
  });
});
