// The production server process: what `npm start` runs (with the Node flags of
// scripts/lib/serverNodeFlags.ts), on PORT (default 3000) and HOSTNAME (default: every address).
//
// Next.js serves the app (the Kubernetes Events endpoint, POST /api/events[/{cluster}], among it:
// its posts are few and small), except for the audit webhook (POST /api/audit[/{cluster}], and the
// refusals of other methods and paths under it), which is answered on Node's own request and
// response (server/ingest/http/nodeAuditEndpoint.ts). A
// webhook batch is about 1 MB; through Next's route handler it is read as a web stream, which
// cost the server's one thread about a quarter of all the CPU it spent per event while the
// ingest workers did the rest (docs/benchmarks.md, "Runs, 2026-12-05"). The route handlers
// under app/api/audit stay, for `next dev`; both paths give the same answers.
//
// This file is plain JavaScript so that the server's modules are loaded once, by Next, from its
// build: Next's instrumentation hook (instrumentation.ts → server/app/startup.ts) opens the app
// and publishes the webhook's handler and the app context on globalThis.
import http from "node:http";
import path from "node:path";
import next from "next";

const AUDIT_WEBHOOK_HANDLER_KEY = Symbol.for("kubetrail.auditWebhookHandler");
const APP_CONTEXT_KEY = Symbol.for("kubetrail.appContext");
/** How long a stop may take (ingest workers finishing their batches) before the process exits anyway. */
const STOP_TIMEOUT_MS = 20_000;

process.env.NODE_ENV = "production";
const port = Number(process.env.PORT || 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`kubetrail: cannot start: PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}
const hostname = process.env.HOSTNAME || undefined;

const app = next({ dev: false, dir: path.resolve(import.meta.dirname, ".."), hostname, port });
await app.prepare();
const handleWithNext = app.getRequestHandler();

/**
 * What of the request's URL is not valid percent-encoding (`%E0%A4%A`, `%ZZ`), or null. Next
 * answers such a path with a 500 (its router's decodeURIComponent throws), and rewrites such a
 * query before a handler sees it: `%zz` stays as those three characters and a cut UTF-8
 * sequence becomes U+FFFD, so a search would quietly look for something the caller did not
 * mean. Bad input is the caller's error, so it gets a 400 that says so before Next sees it.
 */
function badlyEncodedPart(url) {
  const [pathOnly, query = ""] = splitOnce(url ?? "/", "?");
  if (decodes(pathOnly)) {
    const badParam = firstBadlyEncodedParam(query);
    return badParam === null ? null : { path: pathOnly, ...badParam };
  }
  return { path: pathOnly };
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at === -1 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

function decodes(text) {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** The first `name=value` pair of a query that does not decode: its name (raw if the name is the bad part) and the pair. */
function firstBadlyEncodedParam(query) {
  if (!query.includes("%")) return null;
  for (const pair of query.split("&")) {
    if (decodes(pair)) continue;
    const [rawName] = splitOnce(pair, "=");
    return { param: shortened(decodes(rawName) ? decodeURIComponent(rawName.replace(/\+/g, " ")) : rawName), pair };
  }
  return null;
}

/** The longest part of a bad path or parameter quoted back: enough to find the mistake, not an echo of a huge URL. */
const QUOTED_CHARS = 200;
const shortened = (text) => (text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text);
const quote = (text) => JSON.stringify(shortened(text));
const BAD_ENCODING = "not valid percent-encoding (each % must start a UTF-8 byte as two hex digits)";

// The Jaeger-compatible API answers errors in Jaeger's own bodies and words (server/jaeger/v1,
// server/jaeger/v3, server/jaeger/params.ts), which its clients read; a bad URL under it gets the
// same. The base path is the one the build took.
const JAEGER_API_PATH = `${process.env.KUBETRAIL_JAEGER_BASE_PATH || "/jaeger"}/api/`;

/** The 400 body for a badly encoded URL, in the dialect of the API its path is under. */
function badEncodingBody({ path: pathOnly, param, pair }) {
  const v3 = pathOnly.startsWith(`${JAEGER_API_PATH}v3/`);
  const v1 = !v3 && pathOnly.startsWith(JAEGER_API_PATH);
  if (param === undefined) {
    const message = `the request path is ${BAD_ENCODING}: ${quote(pathOnly)}`;
    if (v3) return { error: { httpCode: 400, message } };
    if (v1) return { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 400, msg: message }] };
    return { error: { code: "invalid_path", message } };
  }
  const reason = `${BAD_ENCODING}: ${quote(pair)}`;
  if (v3) return { error: { httpCode: 400, message: `malformed parameter ${param}: ${reason}` } };
  if (v1) return { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 400, msg: `unable to parse param '${param}': ${reason}` }] };
  // The app's own endpoints that take parameters (/redirect) word them so.
  return { error: { code: "bad_parameter", message: `parameter '${param}': ${reason}` } };
}

// Published by the app once Next has run its instrumentation hook, which it does before the
// first request it handles; until then the webhook goes through Next's route handler, which
// gives the same answers.
const server = http.createServer((request, response) => {
  const handleAuditWebhook = globalThis[AUDIT_WEBHOOK_HANDLER_KEY];
  if (handleAuditWebhook?.(request, response)) return;
  const badPart = badlyEncodedPart(request.url);
  if (badPart !== null) {
    response.writeHead(400, { "content-type": "application/json" });
    response.end(JSON.stringify(badEncodingBody(badPart)));
    return;
  }
  void handleWithNext(request, response);
});
server.on("error", (error) => {
  console.error(`kubetrail: cannot listen on ${hostname ?? "*"}:${port}: ${error.message}`);
  process.exit(1);
});
await new Promise((resolve) => server.listen(port, hostname, resolve));

// Next runs the hook on the first request, not at start: ask for readiness ourselves, so that
// the store is opened, migrated and checked now, and a wrong setting stops the server at once.
const { port: boundPort } = server.address();
const ownAddress = !hostname || hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname.includes(":") ? `[${hostname}]` : hostname;
try {
  await fetch(`http://${ownAddress}:${boundPort}/api/ready`).then((answer) => answer.arrayBuffer());
} catch (error) {
  console.error(`kubetrail: cannot start: could not reach this server at ${ownAddress}:${boundPort}: ${error.cause?.message ?? error.message}`);
  process.exit(1);
}
if (typeof globalThis[AUDIT_WEBHOOK_HANDLER_KEY] !== "function") {
  console.error("kubetrail: cannot start: the app did not publish its audit webhook handler (instrumentation.ts did not run)");
  process.exit(1);
}
console.log(`kubetrail: listening on http://${hostname ?? "localhost"}:${boundPort}`);

let stopping = false;
for (const [signal, exitCode] of [["SIGINT", 130], ["SIGTERM", 143]]) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(exitCode), STOP_TIMEOUT_MS).unref();
    // Batches in hand are stored and answered (the server closes once their connections have)
    // before the ingest workers and the database close.
    server.close(() => {
      Promise.resolve(globalThis[APP_CONTEXT_KEY])
        .then((context) => context?.close())
        .catch((error) => console.error(`kubetrail: stopping: ${error.message}`))
        .finally(() => process.exit(exitCode));
    });
    server.closeIdleConnections();
  });
}
