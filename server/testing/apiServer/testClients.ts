import { KubeConfig, Watch } from "@kubernetes/client-node";
import type { JsonObject } from "../../ingest/audit/types";
import type { TestApiServer } from "./server";

/**
 * Clients for the test API server's own tests, the two ways Kubetrail talks to a cluster:
 * `@kubernetes/client-node` (as the informer will) and plain fetch (to see the wire).
 */

/** A kubeconfig pointing at `url` with a bearer token, as server/k8s/clientNode.integration-test.ts builds one. */
export function loopbackKubeConfig(url: string, token: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    // client-node refuses plain HTTP unless TLS verification is explicitly off.
    clusters: [{ name: "loopback", server: url, skipTLSVerify: true }],
    users: [{ name: "kubetrail", token }],
    contexts: [{ name: "loopback", cluster: "loopback", user: "kubetrail" }],
    currentContext: "loopback",
  });
  return config;
}

export interface ReceivedEvent {
  type: string;
  object: JsonObject;
}

export interface WatchSession {
  /** Every event so far, in arrival order. */
  events: ReceivedEvent[];
  /** Settles with what client-node passed to `done`: null for a clean end of the stream, else the error. */
  ended: Promise<unknown>;
  /** Resolves once `count` events have arrived; rejects if the stream ends first. */
  eventCount(count: number): Promise<ReceivedEvent[]>;
  stop(): void;
}

/** A client-node Watch on `path`, collecting its events. Resolves once the server has answered with its headers. */
export async function watchWithClientNode(config: KubeConfig, path: string, query: Record<string, string | number | boolean | undefined>): Promise<WatchSession> {
  const events: ReceivedEvent[] = [];
  const waiting: Array<{ count: number; resolve: (events: ReceivedEvent[]) => void }> = [];
  let finish!: (outcome: unknown) => void;
  const ended = new Promise<unknown>((resolve) => (finish = resolve));
  const controller = await new Watch(config).watch(
    path,
    query,
    (type, object: JsonObject) => {
      events.push({ type, object });
      for (const waiter of waiting.filter(({ count }) => events.length >= count)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(events.slice());
      }
    },
    (outcome) => finish(outcome),
  );
  return {
    events,
    ended,
    eventCount: (count) =>
      events.length >= count
        ? Promise.resolve(events.slice())
        : Promise.race([
            new Promise<ReceivedEvent[]>((resolve) => waiting.push({ count, resolve })),
            ended.then((outcome) => {
              throw new Error(`the watch ended (${String(outcome)}) after ${events.length} of ${count} events: ${JSON.stringify(events.map(({ type }) => type))}`);
            }),
          ]),
    stop: () => controller.abort(),
  };
}

/** A GET with the server's token (or `authorization`), its JSON body parsed. */
export async function getJson(
  server: TestApiServer,
  path: string,
  query: Record<string, string> = {},
  init: { authorization?: string | null; method?: string; accept?: string } = {},
): Promise<{ status: number; headers: Headers; body: JsonObject }> {
  const headers: Record<string, string> = {};
  if (init.authorization !== null) headers.authorization = init.authorization ?? `Bearer ${TEST_TOKEN}`;
  if (init.accept) headers.accept = init.accept;
  const response = await fetch(`${server.url}${path}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ""}`, { method: init.method ?? "GET", headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as JsonObject };
}

/** A watch read with fetch to its end: the status, headers and every line, parsed. */
export async function watchToEnd(server: TestApiServer, path: string, query: Record<string, string>): Promise<{ status: number; headers: Headers; lines: JsonObject[] }> {
  const response = await fetch(`${server.url}${path}?${new URLSearchParams({ watch: "true", ...query })}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  const text = await response.text();
  const lines = text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as JsonObject);
  return { status: response.status, headers: response.headers, lines };
}

export const TEST_TOKEN = "test-token";
