import type { ServerResponse } from "node:http";
import type { JsonObject } from "../../ingest/audit/types";
import { apiVersionOf, type ServedResource } from "./resources";
import type { Status } from "./status";

/** One event of a watch stream: a line of JSON, as kube-apiserver writes them over HTTP/1.1. */
export type WatchEvent =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: JsonObject }
  | { type: "BOOKMARK"; object: { kind: string; apiVersion: string; metadata: { resourceVersion: string } } }
  | { type: "ERROR"; object: Status };

/** A watch response being streamed; ends once, however it ends. */
export class OpenWatch {
  private ended = false;
  private readonly endListeners: Array<() => void> = [];

  constructor(
    private readonly response: ServerResponse,
    private readonly resource: ServedResource,
    /** Whether the client asked for bookmarks (allowWatchBookmarks). */
    private readonly wantsBookmarks: boolean,
  ) {
    // The client went away (or the socket was destroyed): stop streaming to it.
    response.on("close", () => this.finish());
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  send(event: WatchEvent): void {
    if (this.ended) return;
    this.response.write(`${JSON.stringify(event)}\n`);
  }

  /**
   * A BOOKMARK: "every change up to `resourceVersion` has been sent to you". kube-apiserver's
   * carries an empty object of the watched kind; this one carries its kind, apiVersion and
   * metadata.resourceVersion only (the zero-valued fields are left out).
   */
  sendBookmark(resourceVersion: string): boolean {
    if (!this.wantsBookmarks || this.ended) return false;
    this.send({ type: "BOOKMARK", object: { kind: this.resource.kind, apiVersion: apiVersionOf(this.resource), metadata: { resourceVersion } } });
    return true;
  }

  /** A clean end of the stream (the terminating chunk), as on timeoutSeconds or a graceful apiserver shutdown. */
  end(): void {
    if (this.ended) return;
    this.finish();
    this.response.end();
  }

  /** Drops the connection without ending the stream, as when an apiserver dies. */
  destroy(): void {
    if (this.ended) return;
    this.finish();
    this.response.destroy();
  }

  /** Runs `listener` once the watch has ended, however. */
  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const listener of this.endListeners.splice(0)) listener();
  }
}

/** The open watches of a server, so tests can send bookmarks to, count, wait for and close them. */
export class WatchRegistry {
  private readonly open = new Set<OpenWatch>();
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  add(watch: OpenWatch): void {
    if (!watch.isOpen) return;
    this.open.add(watch);
    watch.onEnd(() => this.open.delete(watch));
    this.waiters = this.waiters.filter((waiter) => {
      if (this.open.size < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  get size(): number {
    return this.open.size;
  }

  /** Resolves once at least `count` watches are open (immediately if they already are). */
  waitFor(count: number): Promise<void> {
    if (this.open.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Sends a BOOKMARK at `resourceVersion` to every open watch that asked for bookmarks; returns how many got one. */
  bookmark(resourceVersion: string): number {
    return [...this.open].filter((watch) => watch.sendBookmark(resourceVersion)).length;
  }

  /**
   * Sends every open watch one ERROR event carrying `status`, then ends it, as kube-apiserver's
   * watch does when its storage fails (an etcd value it cannot decrypt or decode: 500
   * InternalError). Returns how many.
   */
  failAll(status: Status): number {
    const failing = [...this.open];
    for (const watch of failing) {
      watch.send({ type: "ERROR", object: status });
      watch.end();
    }
    return failing.length;
  }

  /** Ends every open watch: cleanly, or by dropping its connection when `abruptly`. */
  closeAll({ abruptly = false }: { abruptly?: boolean } = {}): number {
    const closing = [...this.open];
    for (const watch of closing) {
      if (abruptly) watch.destroy();
      else watch.end();
    }
    return closing.length;
  }
}
