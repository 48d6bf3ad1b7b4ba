import http from "node:http";
import https from "node:https";
import { createInterface } from "node:readline";
import type { KubeConfig } from "@kubernetes/client-node";
import { isJsonObject, type JsonObject, type JsonValue } from "../ingest/audit/types";

/**
 * Keeps a consumer in step with one collection of a Kubernetes API server, the way client-go's
 * reflector does: a paginated LIST, then a WATCH from the list's resourceVersion with bookmarks,
 * watched again from the last version handed over when a watch ends, and listed again when the
 * server says that version is gone (410 Expired) or not reached (its etcd restored from a
 * backup), or ends or refuses the watch with any other error but a 429. Connection, TLS and credentials come from @kubernetes/client-node's KubeConfig
 * (kubeconfig files, in-cluster service accounts, exec plugins).
 *
 * Delivery is at least once: a resourceVersion counts as reached only once the consumer has
 * taken every change up to it (its promise resolved). When the consumer fails (the database is
 * down), the reflector backs off and watches again from the last version reached, so the changes
 * it could not take come again; when that version has expired meanwhile, a relist brings every
 * object as it is now. Consumers must therefore be idempotent (Kubetrail's stores are: receipts).
 * We do not use client-node's ListWatch: it keeps every object in memory, asks for no bookmarks,
 * stops for good on the first error that is not a 410, and drops lines it cannot parse silently.
 */

export type ChangeType = "LISTED" | "ADDED" | "MODIFIED" | "DELETED";

export interface ObservedChange {
  type: ChangeType;
  object: JsonObject;
}

export interface ReflectorOptions {
  kubeConfig: KubeConfig;
  /** The collection's path, e.g. "/api/v1/events" (every namespace) or "/apis/apps/v1/namespaces/x/deployments". */
  path: string;
  /**
   * Takes a batch of changes; the reflector waits for it before it reads on (backpressure).
   * `apiVersion` is the collection's (list items and watch objects may lack their own).
   */
  consume(changes: ObservedChange[], apiVersion: string | null): Promise<void>;
  signal: AbortSignal;
  log?(message: string): void;
  /**
   * Called as a LIST starts (again): what is listed from here on is one view of the collection. A
   * list given up half-way, or started over as a whole after its continue token expired, starts anew.
   */
  listStarting?(): void;
  /**
   * Called once a whole LIST has been taken (every page's `consume` resolved), with its
   * resourceVersion, before the watch from it: every object that exists at that version has been
   * handed over as LISTED since `listStarting`, so what the consumer knew and the list did not
   * bring was deleted meanwhile (client-go's DeletedFinalStateUnknown). A failure counts as the
   * list's: backed off and listed again.
   */
  listComplete?(resourceVersion: string): Promise<void>;
  /** Objects per LIST page (default 500). */
  pageSize?: number;
  /** How long the server keeps one watch open (default 300 s, as client-go's 5–10 min range). */
  watchTimeoutSeconds?: number;
  /** Changes handed over at most together, and how long a change waits for others (default 500, 200 ms). */
  maxBatch?: number;
  batchDelayMs?: number;
  /** Back-off after a failure: doubling from `minBackoffMs` to `maxBackoffMs` (default 1 s to 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Largest LIST answer accepted (default 64 MiB): a bigger one is an error, not a crash. The
   * whole list, when a continue token expired, must fit too.
   */
  maxPageBytes?: number;
  /** Largest watch event (one line) accepted (default 16 MiB; an object is at most ~1.5 MiB in etcd). */
  maxWatchEventBytes?: number;
  /**
   * How long a request may wait for the server without a byte coming back (default 2 minutes;
   * kube-apiserver ends its own requests after 1): a LIST until its answer ends, a WATCH until its
   * headers come (then the watch's own timeout applies). Else a connection that was taken and
   * never answered (a black-holed address, a hung server) would hold the reflector for ever.
   */
  requestTimeoutMs?: number;
}

/** The server answered with an error status; `code` 410 means the resourceVersion or continue token expired. */
export class ApiServerError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string | null,
    /** The Status's details.causes. */
    readonly causes: ReadonlyArray<{ reason: string | null; message: string | null }> = [],
  ) {
    super(message);
  }
}

const isGone = (error: unknown): boolean => error instanceof ApiServerError && error.code === 410;

/**
 * The server has not reached the resourceVersion asked for, as client-go's
 * isTooLargeResourceVersionError reads it: the cause ResourceVersionTooLarge, or (1.17.0–1.18.5)
 * a 504 whose cause says "Too large resource version", or (before) whose message says so.
 */
function isAhead(error: unknown): boolean {
  if (!(error instanceof ApiServerError)) return false;
  if (error.causes.some((cause) => cause.reason === "ResourceVersionTooLarge")) return true;
  return error.code === 504 && (error.causes.some((cause) => cause.message === "Too large resource version") || error.message.includes("Too large non-consistent resource version"));
}

/** A Status's details.causes, as far as they are given. */
function causesOf(status: JsonObject): ApiServerError["causes"] {
  const causes = isJsonObject(status.details) && Array.isArray(status.details.causes) ? status.details.causes.filter(isJsonObject) : [];
  return causes.map((cause) => ({
    reason: typeof cause.reason === "string" ? cause.reason : null,
    message: typeof cause.message === "string" ? cause.message : null,
  }));
}

/** What a reflector is doing: listing, watching, waiting after a failure, or stopped (after a shutdown). */
export type ReflectorState = "starting" | "listing" | "watching" | "backing-off" | "stopped";

/** What a reflector has done so far, for logs, tests and the status endpoint (GET /api/sources). */
export interface ReflectorStats {
  state: ReflectorState;
  /** The last failure's message and when it came (ISO 8601); null until one does. Not cleared by success: `state` tells whether it lasts. */
  lastError: { message: string; at: string } | null;
  lists: number;
  watches: number;
  /** Relists because the server had compacted the version being watched (or a continue token). */
  expired: number;
  /**
   * Relists because the server had not reached the version being watched from: its etcd was
   * restored from a backup, or another cluster answers at its address. Watching on from there
   * would wait for a version that, when reached, is another history.
   */
  ahead: number;
  failures: number;
  changes: number;
  bookmarks: number;
  /** The last resourceVersion whose changes the consumer took. */
  resourceVersion: string | null;
}

/** Runs until `signal` aborts; resolves then. Never rejects: failures are logged and retried with back-off. */
export async function runReflector(options: ReflectorOptions, stats: ReflectorStats = newReflectorStats()): Promise<ReflectorStats> {
  const log = options.log ?? (() => {});
  const minBackoff = options.minBackoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  let backoff = 0;
  let resourceVersion: string | null = null;
  // A watch the server failed or refused (outcome.relist): the list that follows it succeeding
  // says nothing of the next watch, so it keeps the back-off growing until a watch brings
  // something (as client-go's back-off manager does, reset only after two quiet minutes). Else a
  // server refusing every watch (a role granting list, not watch) was listed every minBackoffMs.
  let watchFailed = false;
  while (!options.signal.aborted) {
    try {
      if (resourceVersion === null) {
        stats.state = "listing";
        resourceVersion = await listAll(options, stats);
        stats.resourceVersion = resourceVersion;
        if (!watchFailed) backoff = 0;
      }
      stats.state = "watching";
      const outcome = await watchFrom(options, resourceVersion, stats);
      // Even a watch that failed moves on to the last version whose changes were taken.
      resourceVersion = outcome.resourceVersion;
      stats.resourceVersion = resourceVersion;
      if (outcome.gone) {
        stats.expired++;
        log(`${options.path}: resourceVersion ${resourceVersion} expired; listing again`);
        resourceVersion = null;
        continue;
      }
      if (outcome.ahead) {
        stats.ahead++;
        log(`${options.path}: the server has not reached resourceVersion ${resourceVersion} (restored from a backup?); listing again`);
        resourceVersion = null;
        continue;
      }
      if (outcome.error !== null) {
        if (outcome.relist) {
          resourceVersion = null;
          watchFailed = true;
        }
        throw outcome.error;
      }
      if (outcome.progressed) {
        backoff = 0;
        watchFailed = false;
      }
      // A watch that ended having brought nothing at all (a server that closes at once) is retried with back-off.
      else if (!options.signal.aborted) {
        stats.state = "backing-off";
        backoff = await pause(options.signal, backoff, minBackoff, maxBackoff);
      }
    } catch (error) {
      if (options.signal.aborted) break;
      if (isGone(error)) {
        // A continue token (or the watched version) expired: list again from the start.
        stats.expired++;
        resourceVersion = null;
        continue;
      }
      stats.failures++;
      stats.lastError = { message: (error as Error).message, at: new Date().toISOString() };
      stats.state = "backing-off";
      const again = resourceVersion === null ? "listing again" : "trying again";
      log(`${options.path}: ${(error as Error).message}; ${again} in ${nextBackoff(backoff, minBackoff, maxBackoff) / 1000} s`);
      backoff = await pause(options.signal, backoff, minBackoff, maxBackoff);
    }
  }
  stats.state = "stopped";
  return stats;
}

export function newReflectorStats(): ReflectorStats {
  return { state: "starting", lastError: null, lists: 0, watches: 0, expired: 0, ahead: 0, failures: 0, changes: 0, bookmarks: 0, resourceVersion: null };
}

const nextBackoff = (current: number, min: number, max: number) => Math.min(current === 0 ? min : current * 2, max);

async function pause(signal: AbortSignal, current: number, min: number, max: number): Promise<number> {
  const wait = nextBackoff(current, min, max);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, wait);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
  return wait;
}

/** Lists the collection page by page, handing each page over; returns the list's resourceVersion. */
async function listAll(options: ReflectorOptions, stats: ReflectorStats): Promise<string> {
  stats.lists++;
  options.listStarting?.();
  const pageSize = options.pageSize ?? 500;
  let continueToken: string | null = null;
  for (;;) {
    const query: Record<string, string> = { limit: String(pageSize) };
    if (continueToken) query.continue = continueToken;
    let page: ListPage;
    try {
      page = readListPage(options, await getJson(options, query));
    } catch (error) {
      if (continueToken === null || !isGone(error)) throw error;
      // Taking the pages took longer than etcd keeps the list's snapshot: listed again in pages, it
      // would most likely expire again, for ever. As client-go's pager does, the whole list in one
      // answer, whose items are then taken a page at a time: nothing is left to expire.
      stats.expired++;
      options.log?.(`${options.path}: the list's continue token expired while its pages were taken; listing everything at once`);
      stats.lists++;
      const whole = readListPage(options, await getJson(options, {}));
      options.listStarting?.();
      for (let start = 0; start < whole.items.length; start += pageSize) {
        await takeListed(options, stats, whole.items.slice(start, start + pageSize), whole.apiVersion);
      }
      return completed(options, listVersion(options, whole));
    }
    await takeListed(options, stats, page.items, page.apiVersion);
    if (page.continueToken === null) return completed(options, listVersion(options, page));
    continueToken = page.continueToken;
  }
}

/** Tells the consumer the list is complete, unless shutting down: nothing is begun after that. */
async function completed(options: ReflectorOptions, resourceVersion: string): Promise<string> {
  if (!options.signal.aborted) await options.listComplete?.(resourceVersion);
  return resourceVersion;
}

interface ListPage {
  items: JsonObject[];
  /** The list's (its items may lack their own). */
  apiVersion: string | null;
  continueToken: string | null;
  resourceVersion: string | null;
}

function readListPage(options: ReflectorOptions, page: JsonObject): ListPage {
  const metadata = isJsonObject(page.metadata) ? page.metadata : {};
  const items = Array.isArray(page.items) ? page.items.filter(isJsonObject) : null;
  if (items === null) throw new Error(`LIST ${options.path}: the answer has no items array`);
  return {
    items,
    apiVersion: typeof page.apiVersion === "string" ? page.apiVersion : null,
    continueToken: typeof metadata.continue === "string" && metadata.continue !== "" ? metadata.continue : null,
    resourceVersion: typeof metadata.resourceVersion === "string" && metadata.resourceVersion !== "" ? metadata.resourceVersion : null,
  };
}

/** The resourceVersion the list was read at, as its last page tells. */
function listVersion(options: ReflectorOptions, lastPage: ListPage): string {
  if (lastPage.resourceVersion === null) throw new Error(`LIST ${options.path}: the answer has no metadata.resourceVersion`);
  return lastPage.resourceVersion;
}

async function takeListed(options: ReflectorOptions, stats: ReflectorStats, items: JsonObject[], apiVersion: string | null): Promise<void> {
  if (items.length === 0) return;
  await options.consume(items.map((object) => ({ type: "LISTED", object })), apiVersion);
  stats.changes += items.length;
}

interface WatchOutcome {
  /** The last version whose changes the consumer took. */
  resourceVersion: string;
  /** The server said the version expired (410): list again. */
  gone: boolean;
  /** The server said it has not reached the version (isAhead): list again. */
  ahead: boolean;
  /**
   * The server ended or refused the watch with another error status (an ERROR event, or the
   * watch request's answer) that is not a 429: list again after backing off, as client-go's
   * reflector does (its watch() returns, and ListAndWatch starts over with a list). Going on
   * from a version the server failed to serve could miss what it failed on; a list cannot.
   */
  relist: boolean;
  /** Whether the watch brought anything (a change or a bookmark). */
  progressed: boolean;
  /** Why it ended, when it failed (the consumer's failure, a bad line, an error event); null: it just ended. */
  error: unknown;
}

async function requestOptions(options: ReflectorOptions, query: Record<string, string>): Promise<{ url: URL; init: https.RequestOptions }> {
  const cluster = options.kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster");
  const url = new URL(cluster.server.replace(/\/+$/, "") + options.path);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const init: https.RequestOptions = { method: "GET", headers: { Accept: "application/json" } };
  await options.kubeConfig.applyToHTTPSOptions(init);
  return { url, init };
}

/**
 * One GET. `timeout.ms` without a byte from the server fails it, naming `timeout.what`: until the
 * answer ends, or (`untilHeaders`, a watch) until its headers come.
 */
function send(url: URL, init: https.RequestOptions, signal: AbortSignal, timeout: { what: string; ms: number; untilHeaders: boolean }): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const silent = () => request.destroy(new Error(`${timeout.what}: no answer for ${timeout.ms / 1000} s`));
    const request = (url.protocol === "https:" ? https : http).request(url, { ...init, signal }, (response) => {
      if (timeout.untilHeaders) request.removeListener("timeout", silent);
      resolve(response);
    });
    request.setTimeout(timeout.ms, silent);
    request.on("error", reject);
    request.end();
  });
}

const requestTimeoutOf = (options: ReflectorOptions) => options.requestTimeoutMs ?? 120_000;

/** Reads a Status answer's message and reason, for errors that name what the server said. */
async function statusError(what: string, response: http.IncomingMessage): Promise<ApiServerError> {
  let text = "";
  for await (const chunk of response) {
    if (text.length < 64 * 1024) text += chunk;
  }
  let message = text.trim().slice(0, 500);
  let reason: string | null = null;
  let causes: ApiServerError["causes"] = [];
  try {
    const status = JSON.parse(text) as JsonValue;
    if (isJsonObject(status)) {
      if (typeof status.message === "string") message = status.message;
      if (typeof status.reason === "string") reason = status.reason;
      causes = causesOf(status);
    }
  } catch {
    // Not a Status: the text itself is the best message.
  }
  return new ApiServerError(`${what}: HTTP ${response.statusCode}${message ? `: ${message}` : ""}`, response.statusCode ?? 0, reason, causes);
}

async function getJson(options: ReflectorOptions, query: Record<string, string>): Promise<JsonObject> {
  const { url, init } = await requestOptions(options, query);
  const response = await send(url, init, options.signal, { what: `LIST ${options.path}`, ms: requestTimeoutOf(options), untilHeaders: false });
  if (response.statusCode !== 200) throw await statusError(`LIST ${options.path}`, response);
  const limit = options.maxPageBytes ?? 64 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      response.destroy();
      throw new Error(`LIST ${options.path}: ${query.limit ? "a page" : "the whole list"} larger than ${limit} bytes (maxPageBytes)${query.limit ? "; lower the page size" : ""}`);
    }
    chunks.push(chunk);
  }
  let page: JsonValue;
  try {
    page = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new Error(`LIST ${options.path}: the answer is not JSON (${(error as Error).message})`);
  }
  if (!isJsonObject(page)) throw new Error(`LIST ${options.path}: the answer is not a JSON object`);
  return page;
}

function versionOf(object: JsonObject): string | null {
  const metadata = object.metadata;
  return isJsonObject(metadata) && typeof metadata.resourceVersion === "string" && metadata.resourceVersion !== "" ? metadata.resourceVersion : null;
}

/**
 * One watch from `resourceVersion`, until the server ends it (timeoutSeconds), the connection
 * drops, or the server says the version expired. Changes are handed over in batches; the
 * version returned is the last one whose changes the consumer took (or a bookmark's, when
 * nothing was waiting to be taken).
 */
async function watchFrom(options: ReflectorOptions, resourceVersion: string, stats: ReflectorStats): Promise<WatchOutcome> {
  const outcome: WatchOutcome = { resourceVersion, gone: false, ahead: false, relist: false, progressed: false, error: null };
  // Shut down while the list's last page was taken: an abort before the listener below never fires it.
  if (options.signal.aborted) return outcome;
  stats.watches++;
  const timeoutSeconds = options.watchTimeoutSeconds ?? 300;
  const maxBatch = options.maxBatch ?? 500;
  const delay = options.batchDelayMs ?? 200;
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.signal.addEventListener("abort", abort, { once: true });
  // Changes read and not yet taken, with the version the last of them brings.
  let pending: ObservedChange[] = [];
  let pendingVersion: string | null = null;
  let apiVersion: string | null = null;
  let taking: Promise<void> = Promise.resolve();
  let failed: unknown = null;
  let timer: NodeJS.Timeout | null = null;
  let response: http.IncomingMessage | null = null;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.length === 0) return;
    const batch = pending;
    const version = pendingVersion;
    pending = [];
    pendingVersion = null;
    // Taken one batch at a time, in order; reading pauses while the consumer is behind.
    response?.pause();
    taking = taking.then(async () => {
      // Not started once shut down: its changes come again, as its version was not reached.
      if (failed !== null || options.signal.aborted) return;
      try {
        await options.consume(batch, apiVersion);
        stats.changes += batch.length;
        if (version !== null) stats.resourceVersion = outcome.resourceVersion = version;
        response?.resume();
      } catch (error) {
        failed = error;
        controller.abort();
      }
    });
  };

  try {
    const { url, init } = await requestOptions(options, {
      watch: "1",
      resourceVersion,
      allowWatchBookmarks: "true",
      timeoutSeconds: String(timeoutSeconds),
    });
    response = await send(url, init, controller.signal, { what: `WATCH ${options.path}`, ms: requestTimeoutOf(options), untilHeaders: true });
    if (response.statusCode !== 200) throw await statusError(`WATCH ${options.path}`, response);
    // A server that stops sending (a half-open connection) is given up on a minute after the
    // watch should have ended; bookmarks and the timeout keep a healthy one talking.
    response.setTimeout((timeoutSeconds + 60) * 1000, () => controller.abort());
    // readline holds a line until its end comes: one longer than any object is given up on here,
    // before it fills memory (a wrong address, a proxy, a server streaming what has no end of line).
    const maxEventBytes = options.maxWatchEventBytes ?? 16 * 1024 * 1024;
    let lineBytes = 0;
    response.on("data", (chunk: Buffer) => {
      const end = chunk.lastIndexOf(0x0a);
      lineBytes = end < 0 ? lineBytes + chunk.length : chunk.length - end - 1;
      if (lineBytes > maxEventBytes) response?.destroy(new Error(`WATCH ${options.path}: a watch event larger than ${maxEventBytes} bytes (maxWatchEventBytes)`));
    });
    const lines = createInterface({ input: response, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === "") continue;
      let event: JsonValue;
      try {
        event = JSON.parse(line);
      } catch {
        throw new Error(`WATCH ${options.path}: a line that is not JSON: ${line.slice(0, 200)}`);
      }
      if (!isJsonObject(event) || typeof event.type !== "string" || !isJsonObject(event.object)) {
        throw new Error(`WATCH ${options.path}: an event without type and object: ${line.slice(0, 200)}`);
      }
      const object = event.object;
      switch (event.type) {
        case "ADDED":
        case "MODIFIED":
        case "DELETED": {
          outcome.progressed = true;
          if (typeof object.apiVersion === "string") apiVersion ??= object.apiVersion;
          pending.push({ type: event.type, object });
          pendingVersion = versionOf(object) ?? pendingVersion;
          if (pending.length >= maxBatch) flush();
          else timer ??= setTimeout(flush, delay);
          break;
        }
        case "BOOKMARK": {
          outcome.progressed = true;
          stats.bookmarks++;
          const version = versionOf(object);
          // Reached once everything read before it is taken.
          if (version !== null) {
            if (pending.length === 0) taking = taking.then(() => {
              if (failed === null) stats.resourceVersion = outcome.resourceVersion = version;
            });
            else pendingVersion = version;
          }
          break;
        }
        case "ERROR": {
          const code = typeof object.code === "number" ? object.code : 0;
          if (code === 410) {
            flush();
            await taking;
            if (failed !== null) throw failed;
            return { ...outcome, gone: true };
          }
          throw new ApiServerError(
            `WATCH ${options.path}: ${typeof object.message === "string" ? object.message : `error ${code}`}`,
            code,
            typeof object.reason === "string" ? object.reason : null,
            causesOf(object),
          );
        }
        default:
          throw new Error(`WATCH ${options.path}: an event of unknown type ${JSON.stringify(event.type)}`);
      }
    }
    flush();
    await taking;
    if (failed !== null) throw failed;
    return outcome;
  } catch (error) {
    // What was read before the failure is still handed over, so the next watch starts after it.
    if (failed === null && !options.signal.aborted) flush();
    // Even when shutting down: the batch being taken is finished (its transaction is under way),
    // and the reflector stops only then, before what it writes to is closed.
    await taking;
    if (failed !== null) return { ...outcome, error: failed };
    if (isGone(error)) return { ...outcome, gone: true };
    if (isAhead(error)) return { ...outcome, ahead: true };
    // 429 (Priority and Fairness) is load, not a fault of the version: watched again from it after back-off.
    if (error instanceof ApiServerError && error.code !== 429) return { ...outcome, error, relist: true };
    // Ended from here (shutdown, a silent connection) or by the network (an apiserver restarting):
    // an ordinary end once the watch had brought something; else a failure, retried with back-off.
    const dropped = controller.signal.aborted || (error as NodeJS.ErrnoException).code === "ECONNRESET" || (error as Error).name === "AbortError";
    return { ...outcome, error: dropped && outcome.progressed ? null : error };
  } finally {
    if (timer) clearTimeout(timer);
    options.signal.removeEventListener("abort", abort);
    response?.destroy();
  }
}
