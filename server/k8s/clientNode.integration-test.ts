import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, KubeConfig, Watch } from "@kubernetes/client-node";
import { loadYamlList } from "../testing/fixtures";
import type { JsonObject } from "../ingest/audit/types";

// `@kubernetes/client-node` 2 depends on undici 8, which needs Node 22.19 and throws while
// loading on Node 20 (zlib has no zstd there). package.json's `overrides` pins undici 7 under
// it. These tests load the client, list and watch over loopback HTTP the way informers will,
// so a dependency update that breaks it on our Node fails here rather than in production.

const NAMESPACE = "openshift-apiserver";
// Real Pods recorded by an OpenShift must-gather (PROVENANCE.md in that folder).
const pods = loadYamlList(`openshift-must-gather-azure/namespaces/${NAMESPACE}/core/pods.yaml`);
const TOKEN = "test-token";

const nameOf = (object: JsonObject) => (object.metadata as { name: string }).name;
const uidOf = (object: JsonObject) => (object.metadata as { uid: string }).uid;

interface Seen {
  url: string;
  authorization: string | undefined;
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];

function answer(request: IncomingMessage): { status: number; lines: string[] } {
  const url = new URL(request.url ?? "/", "http://apiserver");
  if (request.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, lines: [JSON.stringify({ kind: "Status", code: 401 })] };
  if (url.pathname !== `/api/v1/namespaces/${NAMESPACE}/pods`) return { status: 404, lines: [JSON.stringify({ kind: "Status", code: 404 })] };
  if (url.searchParams.get("watch") === "true") {
    // One watch event per recorded Pod, then a bookmark, as newline-delimited JSON.
    const events = pods.map((pod) => JSON.stringify({ type: "MODIFIED", object: pod }));
    events.push(JSON.stringify({ type: "BOOKMARK", object: { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: "999" } } }));
    return { status: 200, lines: events };
  }
  return { status: 200, lines: [JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "998" }, items: pods })] };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url ?? "", authorization: request.headers.authorization });
    const { status, lines } = answer(request);
    response.writeHead(status, { "content-type": "application/json" });
    response.end(lines.map((line) => `${line}\n`).join(""));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function kubeConfig(token: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    // client-node refuses plain HTTP unless TLS verification is explicitly off.
    clusters: [{ name: "loopback", server: baseUrl, skipTLSVerify: true }],
    users: [{ name: "kubetrail", token }],
    contexts: [{ name: "loopback", cluster: "loopback", user: "kubetrail" }],
    currentContext: "loopback",
  });
  return config;
}

describe("@kubernetes/client-node on this Node", () => {
  it("lists recorded Pods with the bearer token of its kubeconfig", async () => {
    const list = await kubeConfig(TOKEN).makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NAMESPACE });

    expect(list.metadata?.resourceVersion).toBe("998");
    expect(list.items.map((pod) => pod.metadata?.uid)).toEqual(pods.map(uidOf));
    expect(seen.at(-1)).toEqual({ url: `/api/v1/namespaces/${NAMESPACE}/pods`, authorization: `Bearer ${TOKEN}` });
  });

  it("rejects a list the server refuses, with its status code", async () => {
    await expect(kubeConfig("wrong").makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NAMESPACE })).rejects.toMatchObject({ code: 401 });
  });

  it("watches from a resourceVersion and delivers every event, bookmarks included, until the server ends the stream", async () => {
    const events: Array<{ type: string; name: string | undefined; resourceVersion: string | undefined }> = [];
    const ended = new Promise<unknown>((resolve) => {
      void new Watch(kubeConfig(TOKEN)).watch(
        `/api/v1/namespaces/${NAMESPACE}/pods`,
        { resourceVersion: "998", allowWatchBookmarks: true },
        (type, object: { metadata?: { name?: string; resourceVersion?: string } }) =>
          events.push({ type, name: object.metadata?.name, resourceVersion: object.metadata?.resourceVersion }),
        (error) => resolve(error),
      );
    });

    expect(await ended).toBeNull();
    expect(events.map(({ type, name }) => [type, name])).toEqual([...pods.map((pod) => ["MODIFIED", nameOf(pod)]), ["BOOKMARK", undefined]]);
    expect(events.at(-1)?.resourceVersion).toBe("999");
    const watchUrl = new URL(seen.at(-1)!.url, baseUrl);
    expect(Object.fromEntries(watchUrl.searchParams)).toMatchObject({ watch: "true", resourceVersion: "998", allowWatchBookmarks: "true" });
  });
});
