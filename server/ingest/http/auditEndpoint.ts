import type { Config } from "../../config/config";
import type { AdmissionGate } from "../admission";
import type { IngestAuthorizer } from "../auth";
import type { AuditIngestor } from "../audit/ingest";
import { ingestEventList, type EventListIngestor, type EventListOutcome } from "../eventList";
import { admitPost, errorAnswer, quotedPath, refusalHeaders, type IngestPost, type JsonAnswer } from "./jsonPost";

export interface AuditEndpointDeps {
  config: Pick<Config, "defaultCluster" | "maxBodyBytes" | "maxBatchEvents" | "retryAfterSeconds" | "bodyIdleTimeoutMs">;
  authorizer: IngestAuthorizer;
  gate: AdmissionGate;
  /** Stores batches on this thread when ingestWorkers is null. */
  ingestor: AuditIngestor;
  /** Worker threads that parse and store batches (KUBETRAIL_INGEST_WORKERS); null: none. */
  ingestWorkers: EventListIngestor | null;
}

/**
 * An audit webhook request as the endpoint sees it, whatever HTTP layer carries it: the
 * Next.js route handlers (web `Request`) and the production server's own handler (Node's
 * `IncomingMessage`, `nodeAuditEndpoint.ts`) both make one.
 */
export type AuditPost = IngestPost;

/** The answer to an audit post: always a JSON body. */
export type AuditAnswer = JsonAnswer;

export { errorAnswer, refusalHeaders };

/** How many rejection reasons an answer lists; the count is always exact. */
const MAX_LISTED_REJECTIONS = 50;

/** The one method the webhook's paths take: named in the Allow header of a 405. */
export const AUDIT_METHOD = "POST";

/** The webhook's paths, as an answer about a wrong request names them. */
const AUDIT_PATHS = "POST /api/audit or POST /api/audit/{cluster}";

/**
 * Any method but POST on the webhook's paths: a 405 that says which method it takes, in the
 * Allow header (RFC 9110) and in the body. The body, if any, is not read.
 */
export function auditMethodNotAllowed(method: string): AuditAnswer {
  return errorAnswer(405, "method_not_allowed", `method ${method} is not allowed here: the audit webhook takes ${AUDIT_PATHS}`, { headers: { Allow: AUDIT_METHOD } });
}

/**
 * A path below `/api/audit/{cluster}/`, with any method: a 404 that names the webhook's paths,
 * in JSON like the webhook's other answers (a kube-apiserver pointed at a wrong URL logs it).
 */
export function auditPathNotFound(path: string): AuditAnswer {
  return errorAnswer(404, "not_found", `no such endpoint: ${quotedPath(path)}; the audit webhook is ${AUDIT_PATHS}`);
}

/**
 * `POST /api/audit[/{cluster}]`: the kube-apiserver audit webhook. Answers 2xx only once
 * the batch is committed, so the apiserver's retry on any other answer never loses events,
 * and dedup by (auditID, stage) makes that retry harmless.
 */
export async function answerAuditPost(post: AuditPost, deps: AuditEndpointDeps): Promise<AuditAnswer> {
  const { config } = deps;
  return admitPost(post, deps, { encodingAdvice: "send the body uncompressed, as kube-apiserver does", busy: "too many audit batches in progress; retry later" }, async (cluster, bytes) => {
    let outcome: EventListOutcome;
    try {
      outcome = deps.ingestWorkers ? await deps.ingestWorkers.ingest(cluster, bytes) : await ingestEventList(deps.ingestor, cluster, bytes, config.maxBatchEvents);
    } catch (error) {
      // The store failed, not the input: 503 makes the apiserver retry the batch later.
      console.error(`audit ingest for cluster ${cluster} failed: ${(error as Error).stack ?? error}`);
      return errorAnswer(503, "store_unavailable", "the batch could not be stored; retry later", {
        headers: { "Retry-After": String(config.retryAfterSeconds) },
      });
    }
    if (!outcome.ok) return errorAnswer(outcome.code === "too_many_events" ? 413 : 400, outcome.code, outcome.message);
    const { summary } = outcome;

    const body = {
      cluster,
      received: summary.received,
      accepted: summary.accepted,
      duplicates: summary.duplicates,
      skipped: summary.skipped,
      history: summary.history,
      reads: summary.reads,
      rejected: summary.rejected.length,
      rejections: summary.rejected.slice(0, MAX_LISTED_REJECTIONS),
    };
    if (summary.received > 0 && summary.rejected.length === summary.received) {
      return errorAnswer(400, "invalid_events", `all ${summary.received} events were rejected`, { details: body });
    }
    return { status: 200, headers: {}, body };
  });
}
