import { falcoEvents, type EditableObject } from "../fixtures";

/**
 * Requests that last: the real `kubectl exec` and `kubectl attach` of falco-k8s-audit-traces
 * (minikube-user into default/nginx-deployment-7998647bdf-phvq7, 2018-10-26), recorded at their
 * ResponseStarted stage, here at the ResponseComplete stage the apiserver sends when the session
 * ends (same auditID, `stageTimestamp` then). Such a session's history entry lasts as long as the
 * session: what time ranges that begin while it runs must still find.
 */
export const SESSION_POD = "nginx-deployment-7998647bdf-phvq7";
export const SESSION_USER = "minikube-user";
export const EXEC_AUDIT_ID = "ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6";
export const ATTACH_AUDIT_ID = "14933b4e-7b09-4964-af09-b7987367e1ba";

/** The session's ResponseComplete event, `minutes` after it began; `auditId` gives it another (a session of its own). */
export function completedSession(file: "exec_pod.json" | "attach_pod.json", minutes: number, auditId?: string): EditableObject {
  const [event] = falcoEvents(file);
  const ended = new Date(Date.parse(event!.requestReceivedTimestamp) + minutes * 60_000);
  return { ...event!, ...(auditId ? { auditID: auditId } : {}), stage: "ResponseComplete", stageTimestamp: ended.toISOString() };
}

/** The exec session of two hours (13:38:34.867 to 15:38:34.867) and the attach of two minutes (13:42:46.764 to 13:44:46.764). */
export function execAndAttachSessions(): EditableObject[] {
  return [completedSession("exec_pod.json", 120), completedSession("attach_pod.json", 2)];
}

/** The auditID of the slow attach (below). */
export const SLOW_ATTACH_AUDIT_ID = "14933b4e-7b09-4964-af09-b7987367e1bb";
/** When the slow attach began and ended: twenty seconds, slower than a second, shorter than a minute. */
export const SLOW_ATTACH_START = new Date("2018-10-26T15:00:00.000Z");
export const SLOW_ATTACH_END = new Date("2018-10-26T15:00:20.000Z");

/**
 * A request slower than a second and shorter than a minute: the real attach, another time with
 * its own auditID, ended after twenty seconds (SLOW_ATTACH_START to SLOW_ATTACH_END), while the
 * exec session ran and after the first attach ended.
 */
export function slowAttach(): EditableObject {
  const [event] = falcoEvents("attach_pod.json");
  return { ...event!, auditID: SLOW_ATTACH_AUDIT_ID, stage: "ResponseComplete", requestReceivedTimestamp: SLOW_ATTACH_START.toISOString(), stageTimestamp: SLOW_ATTACH_END.toISOString() };
}

/** When the sessions began and ended (ingest keeps whole milliseconds). */
export const EXEC_START = new Date("2018-10-26T13:38:34.867Z");
export const EXEC_END = new Date("2018-10-26T15:38:34.867Z");
export const ATTACH_START = new Date("2018-10-26T13:42:46.764Z");
export const ATTACH_END = new Date("2018-10-26T13:44:46.764Z");

/** While the exec session ran, after the attach session had ended. */
export const DURING_EXEC = { from: new Date("2018-10-26T13:50:00Z"), to: new Date("2018-10-26T14:00:00Z") };
/** After both had ended. */
export const AFTER_SESSIONS = { from: new Date("2018-10-26T15:40:00Z"), to: new Date("2018-10-26T15:50:00Z") };
