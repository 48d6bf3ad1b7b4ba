import { getAppContext } from "./context";
import { createAuditWebhookHandler, type NodeRequestHandler } from "../ingest/http/nodeAuditEndpoint";

/**
 * Where the production server (`scripts/serve.mjs`) finds the audit webhook's Node handler.
 * The server is plain JavaScript outside Next's bundles; this module runs inside them (from
 * the instrumentation hook), so the handler is handed over through globalThis, as the app
 * context is (server/app/context.ts): one context, one database, one set of ingest workers.
 */
const AUDIT_WEBHOOK_HANDLER_KEY = Symbol.for("kubetrail.auditWebhookHandler");

/** Builds the app context at server start and publishes the webhook's handler; exits with the reason when it can't. */
export async function startKubetrail(): Promise<void> {
  try {
    const context = await getAppContext();
    (globalThis as { [AUDIT_WEBHOOK_HANDLER_KEY]?: NodeRequestHandler })[AUDIT_WEBHOOK_HANDLER_KEY] = createAuditWebhookHandler(context);
  } catch (error) {
    console.error(`kubetrail: cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
}
