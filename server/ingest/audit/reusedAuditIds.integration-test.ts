import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SETUPS, startTestApp, type TestApp } from "../../testing/appHarness";
import { loadFalcoTraceEvent } from "../../testing/fixtures";
import { eventList } from "../../testing/scenarios/rollout";

/*
 * Two requests that share an auditID. kube-apiserver takes a request's auditID from its Audit-ID
 * header when the client sends one (k8s.io/apiserver, filters.WithAuditInit: "we save the user
 * specified value of the Audit-ID header as is") and echoes it in the answer, so any user can send
 * the auditID of an earlier request with the next. Keyed by auditID and stage alone, the second
 * request passed for a retry of the first and was dropped: a delete sent with the Audit-ID of the
 * user's own create never became history.
 *
 * The events are falco's real recorded create and delete of a ConfigMap
 * (shared/fixtures/real/falco-k8s-audit-traces), the delete given the create's auditID as such a
 * client would have it; and the real recorded exec of exec_pod.json, twice, as two sessions.
 * Each test works on a cluster of its own.
 */
type Event = Record<string, any>;
const event = (file: string): Event => structuredClone(loadFalcoTraceEvent(file)) as Event;
const create = () => event("create_configmap.json");
function deleteWithTheCreatesAuditId(): Event {
  const deletion = event("delete_configmap.json");
  deletion.auditID = create().auditID;
  return deletion;
}

for (const setup of APP_SETUPS) {
  describe(`requests sharing an auditID, on ${setup.label}`, () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(setup.kind, setup.env);
    });
    afterAll(() => app?.close());

    async function post(cluster: string, events: Event[]) {
      const response = await app.postAudit(eventList(events), { cluster });
      expect(response.status).toBe(200);
      return (await response.json()) as { accepted: number; duplicates: number; skipped: number; history: number };
    }
    const titlesOf = async (cluster: string) =>
      (
        await app.context.db.query<{ title: string }>(
          `SELECT h.title FROM history_entries h JOIN clusters c ON c.id = h.cluster_id WHERE c.name = $1 ORDER BY h.start_time, h.id`,
          [cluster],
        )
      ).rows.map((row) => row.title);

    it("stores a delete sent with the auditID of an earlier create as history of its own", async () => {
      expect(await post("later-batch", [create()])).toMatchObject({ accepted: 1, duplicates: 0, history: 1 });
      expect(await post("later-batch", [deleteWithTheCreatesAuditId()])).toMatchObject({ accepted: 1, duplicates: 0, history: 1 });
      expect(await titlesOf("later-batch")).toEqual(["minikube-user create", "minikube-user delete"]);
    });

    it("stores both when they come in one batch", async () => {
      expect(await post("one-batch", [create(), deleteWithTheCreatesAuditId()])).toMatchObject({ accepted: 2, duplicates: 0, history: 2 });
      expect(await titlesOf("one-batch")).toEqual(["minikube-user create", "minikube-user delete"]);
    });

    it("still takes a retry of either for a duplicate", async () => {
      await post("retries", [create(), deleteWithTheCreatesAuditId()]);
      expect(await post("retries", [deleteWithTheCreatesAuditId()])).toMatchObject({ accepted: 0, duplicates: 1, history: 0 });
      expect(await post("retries", [create(), deleteWithTheCreatesAuditId()])).toMatchObject({ accepted: 0, duplicates: 2, history: 0 });
      // In one batch too: the same event twice is one.
      expect(await post("retries-in-batch", [create(), create()])).toMatchObject({ accepted: 1, duplicates: 1, history: 1 });
      expect(await titlesOf("retries")).toEqual(["minikube-user create", "minikube-user delete"]);
    });

    it("takes an event for its retry whatever form its requestReceivedTimestamp is written in, by the instant it names", async () => {
      // The same instant with an offset, and with nanoseconds: as a log shipper that re-serialises
      // times might pass on what the webhook sent as kube-apiserver wrote it.
      const written = create().requestReceivedTimestamp as string;
      expect(written).toBe("2018-10-26T13:13:03.539180Z");
      const withOffset = { ...create(), requestReceivedTimestamp: "2018-10-26T15:13:03.53918+02:00" };
      const inNanoseconds = { ...create(), requestReceivedTimestamp: "2018-10-26T13:13:03.539180000Z" };
      expect(await post("forms", [create()])).toMatchObject({ accepted: 1, duplicates: 0, history: 1 });
      expect(await post("forms", [withOffset, inNanoseconds])).toMatchObject({ accepted: 0, duplicates: 2, history: 0 });
      // In one batch, the forms are one event too.
      expect(await post("forms-in-batch", [withOffset, create(), inNanoseconds])).toMatchObject({ accepted: 1, duplicates: 2, history: 1 });
      expect(await titlesOf("forms")).toEqual(["minikube-user create"]);
      expect(await titlesOf("forms-in-batch")).toEqual(["minikube-user create"]);
    });

    it("takes the event a receipt stored without its request's time records for a duplicate, as before", async () => {
      // A receipt as stored before request_received_at was kept (the migration gives those -infinity).
      const cluster = "untimed";
      const clusterId = (await app.context.db.query<{ id: number }>(`INSERT INTO clusters (name) VALUES ($1) RETURNING id`, [cluster])).rows[0]!.id;
      await app.context.db.query(`INSERT INTO audit_receipts (cluster_id, audit_id, stage) VALUES ($1, $2, 'ResponseComplete')`, [clusterId, create().auditID]);
      expect(await post(cluster, [create()])).toMatchObject({ accepted: 0, duplicates: 1, history: 0 });
      // A stage it does not record is new.
      const started = { ...create(), stage: "ResponseStarted" };
      expect(await post(cluster, [started])).toMatchObject({ accepted: 1, duplicates: 0 });
      expect(await titlesOf(cluster)).toEqual([]);
    });

    it("stores a request sent after the upgrade with the auditID of one an untimed receipt records, as the hole the receipt's time closes", async () => {
      // The untimed receipt of falco's create, stored in 2020 (before request_received_at was
      // kept); then a delete sent with that auditID years later. An untimed receipt can only
      // record a request received before it was stored: this one is not its retry.
      const cluster = "untimed-reused";
      const clusterId = (await app.context.db.query<{ id: number }>(`INSERT INTO clusters (name) VALUES ($1) RETURNING id`, [cluster])).rows[0]!.id;
      await app.context.db.query(`INSERT INTO audit_receipts (cluster_id, audit_id, stage, received_at) VALUES ($1, $2, 'ResponseComplete', '2020-06-01T00:00:00Z')`, [
        clusterId,
        create().auditID,
      ]);
      const lateDelete = { ...deleteWithTheCreatesAuditId(), requestReceivedTimestamp: "2026-12-07T10:00:00.000000Z", stageTimestamp: "2026-12-07T10:00:00.010000Z" };
      expect(await post(cluster, [lateDelete])).toMatchObject({ accepted: 1, duplicates: 0, history: 1 });
      // Its retry is a duplicate, and the create the receipt records still is.
      expect(await post(cluster, [lateDelete, create()])).toMatchObject({ accepted: 0, duplicates: 2, history: 0 });
      expect(await titlesOf(cluster)).toEqual(["minikube-user delete"]);
    });

    describe("two exec sessions", () => {
      const execStarted = (): Event => event("exec_pod.json");
      /** The same session closing, as kube-apiserver logs its ResponseComplete. */
      function execCompleted(from: Event): Event {
        return { ...structuredClone(from), stage: "ResponseComplete", stageTimestamp: "2018-10-26T14:05:12.250000Z" };
      }
      /** A second session opened an hour later with the first one's Audit-ID. */
      function secondStarted(): Event {
        return { ...execStarted(), requestReceivedTimestamp: "2018-10-26T14:38:34.867590Z", stageTimestamp: "2018-10-26T14:38:34.902000Z" };
      }

      it("close each its own entry", async () => {
        const cluster = "sessions";
        await post(cluster, [execStarted(), secondStarted()]);
        expect(await titlesOf(cluster)).toEqual(["minikube-user create exec (open)", "minikube-user create exec (open)"]);
        // The second session ends: its entry closes, the first stays open.
        expect(await post(cluster, [{ ...execCompleted(secondStarted()), stageTimestamp: "2018-10-26T15:00:00.000000Z" }])).toMatchObject({ accepted: 1, history: 1 });
        expect(await titlesOf(cluster)).toEqual(["minikube-user create exec (open)", "minikube-user create exec"]);
        // And the first.
        await post(cluster, [execCompleted(execStarted())]);
        expect(await titlesOf(cluster)).toEqual(["minikube-user create exec", "minikube-user create exec"]);
      });

      it("do not take one's opening stage for the other's, stored", async () => {
        const cluster = "sessions-apart";
        await post(cluster, [execCompleted(execStarted())]);
        // The second session's ResponseStarted is its own session's, open; not the first's, closed.
        expect(await post(cluster, [secondStarted()])).toMatchObject({ accepted: 1, history: 1, skipped: 0 });
        expect(await titlesOf(cluster)).toEqual(["minikube-user create exec", "minikube-user create exec (open)"]);
      });
    });
  });
}
