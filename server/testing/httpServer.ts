import http from "node:http";
import { Readable } from "node:stream";
import type { AddressInfo } from "node:net";
import { installAppContext, type AppContext } from "../app/context";
import { createAuditWebhookHandler } from "../ingest/http/nodeAuditEndpoint";
import * as auditRoute from "../../app/api/audit/route";
import * as auditClusterRoute from "../../app/api/audit/[cluster]/route";
import * as healthRoute from "../../app/api/health/route";
import * as readyRoute from "../../app/api/ready/route";
import * as jaegerServicesRoute from "../../app/jaeger/api/services/route";
import * as jaegerServiceOperationsRoute from "../../app/jaeger/api/services/[service]/operations/route";
import * as jaegerOperationsRoute from "../../app/jaeger/api/operations/route";
import * as jaegerTracesRoute from "../../app/jaeger/api/traces/route";
import * as jaegerTraceRoute from "../../app/jaeger/api/traces/[traceId]/route";
import * as jaegerDependenciesRoute from "../../app/jaeger/api/dependencies/route";
import * as jaegerV3ServicesRoute from "../../app/jaeger/api/v3/services/route";
import * as jaegerV3OperationsRoute from "../../app/jaeger/api/v3/operations/route";
import * as jaegerV3TraceSummariesRoute from "../../app/jaeger/api/v3/trace-summaries/route";
import * as jaegerV3TracesRoute from "../../app/jaeger/api/v3/traces/route";
import * as jaegerV3TraceRoute from "../../app/jaeger/api/v3/traces/[traceId]/route";
import * as jaegerUiRoute from "../../app/jaeger/[[...path]]/route";
import * as redirectRoute from "../../app/redirect/route";

type Handler = (request: Request, context: { params: Promise<Record<string, string | string[]>> }) => Response | Promise<Response>;

/**
 * Serves the app's real route handlers (the files under app/api) over real HTTP on
 * loopback, routed the way Next.js routes them, without building the Next.js app, and the
 * audit webhook the way the production server answers it: integration tests exercise the
 * same handler code `npm start` runs.
 */
const ROUTES: Array<{ method: string; pattern: RegExp; params: string[]; handler: Handler }> = [
  { method: "POST", pattern: /^\/api\/audit\/?$/, params: [], handler: auditRoute.POST as Handler },
  { method: "POST", pattern: /^\/api\/audit\/([^/]+)\/?$/, params: ["cluster"], handler: auditClusterRoute.POST as Handler },
  { method: "GET", pattern: /^\/api\/health\/?$/, params: [], handler: healthRoute.GET as Handler },
  { method: "GET", pattern: /^\/api\/ready\/?$/, params: [], handler: readyRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/services\/?$/, params: [], handler: jaegerServicesRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/services\/([^/]+)\/operations\/?$/, params: ["service"], handler: jaegerServiceOperationsRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/operations\/?$/, params: [], handler: jaegerOperationsRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/traces\/?$/, params: [], handler: jaegerTracesRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/traces\/([^/]+)\/?$/, params: ["traceId"], handler: jaegerTraceRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/dependencies\/?$/, params: [], handler: jaegerDependenciesRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/v3\/services\/?$/, params: [], handler: jaegerV3ServicesRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/v3\/operations\/?$/, params: [], handler: jaegerV3OperationsRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/v3\/trace-summaries\/?$/, params: [], handler: jaegerV3TraceSummariesRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/v3\/traces\/?$/, params: [], handler: jaegerV3TracesRoute.GET as Handler },
  { method: "GET", pattern: /^\/jaeger\/api\/v3\/traces\/([^/]+)\/?$/, params: ["traceId"], handler: jaegerV3TraceRoute.GET as Handler },
  // The optional catch-all app/jaeger/[[...path]]: "...name" params are arrays of segments.
  { method: "GET", pattern: /^\/jaeger(?:\/(.*?))?\/?$/, params: ["...path"], handler: jaegerUiRoute.GET as Handler },
  { method: "GET", pattern: /^\/redirect\/?$/, params: [], handler: redirectRoute.GET as Handler },
];

/** next.config.js rewrites a custom Jaeger base path (KUBETRAIL_JAEGER_BASE_PATH) to /jaeger; so do we. */
function rewriteJaegerBasePath(pathname: string, basePath: string): string {
  if (basePath === "/jaeger" || !(pathname === basePath || pathname.startsWith(`${basePath}/`))) return pathname;
  return `/jaeger${pathname.slice(basePath.length)}`;
}

function paramValue(name: string, captured: string | undefined): string | string[] | undefined {
  if (!name.startsWith("...")) return decodeURIComponent(captured!);
  return captured ? captured.split("/").filter((segment) => segment !== "").map(decodeURIComponent) : undefined;
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Who answers the audit webhook: the production server's own handler (`server`, as
 * `npm start` serves it: scripts/serve.mjs) or the Next.js route handlers under app/api/audit
 * (`route-handler`, as `next dev` serves it).
 */
export type AuditVia = "server" | "route-handler";

export async function startTestServer(context: AppContext, options: { auditVia?: AuditVia } = {}): Promise<TestServer> {
  installAppContext(context);
  const auditVia = options.auditVia ?? "server";
  const handleAudit = auditVia === "server" ? createAuditWebhookHandler(context) : () => false;
  const server = http.createServer(async (req, res) => {
    if (handleAudit(req, res)) return;
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const pathname = rewriteJaegerBasePath(url.pathname, context.config.jaegerBasePath);
      const route = ROUTES.find((r) => r.pattern.test(pathname));
      if (!route) return void res.writeHead(404).end();
      if (route.method !== req.method) return void res.writeHead(405, { Allow: route.method }).end();
      const match = route.pattern.exec(pathname)!;
      const params = Object.fromEntries(
        route.params.flatMap((name, i) => {
          const value = paramValue(name, match[i + 1]);
          return value === undefined ? [] : [[name.replace(/^\.\.\./, ""), value]];
        }),
      );
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
        // @ts-expect-error Node's fetch needs duplex for streamed bodies; the DOM types lack it.
        duplex: "half",
      });
      const response = await route.handler(request, { params: Promise.resolve(params) });
      // A body the handler did not read is read and dropped by Node's server, unless the answer closes the connection.
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String((error as Error).stack));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
