import type { ServerResponse } from "node:http";
import type { JsonObject } from "../../ingest/audit/types";
import { CONTINUE_AT_NEWEST, decodeContinue, encodeContinue } from "./continueToken";
import type { ListOptions, WatchOptions } from "./listOptions";
import { apiVersionOf, groupResourceOf, listKindOf, type ServedResource } from "./resources";
import {
  badRequest,
  expired,
  EXPIRED_CONTINUE_MESSAGE,
  EXPIRED_LIST_MESSAGE,
  expiredWatchMessage,
  StatusError,
  tooLargeResourceVersion,
  type Status,
} from "./status";
import { CompactedError, FutureResourceVersionError, type ListPage, type VersionedStore } from "./store";
import { OpenWatch, type WatchEvent, type WatchRegistry } from "./watches";

/** A collection a request names: a resource, in one namespace or all. */
export interface CollectionTarget {
  resource: ServedResource;
  namespace?: string;
}

/**
 * The list kube-apiserver answers (an EventList...): metadata.resourceVersion is the revision the
 * items were read at; metadata.continue and remainingItemCount when `limit` cut it short. Items
 * carry no kind or apiVersion, as in a real typed list (kubectl adds them when it prints a List).
 */
export function listCollection(store: VersionedStore, target: CollectionTarget, options: ListOptions): JsonObject {
  const prefix = target.namespace === undefined ? "" : `${target.namespace}/`;
  const { resourceVersion, fromKey } = options.continueToken ? continuedRead(store, options, prefix) : { resourceVersion: listedVersion(store, options), fromKey: undefined };
  let page: ListPage;
  try {
    page = store.list(groupResourceOf(target.resource), {
      namespace: target.namespace,
      resourceVersion,
      ...(fromKey !== undefined ? { fromKey } : {}),
      ...(options.limit > 0 ? { limit: options.limit } : {}),
    });
  } catch (error) {
    throw new StatusError(readFailure(error, store));
  }
  const metadata: JsonObject = { resourceVersion: String(page.resourceVersion) };
  if (page.continueFrom !== undefined) {
    metadata.continue = encodeContinue({ startKey: page.continueFrom.slice(prefix.length), resourceVersion: page.resourceVersion });
    metadata.remainingItemCount = page.remainingItemCount;
  }
  return {
    kind: listKindOf(target.resource),
    apiVersion: apiVersionOf(target.resource),
    metadata,
    items: page.items.map(({ kind: _kind, apiVersion: _apiVersion, ...item }) => item),
  };
}

/**
 * The revision a list without continue reads at. Unset and "0" read the newest state (a real
 * server may serve "0" from a cache that lags; this one has no lag). A resourceVersion with
 * resourceVersionMatch=Exact, or with a limit and no match (the legacy rule), reads exactly there;
 * otherwise it is a "not older than" floor, met by the newest state.
 */
function listedVersion(store: VersionedStore, options: ListOptions): number {
  const requested = options.resourceVersion;
  if (requested.kind !== "at") return store.resourceVersion;
  if (requested.resourceVersion > store.resourceVersion) throw new StatusError(tooLargeResourceVersion(requested.resourceVersion, store.resourceVersion));
  const exact = options.resourceVersionMatch === "Exact" || (options.resourceVersionMatch === "" && options.limit > 0);
  return exact ? requested.resourceVersion : store.resourceVersion;
}

/** Where a continued list reads: the token's snapshot (410 once compacted, with a token to go on at the newest). */
function continuedRead(store: VersionedStore, options: ListOptions, prefix: string): { resourceVersion: number; fromKey: string } {
  if (options.resourceVersion.kind === "at") throw new StatusError(badRequest("specifying resource version is not allowed when using continue"));
  const position = decodeContinue(options.continueToken);
  if ("invalid" in position) throw new StatusError(badRequest(`invalid continue token: ${position.invalid}`));
  const fromKey = prefix + position.startKey;
  if (position.resourceVersion === CONTINUE_AT_NEWEST) return { resourceVersion: store.resourceVersion, fromKey };
  if (position.resourceVersion < store.compactedResourceVersion) {
    throw new StatusError(expired(EXPIRED_CONTINUE_MESSAGE, encodeContinue({ startKey: position.startKey, resourceVersion: CONTINUE_AT_NEWEST })));
  }
  return { resourceVersion: position.resourceVersion, fromKey };
}

function readFailure(error: unknown, store: VersionedStore): Status {
  if (error instanceof CompactedError) return expired(EXPIRED_LIST_MESSAGE);
  if (error instanceof FutureResourceVersionError) return tooLargeResourceVersion(error.requested, store.resourceVersion);
  throw error;
}

/**
 * Streams a watch as kube-apiserver does over HTTP/1.1: 200 at once, then one JSON event per
 * line. Unset or "0" resourceVersion: an ADDED for every current object, then every later change;
 * resourceVersion X: every change after X, from the history. A watch that cannot start once its
 * options are valid (X compacted, or not reached yet) still answers 200, with one ERROR event
 * carrying the Status, and ends, as the watch cache does.
 */
export function startWatch(store: VersionedStore, registry: WatchRegistry, target: CollectionTarget, options: WatchOptions, response: ServerResponse): void {
  response.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
  response.flushHeaders();
  const watch = new OpenWatch(response, target.resource, options.allowWatchBookmarks);
  const groupResource = groupResourceOf(target.resource);
  let backlog: WatchEvent[];
  try {
    if (options.resourceVersion.kind === "at") {
      backlog = store.changesAfter(groupResource, target.namespace, options.resourceVersion.resourceVersion).map(({ type, object }) => ({ type, object }));
    } else {
      const current = store.list(groupResource, { namespace: target.namespace, resourceVersion: store.resourceVersion });
      backlog = current.items.map((object) => ({ type: "ADDED", object }));
    }
  } catch (error) {
    watch.send({ type: "ERROR", object: watchFailure(error) });
    watch.end();
    return;
  }
  // Node runs this whole function before any other write, so no change falls between backlog and subscription.
  for (const event of backlog) watch.send(event);
  const unsubscribe = store.subscribe((change) => {
    if (change.groupResource === groupResource && (target.namespace === undefined || change.namespace === target.namespace)) {
      watch.send({ type: change.type, object: change.object });
    }
  });
  watch.onEnd(unsubscribe);
  if (options.timeoutSeconds !== undefined) {
    const timer = setTimeout(() => watch.end(), options.timeoutSeconds * 1000);
    watch.onEnd(() => clearTimeout(timer));
  }
  registry.add(watch);
}

function watchFailure(error: unknown): Status {
  if (error instanceof CompactedError) return expired(expiredWatchMessage(error.requested, error.compacted));
  if (error instanceof FutureResourceVersionError) return tooLargeResourceVersion(error.requested, error.current);
  throw error;
}
