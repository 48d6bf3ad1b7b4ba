import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JsonObject } from "../../ingest/audit/types";
import { listCollection, startWatch } from "./collections";
import { parseCollectionQuery } from "./listOptions";
import { resolveApiPath } from "./paths";
import { groupResourceOf, type GroupResource, type ServedResource } from "./resources";
import { internalError, methodNotAllowed, notAcceptable, objectNotFound, pathNotFound, StatusError, storageInternalError, tooManyRequests, unauthorized, type Status } from "./status";
import { VersionedStore, type ObjectName } from "./store";
import { WatchRegistry } from "./watches";

/**
 * A Kubernetes API server for informer tests, on loopback: it serves list and watch of the
 * declared resources over HTTP as kube-apiserver does (resourceVersions, pagination, 410 Expired,
 * bookmarks, watch timeouts), from an etcd-like store the test writes through the controls below.
 * What it models and what it does not: docs/test-api-server.md.
 */

export interface TestApiServerOptions {
  /** Requests must carry `Authorization: Bearer <token>`; others get 401. */
  token: string;
  resources: readonly ServedResource[];
  /** Keep at most this many changes for watches to replay; older ones are compacted (default: all). */
  historyLimit?: number;
  /** Also send a bookmark to watches that asked for them every this many milliseconds. */
  bookmarkIntervalMs?: number;
  /** Write recorded objects at the resourceVersions they carry, when newer (VersionedStoreOptions.keepRecordedVersions). */
  keepRecordedVersions?: boolean;
}

/** A request as the server received it (before authentication). */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Each parameter's first value, as kube-apiserver reads them. */
  query: Record<string, string>;
  authorization: string | undefined;
}

export interface TestApiServer {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** Every request so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** The newest resourceVersion (of the last write, to any resource). */
  resourceVersion(): string;
  create(groupResource: GroupResource, object: JsonObject): JsonObject;
  update(groupResource: GroupResource, object: JsonObject): JsonObject;
  delete(groupResource: GroupResource, name: ObjectName): JsonObject;
  load(groupResource: GroupResource, objects: readonly JsonObject[]): JsonObject[];
  get(groupResource: GroupResource, name: ObjectName): JsonObject | undefined;
  /** Forgets states older than `resourceVersion` (default: the newest): lists, continues and watches from before it get 410. */
  compact(resourceVersion?: string): void;
  /** Sends a BOOKMARK at the newest resourceVersion to every open watch that asked for bookmarks; returns how many got one. */
  bookmark(): number;
  /** How many watches are streaming now. */
  openWatches(): number;
  /** Resolves once at least `count` watches are streaming. */
  waitForWatches(count: number): Promise<void>;
  /** Ends every open watch: cleanly (a graceful apiserver shutdown), or by dropping the connection when `abruptly`. Returns how many. */
  closeWatches(options?: { abruptly?: boolean }): number;
  /** Sends every open watch one ERROR event with `status` (default: a 500 of the storage layer, storageInternalError) and ends it. Returns how many. */
  failWatches(status?: Status): number;
  /**
   * Answers the next `count` watch requests with `status` before they stream: by default 429
   * TooManyRequests (Priority and Fairness), with its Retry-After; or e.g. `forbidden(...)`, a
   * service account allowed to list but not to watch.
   */
  refuseWatches(count: number, status?: Status): void;
  close(): Promise<void>;
}

export async function startTestApiServer(options: TestApiServerOptions): Promise<TestApiServer> {
  if (options.token === "") throw new Error("the test API server needs a non-empty token");
  const store = new VersionedStore(options.resources, {
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
    ...(options.keepRecordedVersions ? { keepRecordedVersions: true } : {}),
  });
  const watches = new WatchRegistry();
  const requests: RecordedRequest[] = [];
  /** The answers the next watch requests get instead of a stream, in order. */
  const watchRefusals: Status[] = [];

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://apiserver");
    requests.push({ method: request.method ?? "", path: url.pathname, query: firstValues(url.searchParams), authorization: request.headers.authorization });
    try {
      answer(request, response, url);
    } catch (error) {
      const status = error instanceof StatusError ? error.status : internalError(error);
      if (response.headersSent) response.destroy();
      else respond(response, status.code, status);
    }
  });

  function answer(request: IncomingMessage, response: ServerResponse, url: URL): void {
    // Authentication comes first: kube-apiserver tells an unauthenticated client nothing about paths.
    if (bearerToken(request.headers.authorization) !== options.token) throw new StatusError(unauthorized());
    const target = resolveApiPath(url.pathname, options.resources);
    if (!target) throw new StatusError(pathNotFound());
    if (request.method !== "GET") throw new StatusError(methodNotAllowed(request.method ?? ""));
    if (!acceptsJson(request.headers.accept)) throw new StatusError(notAcceptable());
    if (target.kind === "object") {
      const object = store.get(groupResourceOf(target.resource), { name: target.name, ...(target.namespace !== undefined ? { namespace: target.namespace } : {}) });
      if (!object) throw new StatusError(objectNotFound(target.resource, target.name));
      return respond(response, 200, object);
    }
    const query = parseCollectionQuery(url.searchParams);
    const refusal = query.watch ? watchRefusals.shift() : undefined;
    if (refusal !== undefined) {
      if (refusal.details?.retryAfterSeconds !== undefined) response.setHeader("Retry-After", String(refusal.details.retryAfterSeconds));
      throw new StatusError(refusal);
    }
    if (query.watch) return startWatch(store, watches, target, query, response);
    respond(response, 200, listCollection(store, target, query));
  }

  const bookmarkAll = () => watches.bookmark(String(store.resourceVersion));
  const bookmarkTimer = options.bookmarkIntervalMs ? setInterval(bookmarkAll, options.bookmarkIntervalMs) : undefined;
  bookmarkTimer?.unref();

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    resourceVersion: () => String(store.resourceVersion),
    create: (groupResource, object) => store.create(groupResource, object),
    update: (groupResource, object) => store.update(groupResource, object),
    delete: (groupResource, name) => store.delete(groupResource, name),
    load: (groupResource, objects) => store.load(groupResource, objects),
    get: (groupResource, name) => store.get(groupResource, name),
    compact: (resourceVersion) => store.compact(resourceVersion === undefined ? store.resourceVersion : parseResourceVersion(resourceVersion)),
    bookmark: bookmarkAll,
    openWatches: () => watches.size,
    waitForWatches: (count) => watches.waitFor(count),
    closeWatches: (closeOptions) => watches.closeAll(closeOptions),
    failWatches: (status = storageInternalError()) => watches.failAll(status),
    refuseWatches: (count, status = tooManyRequests()) => {
      for (let i = 0; i < count; i++) watchRefusals.push(status);
    },
    close: async () => {
      clearInterval(bookmarkTimer);
      watches.closeAll();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections idle in clients' pools would hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

function respond(response: ServerResponse, code: number, body: JsonObject | Status): void {
  response.writeHead(code, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

/** The bearer token as kube-apiserver's authenticator reads it: scheme in any case, then the token. */
function bearerToken(authorization: string | undefined): string | undefined {
  const [scheme, token] = (authorization ?? "").trim().split(" ");
  return scheme?.toLowerCase() === "bearer" && token ? token : undefined;
}

/** No Accept header, or one that admits JSON (`*\/*`, `application/*`, `application/json`). */
function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept.split(",").some((range) => ["*/*", "application/*", "application/json"].includes(range.split(";")[0]!.trim().toLowerCase()));
}

function firstValues(params: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of params) if (!(name in values)) values[name] = value;
  return values;
}

function parseResourceVersion(value: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`resourceVersion must be a decimal number, got ${JSON.stringify(value)}`);
  return Number(value);
}
