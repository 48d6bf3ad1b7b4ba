import fs from "node:fs/promises";
import path from "node:path";
import { jsonResponse } from "../params";
import { v3Error } from "../v3/handlers";
import { injectIndexHtml } from "./indexHtml";

/**
 * Serves a Jaeger UI release build (JAEGER_UI_DIR: index.html, static/…) at the base path,
 * as the query service does: files as they are, and index.html — customized — for every
 * other path, so the UI's own routes (/search, /trace/<id>) load the app.
 */

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".eot": "application/vnd.ms-fontobject",
  ".wasm": "application/wasm",
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

/** Bundler output under static/ has content hashes in its names: cache it for good. Other files briefly. */
function cacheControlOf(relative: string): string {
  return relative.startsWith(`static${path.sep}`) ? "public, max-age=31536000, immutable" : "public, max-age=3600";
}

/** A URL segment that names something inside the UI folder: no traversal, no separators, no hidden files. */
function isSafeSegment(segment: string): boolean {
  return segment !== "" && !segment.startsWith(".") && !/[/\\\0]/.test(segment);
}

function notFound(message: string): Response {
  return jsonResponse({ error: { code: "not_found", message } }, { status: 404 });
}

export interface JaegerUiOptions {
  /** The UI build; null when JAEGER_UI_DIR is not set. */
  uiDir: string | null;
  basePath: string;
}

/**
 * The answer to `GET <base>/<segments…>` for a path that is not an API route. `segments` are
 * the decoded path segments below the base path.
 */
export async function serveJaegerUi(request: Request, segments: string[], options: JaegerUiOptions): Promise<Response> {
  if (segments[0] === "api") {
    const message = `no such endpoint: ${new URL(request.url).pathname}`;
    // v3 clients read errors from the gateway's body (Jaeger itself answers any unknown API path
    // with a plain-text "404 page not found"); the v3 routes' own errors come in it too.
    return segments[1] === "v3" ? v3Error(request, 404, message) : notFound(message);
  }
  if (options.uiDir === null) return notFound("the Jaeger UI is not served here: set JAEGER_UI_DIR to a Jaeger UI release build (the API is at <base>/api)");
  if (!segments.every(isSafeSegment)) return notFound("no such file");

  const root = await fs.realpath(options.uiDir).catch(() => null);
  if (root === null) return jsonResponse({ error: { code: "jaeger_ui_missing", message: `JAEGER_UI_DIR ${options.uiDir} does not exist` } }, { status: 500 });

  if (segments.length > 0 && !(segments.length === 1 && segments[0] === "index.html")) {
    const file = await fs.realpath(path.join(root, ...segments)).catch(() => null);
    if (file !== null) {
      // realpath resolves symlinks: nothing outside the UI folder is served, not even through a link.
      if (!file.startsWith(root + path.sep)) return notFound("no such file");
      const stat = await fs.stat(file);
      if (stat.isFile()) return serveFile(request, file, path.relative(root, file), stat);
    }
  }
  return serveIndex(root, options.basePath);
}

async function serveFile(request: Request, file: string, relative: string, stat: { size: number; mtimeMs: number; mtime: Date }): Promise<Response> {
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    "content-type": contentTypeOf(file),
    "cache-control": cacheControlOf(relative),
    etag,
    "last-modified": stat.mtime.toUTCString(),
    "x-content-type-options": "nosniff",
  };
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(await fs.readFile(file), { headers: { ...headers, "content-length": String(stat.size) } });
}

async function serveIndex(root: string, basePath: string): Promise<Response> {
  const html = await fs.readFile(path.join(root, "index.html"), "utf8").catch(() => null);
  if (html === null) return jsonResponse({ error: { code: "jaeger_ui_missing", message: `JAEGER_UI_DIR ${root} has no index.html: point it at a Jaeger UI release build` } }, { status: 500 });
  return new Response(injectIndexHtml(html, basePath), {
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", "x-content-type-options": "nosniff" },
  });
}
