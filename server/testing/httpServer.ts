import http from "node:http";
import { Readable } from "node:stream";
import type { AddressInfo } from "node:net";
import { installAppContext, type AppContext } from "../app/context";
import { createAuditWebhookHandler } from "../ingest/http/nodeAuditEndpoint";
import * as auditRoute from "../../app/api/audit/route";
import * as auditClusterRoute from "../../app/api/audit/[cluster]/route";
import * as auditBelowClusterRoute from "../../app/api/audit/[cluster]/[...rest]/route";
import * as eventsRoute from "../../app/api/events/route";
import * as eventsClusterRoute from "../../app/api/events/[cluster]/route";
import * as eventsBelowClusterRoute from "../../app/api/events/[cluster]/[...rest]/route";
import * as healthRoute from "../../app/api/health/route";
import * as readyRoute from "../../app/api/ready/route";
import * as sourcesRoute from "../../app/api/sources/route";
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
import * as dashboardApiRoute from "../../app/api/trpc/[trpc]/route";

type Handler = (request: Request, context: { params: Promise<Record<string, string | string[]>> }) => Response | Promise<Response>;
/** A route file's exports: a handler per HTTP method it answers. */
type RouteModule = Partial<Record<string, unknown>>;

/**
 * Serves the app's real route handlers (the files under app/api) over real HTTP on
 * loopback, routed the way Next.js routes them, without building the Next.js app, and the
 * audit webhook the way the production server answers it: integration tests exercise the
 * same handler code `npm start` runs.
 */
const ROUTES: Array<{ pattern: RegExp; params: string[]; module: RouteModule }> = [
  { pattern: /^\/api\/audit\/?$/, params: [], module: auditRoute },
  { pattern: /^\/api\/audit\/([^/]+)\/?$/, params: ["cluster"], module: auditClusterRoute },
  { pattern: /^\/api\/audit\/([^/]+)\/(.+?)\/?$/, params: ["cluster", "...rest"], module: auditBelowClusterRoute },
  { pattern: /^\/api\/events\/?$/, params: [], module: eventsRoute },
  { pattern: /^\/api\/events\/([^/]+)\/?$/, params: ["cluster"], module: eventsClusterRoute },
  { pattern: /^\/api\/events\/([^/]+)\/(.+?)\/?$/, params: ["cluster", "...rest"], module: eventsBelowClusterRoute },
  { pattern: /^\/api\/health\/?$/, params: [], module: healthRoute },
  { pattern: /^\/api\/ready\/?$/, params: [], module: readyRoute },
  { pattern: /^\/api\/sources\/?$/, params: [], module: sourcesRoute },
  { pattern: /^\/api\/trpc\/([^/]+)\/?$/, params: ["trpc"], module: dashboardApiRoute },
  { pattern: /^\/jaeger\/api\/services\/?$/, params: [], module: jaegerServicesRoute },
  { pattern: /^\/jaeger\/api\/services\/([^/]+)\/operations\/?$/, params: ["service"], module: jaegerServiceOperationsRoute },
  { pattern: /^\/jaeger\/api\/operations\/?$/, params: [], module: jaegerOperationsRoute },
  { pattern: /^\/jaeger\/api\/traces\/?$/, params: [], module: jaegerTracesRoute },
  { pattern: /^\/jaeger\/api\/traces\/([^/]+)\/?$/, params: ["traceId"], module: jaegerTraceRoute },
  { pattern: /^\/jaeger\/api\/dependencies\/?$/, params: [], module: jaegerDependenciesRoute },
  { pattern: /^\/jaeger\/api\/v3\/services\/?$/, params: [], module: jaegerV3ServicesRoute },
  { pattern: /^\/jaeger\/api\/v3\/operations\/?$/, params: [], module: jaegerV3OperationsRoute },
  { pattern: /^\/jaeger\/api\/v3\/trace-summaries\/?$/, params: [], module: jaegerV3TraceSummariesRoute },
  { pattern: /^\/jaeger\/api\/v3\/traces\/?$/, params: [], module: jaegerV3TracesRoute },
  { pattern: /^\/jaeger\/api\/v3\/traces\/([^/]+)\/?$/, params: ["traceId"], module: jaegerV3TraceRoute },
  // The optional catch-all app/jaeger/[[...path]]: "...name" params are arrays of segments.
  { pattern: /^\/jaeger(?:\/(.*?))?\/?$/, params: ["...path"], module: jaegerUiRoute },
  { pattern: /^\/redirect\/?$/, params: [], module: redirectRoute },
];

/** The methods Next.js dispatches to a route file's exports (next/dist/server/web/http.js). */
const NEXT_HTTP_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"];

/**
 * The handler Next.js runs for `method` on a route file, as its autoImplementMethods does
 * (next/dist/server/route-modules/app-route/helpers/auto-implement-methods.js): the file's
 * export; else HEAD runs GET's, OPTIONS answers 204 with the methods exported as Allow, and any
 * other method 405 with no body and no Allow header. A method Next does not know is a 400.
 */
function nextHandlerOf(module: RouteModule, method: string): Handler {
  if (!NEXT_HTTP_METHODS.includes(method)) return () => new Response(null, { status: 400 });
  const exported = (name: string) => (typeof module[name] === "function" ? (module[name] as Handler) : undefined);
  const own = exported(method) ?? (method === "HEAD" ? exported("GET") : undefined);
  if (own) return own;
  if (method === "OPTIONS") {
    const implemented = NEXT_HTTP_METHODS.filter((name) => exported(name));
    if (implemented.includes("GET") && !implemented.includes("HEAD")) implemented.push("HEAD");
    return () => new Response(null, { status: 204, headers: { Allow: ["OPTIONS", ...implemented].sort().join(", ") } });
  }
  return () => new Response(null, { status: 405 });
}

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
      // Next answers an unknown path with its HTML 404 page.
      if (!route) return void res.writeHead(404, { "content-type": "text/html; charset=utf-8" }).end("<!DOCTYPE html><title>404: This page could not be found.</title>");
      const handler = nextHandlerOf(route.module, req.method ?? "GET");
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
      const response = await handler(request, { params: Promise.resolve(params) });
      // A body the handler did not touch is read and dropped, as Next does, so that the connection
      // serves the next request; unless the answer closes it. Node's server does not drain it: the
      // web stream made of the request has begun to take it.
      if (request.body && !request.bodyUsed && response.headers.get("connection") !== "close") {
        const reader = request.body.getReader();
        while (!(await reader.read()).done);
      }
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
