import http from "node:http";
import { Readable } from "node:stream";
import type { AddressInfo } from "node:net";
import { installAppContext, type AppContext } from "../app/context";
import * as auditRoute from "../../app/api/audit/route";
import * as auditClusterRoute from "../../app/api/audit/[cluster]/route";
import * as healthRoute from "../../app/api/health/route";
import * as readyRoute from "../../app/api/ready/route";

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Response | Promise<Response>;

/**
 * Serves the app's real route handlers (the files under app/api) over real HTTP on
 * loopback, routed the way Next.js routes them, without building the Next.js app:
 * integration tests exercise the same handler code `next start` runs.
 */
const ROUTES: Array<{ method: string; pattern: RegExp; params: string[]; handler: Handler }> = [
  { method: "POST", pattern: /^\/api\/audit\/?$/, params: [], handler: auditRoute.POST as Handler },
  { method: "POST", pattern: /^\/api\/audit\/([^/]+)\/?$/, params: ["cluster"], handler: auditClusterRoute.POST as Handler },
  { method: "GET", pattern: /^\/api\/health\/?$/, params: [], handler: healthRoute.GET as Handler },
  { method: "GET", pattern: /^\/api\/ready\/?$/, params: [], handler: readyRoute.GET as Handler },
];

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startTestServer(context: AppContext): Promise<TestServer> {
  installAppContext(context);
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const route = ROUTES.find((r) => r.pattern.test(url.pathname));
      if (!route) return void res.writeHead(404).end();
      if (route.method !== req.method) return void res.writeHead(405, { Allow: route.method }).end();
      const match = route.pattern.exec(url.pathname)!;
      const params = Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
        // @ts-expect-error Node's fetch needs duplex for streamed bodies; the DOM types lack it.
        duplex: "half",
      });
      const response = await route.handler(request, { params: Promise.resolve(params) });
      const headers = Object.fromEntries(response.headers);
      // Answered before the body was read (401, 413, 429): the connection can't be reused.
      if (hasBody && !req.complete) headers.connection = "close";
      res.writeHead(response.status, headers);
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
