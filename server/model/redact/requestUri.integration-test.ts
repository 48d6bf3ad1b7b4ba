import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../../testing/databases";
import { startTestApp, type TestApp } from "../../testing/appHarness";
import { loadFalcoTraceEvent } from "../../testing/fixtures";
import { eventList } from "../../testing/scenarios/rollout";
import { encodeTraceId } from "../../query/trace/traceId";
import type { TimelineEntryDetails } from "../../query/timeline/payload";

/**
 * An exec's command with a password in it, neither stored nor shown: the real exec of falco's
 * exec_pod.json (shared/fixtures/real/falco-k8s-audit-traces) at its closing stage, its command
 * changed from `bash` to a mysql client given its password (the credential is ours). Posted to
 * the webhook, its stored details hold no secret; and a row stored before ingest redacted
 * request URIs (its raw URI written into the table here) is shown redacted on the object page
 * and over the Jaeger API.
 */
const SECRET = "S3cretPw";
const RAW_URI = `/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec?command=sh&command=-c&command=mysql+-uroot+-p${SECRET}+-e+%22show+databases%22&container=nginx1&stdin=true&stdout=true&tty=true`;
const SHOWN_COMMAND = ["sh", "-c", `mysql -uroot -p<redacted> -e "show databases"`];

function execWithPassword(): Record<string, unknown> {
  const raw = structuredClone(loadFalcoTraceEvent("exec_pod.json")) as Record<string, unknown>;
  raw.stage = "ResponseComplete";
  raw.stageTimestamp = "2018-10-26T13:50:00.000000Z";
  raw.requestURI = RAW_URI;
  return raw;
}

describe.each(STORE_KINDS)("an exec's secrets on %s", (kind) => {
  let app: TestApp;
  let podId: number;
  let oldEntryId: number;

  beforeAll(async () => {
    app = await startTestApp(kind);
    expect((await app.postAudit(eventList([execWithPassword()]), { cluster: "minikube" })).status).toBe(200);
    const pod = await app.context.db.query<{ id: string; cluster_id: string }>(`SELECT id, cluster_id FROM objects WHERE resource = 'pods' AND name = 'nginx-deployment-7998647bdf-phvq7'`);
    podId = Number(pod.rows[0]!.id);
    // An exec stored by an earlier Kubetrail, which kept the request URI as it came.
    const old = await app.context.db.query<{ id: string }>(
      `INSERT INTO history_entries (object_id, cluster_id, source, start_time, end_time, actor, verb, subresource, status_code, title, audit_id, stage, details)
       VALUES ($1, $2, 'audit', '2018-10-26T13:30:00Z', '2018-10-26T13:35:00Z', 'minikube-user', 'create', 'exec', 101, 'minikube-user create exec', 'stored-before', 'ResponseComplete', $3::jsonb)
       RETURNING id`,
      [podId, pod.rows[0]!.cluster_id, JSON.stringify({ user: "minikube-user", groups: ["system:masters"], sourceIPs: ["192.168.99.1"], requestURI: RAW_URI, annotations: {} })],
    );
    oldEntryId = Number(old.rows[0]!.id);
  });
  afterAll(() => app?.close());

  it("stores the exec with its command's password cut out", async () => {
    const stored = await app.context.db.query<{ details: unknown }>(`SELECT details FROM history_entries WHERE audit_id = 'ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6'`);
    expect(stored.rows).toHaveLength(1);
    expect(JSON.stringify(stored.rows[0]!.details)).not.toContain(SECRET);
    expect(stored.rows[0]!.details).toMatchObject({ requestURI: expect.stringContaining("mysql+-uroot+-p%3Credacted%3E") });
  });

  it("shows an exec stored before, with its raw request URI, redacted on the object page", async () => {
    const response = await fetch(`${app.url}/api/trpc/objects.entry?input=${encodeURIComponent(JSON.stringify({ id: oldEntryId }))}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    const details = (JSON.parse(text) as { result: { data: TimelineEntryDetails } }).result.data;
    expect(details.request.command).toEqual(SHOWN_COMMAND);
    expect(details.request.requestUri).toContain("-p%3Credacted%3E");
  });

  it("shows it redacted over the Jaeger API too", async () => {
    const traceId = encodeTraceId({
      rootObjectId: podId,
      displayMode: "tree",
      relationMode: "self",
      depth: 1,
      startSeconds: Date.parse("2018-10-26T13:00:00Z") / 1000,
      endSeconds: Date.parse("2018-10-26T14:00:00Z") / 1000,
    });
    const response = await fetch(`${app.url}/jaeger/api/traces/${traceId}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    // Both execs are in the trace, and neither shows the password.
    expect(text).toContain("stored-before");
    expect(text).toContain("ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6");
    expect(text).toContain("-p%3Credacted%3E");
    expect(text).not.toContain(SECRET);
  });
});
