import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CoreV1Api } from "@kubernetes/client-node";
import { loadYamlList } from "../fixtures";
import type { JsonObject } from "../../ingest/audit/types";
import { CORE_EVENTS, type ServedResource } from "./resources";
import { startTestApiServer, type TestApiServer } from "./server";
import { getJson, loopbackKubeConfig, TEST_TOKEN } from "./testClients";
import { newEvent, recordedEvents } from "./testEvents";

// Real Events and Deployments recorded by an OpenShift 4.8 must-gather (PROVENANCE.md in that folder).
const CONSOLE = "openshift-console";
const APISERVER = "openshift-apiserver";
const deploymentsOf = (namespace: string) => loadYamlList(`openshift-must-gather-azure/namespaces/${namespace}/apps/deployments.yaml`);

const APPS_DEPLOYMENTS: ServedResource = { apiGroup: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true };
const CORE_NAMESPACES: ServedResource = { apiGroup: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false };

type Meta = { name: string; namespace: string; resourceVersion: string; uid: string };
const meta = (object: JsonObject | { metadata?: unknown }) => object.metadata as Meta;
const sortedNames = (objects: JsonObject[]) => objects.map((object) => meta(object).name).sort();

let server: TestApiServer;

beforeEach(async () => {
  server = await startTestApiServer({ token: TEST_TOKEN, resources: [CORE_EVENTS, APPS_DEPLOYMENTS, CORE_NAMESPACES] });
});

afterEach(async () => {
  await server.close();
});

const core = () => loopbackKubeConfig(server.url, TEST_TOKEN).makeApiClient(CoreV1Api);

describe("authentication and paths", () => {
  it("answers a request without the bearer token, or with another, 401 with kube-apiserver's Status", async () => {
    const unauthorized = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 };

    expect(await getJson(server, "/api/v1/events", {}, { authorization: null })).toMatchObject({ status: 401, body: unauthorized });
    expect(await getJson(server, "/api/v1/events", {}, { authorization: "Bearer nope" })).toMatchObject({ status: 401, body: unauthorized });
    // Before routing: an unauthenticated client learns nothing about paths.
    expect(await getJson(server, "/no/such/path", {}, { authorization: null })).toMatchObject({ status: 401 });
    await expect(loopbackKubeConfig(server.url, "wrong").makeApiClient(CoreV1Api).listEventForAllNamespaces()).rejects.toMatchObject({ code: 401 });
    expect(server.requests.slice(0, 2)).toEqual([
      { method: "GET", path: "/api/v1/events", query: {}, authorization: undefined },
      { method: "GET", path: "/api/v1/events", query: {}, authorization: "Bearer nope" },
    ]);
  });

  it("answers a path no served resource has 404, and another method than GET 405, with a Status", async () => {
    for (const path of ["/api/v1/pods", "/api/v2/events", "/apis/apps/v1beta1/deployments", "/api/v1/events/some-name", "/api/v1/namespaces/x/namespaces", "/api/v1/namespaces/x/events/y/status", "/api/v1/events/", "/api/v1/namespaces/x/events/a%2Fb", "/healthz"]) {
      expect(await getJson(server, path), path).toMatchObject({
        status: 404,
        body: { kind: "Status", status: "Failure", reason: "NotFound", message: "the server could not find the requested resource", code: 404 },
      });
    }
    expect(await getJson(server, "/api/v1/namespaces/x/events", {}, { method: "POST" })).toMatchObject({ status: 405, body: { kind: "Status", reason: "MethodNotAllowed", code: 405 } });
    expect(await getJson(server, "/api/v1/events", {}, { accept: "application/vnd.kubernetes.protobuf" })).toMatchObject({ status: 406, body: { reason: "NotAcceptable" } });
  });

  it("gets one object by its path, namespaced or cluster-scoped, and answers a missing one 404 naming it", async () => {
    const [event] = server.load("events", recordedEvents(CONSOLE));
    // A Namespace as kube-apiserver holds one, for the namespace these recorded Events are in.
    server.create("namespaces", { metadata: { name: CONSOLE } });

    const got = await getJson(server, `/api/v1/namespaces/${CONSOLE}/events/${meta(event!).name}`);
    expect(got).toMatchObject({ status: 200, body: { ...event, kind: "Event", apiVersion: "v1" } });
    expect(await getJson(server, `/api/v1/namespaces/${CONSOLE}`)).toMatchObject({ status: 200, body: { kind: "Namespace", metadata: { name: CONSOLE } } });
    expect(await getJson(server, `/api/v1/namespaces/${APISERVER}/events/${meta(event!).name}`)).toMatchObject({
      status: 404,
      body: { reason: "NotFound", message: `events "${meta(event!).name}" not found`, details: { name: meta(event!).name, kind: "events" } },
    });
    expect(await getJson(server, `/apis/apps/v1/namespaces/${CONSOLE}/deployments/console`)).toMatchObject({
      status: 404,
      body: { message: 'deployments.apps "console" not found', details: { group: "apps", kind: "deployments" } },
    });
  });

  it("refuses selectors with a 400 naming them, rather than ignoring them", async () => {
    for (const name of ["labelSelector", "fieldSelector"]) {
      for (const watch of [{}, { watch: "true" }] as Array<Record<string, string>>) {
        expect(await getJson(server, "/api/v1/events", { [name]: "type=Warning", ...watch })).toMatchObject({
          status: 400,
          body: { kind: "Status", reason: "BadRequest", message: `${name} is not supported by this test API server (see docs/test-api-server.md)` },
        });
      }
    }
    // An empty selector selects everything, as on a real server.
    expect((await getJson(server, "/api/v1/events", { labelSelector: "", fieldSelector: "" })).status).toBe(200);
  });

  it("validates list options as kube-apiserver does (422 Invalid)", async () => {
    expect(await getJson(server, "/api/v1/events", { resourceVersionMatch: "Exact" })).toMatchObject({
      status: 422,
      body: {
        reason: "Invalid",
        message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
        details: { group: "meta.k8s.io", kind: "ListOptions", causes: [{ reason: "FieldValueForbidden", field: "resourceVersionMatch" }] },
      },
    });
    expect((await getJson(server, "/api/v1/events", { resourceVersionMatch: "NotARealMatch" })).body.message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, resourceVersionMatch: Unsupported value: "NotARealMatch": supported values: "Exact", "NotOlderThan", ""]',
    );
    expect((await getJson(server, "/api/v1/events", { resourceVersion: "0", resourceVersionMatch: "Exact" })).status).toBe(422);
    expect((await getJson(server, "/api/v1/events", { watch: "1", resourceVersion: "0", resourceVersionMatch: "NotOlderThan" })).status).toBe(422);
    expect(await getJson(server, "/api/v1/events", { resourceVersion: "abc" })).toMatchObject({ status: 400, body: { reason: "BadRequest" } });
    expect(await getJson(server, "/api/v1/events", { limit: "ten" })).toMatchObject({ status: 400, body: { reason: "BadRequest" } });
  });
});

describe("list", () => {
  it("lists the recorded Events of a namespace, as an EventList whose items carry no kind or apiVersion", async () => {
    const recorded = recordedEvents(APISERVER);
    server.load("events", recorded);
    server.load("events", recordedEvents(CONSOLE));

    const list = await core().listNamespacedEvent({ namespace: APISERVER });

    expect(list.metadata?.resourceVersion).toBe(server.resourceVersion());
    expect(list.items.map((event) => event.metadata?.name)).toEqual(sortedNames(recorded));
    expect(new Set(list.items.map((event) => event.metadata?.uid))).toEqual(new Set(recorded.map((event) => meta(event).uid)));
    const wire = await getJson(server, `/api/v1/namespaces/${APISERVER}/events`);
    expect(wire.headers.get("content-type")).toBe("application/json");
    expect(wire.body).toMatchObject({ kind: "EventList", apiVersion: "v1", metadata: { resourceVersion: server.resourceVersion() } });
    const items = wire.body.items as JsonObject[];
    expect(items.filter((item) => "kind" in item || "apiVersion" in item)).toEqual([]);
    expect(items.find((item) => meta(item).name === meta(recorded[0]!).name)).toMatchObject({ reason: recorded[0]!.reason, message: recorded[0]!.message });
  });

  it("lists every namespace in namespace/name order", async () => {
    server.load("events", recordedEvents(CONSOLE));
    server.load("events", recordedEvents(APISERVER));

    const list = await core().listEventForAllNamespaces();

    const keys = list.items.map((event) => `${event.metadata?.namespace}/${event.metadata?.name}`);
    expect(keys).toHaveLength(64 + 163);
    expect(keys).toEqual([...keys].sort());
    expect(keys[0]!.startsWith(`${APISERVER}/`)).toBe(true);
  });

  it("serves any declared resource at its group's path: the recorded Deployments at /apis/apps/v1", async () => {
    server.load("deployments.apps", deploymentsOf(CONSOLE));

    const list = await getJson(server, `/apis/apps/v1/namespaces/${CONSOLE}/deployments`);

    expect(list.body).toMatchObject({ kind: "DeploymentList", apiVersion: "apps/v1" });
    expect(sortedNames(list.body.items as JsonObject[])).toEqual(["console", "downloads"]);
    expect((await getJson(server, "/api/v1/namespaces/openshift-console/deployments")).status).toBe(404);
  });

  it("pages with limit and continue, every page read at the first page's resourceVersion while writes happen between pages", async () => {
    server.load("events", recordedEvents(APISERVER));
    const snapshot = await core().listNamespacedEvent({ namespace: APISERVER });
    const snapshotItems = snapshot.items.map((event) => `${event.metadata?.name}@${event.metadata?.resourceVersion}`);

    const pages = [];
    let token: string | undefined;
    do {
      const page = await core().listNamespacedEvent({ namespace: APISERVER, limit: 50, _continue: token });
      pages.push(page);
      token = page.metadata?._continue;
      // Writes that a page read at a later resourceVersion would show: a new Event sorting last,
      // a change to an item of the next page, the deletion of the last item.
      const listed = pages.flatMap((p) => p.items).length;
      server.create("events", newEvent(APISERVER, `zzz-created-after-page-${pages.length}`));
      const next = snapshot.items[listed];
      if (next) server.update("events", { ...(server.get("events", meta(next))!), message: `changed after page ${pages.length}` });
      const last = snapshot.items.at(-pages.length);
      if (last && server.get("events", meta(last))) server.delete("events", meta(last));
    } while (token);

    expect(pages.map((page) => page.items.length)).toEqual([50, 50, 50, 13]);
    expect(pages.map((page) => page.metadata?.resourceVersion)).toEqual(Array(4).fill(snapshot.metadata?.resourceVersion));
    expect(pages.map((page) => page.metadata?.remainingItemCount)).toEqual([113, 63, 13, undefined]);
    expect(pages.flatMap((page) => page.items).map((event) => `${event.metadata?.name}@${event.metadata?.resourceVersion}`)).toEqual(snapshotItems);
    expect(pages.flatMap((page) => page.items).map((event) => event.message)).toEqual(snapshot.items.map((event) => event.message));
  });

  it("encodes continue tokens as kube-apiserver does: the list's resourceVersion and the next key within the path", async () => {
    server.load("events", recordedEvents(CONSOLE));

    const page = await getJson(server, `/api/v1/namespaces/${CONSOLE}/events`, { limit: "2" });
    const token = (page.body.metadata as { continue: string }).continue;

    const second = (page.body.items as JsonObject[])[1]!;
    expect(JSON.parse(Buffer.from(token, "base64url").toString())).toEqual({ v: "meta.k8s.io/v1", rv: Number(server.resourceVersion()), start: `${meta(second).name}\u0000` });
    expect(await getJson(server, `/api/v1/namespaces/${CONSOLE}/events`, { continue: "not a token" })).toMatchObject({ status: 400, body: { reason: "BadRequest" } });
    expect(await getJson(server, `/api/v1/namespaces/${CONSOLE}/events`, { continue: token, resourceVersion: "5" })).toMatchObject({
      status: 400,
      body: { message: "specifying resource version is not allowed when using continue" },
    });
  });

  it("answers a continue older than the compaction point 410 Expired, with a token that goes on at the newest state", async () => {
    server.load("events", recordedEvents(CONSOLE));
    const first = await core().listNamespacedEvent({ namespace: CONSOLE, limit: 40 });
    server.create("events", newEvent(CONSOLE, "zzz-after-the-first-page"));
    server.compact();

    await expect(core().listNamespacedEvent({ namespace: CONSOLE, limit: 40, _continue: first.metadata?._continue })).rejects.toMatchObject({ code: 410 });
    const expired = await getJson(server, `/api/v1/namespaces/${CONSOLE}/events`, { limit: "40", continue: first.metadata!._continue! });
    expect(expired).toMatchObject({
      status: 410,
      body: { kind: "Status", status: "Failure", reason: "Expired", code: 410, message: expect.stringMatching(/^The provided continue parameter is too old to display a consistent list result/) },
    });

    const inconsistent = await core().listNamespacedEvent({ namespace: CONSOLE, limit: 40, _continue: (expired.body.metadata as { continue: string }).continue });
    expect(inconsistent.metadata?.resourceVersion).toBe(server.resourceVersion());
    expect(inconsistent.items.map((event) => event.metadata?.name)).toEqual([...sortedNames(recordedEvents(CONSOLE)).slice(40), "zzz-after-the-first-page"]);
  });

  it("reads resourceVersion as kube-apiserver does: unset and 0 the newest, Exact at that revision, NotOlderThan a floor", async () => {
    const [first, second] = server.load("events", recordedEvents(CONSOLE));
    const loaded = server.resourceVersion();
    server.delete("events", meta(first!));
    server.update("events", { ...second!, message: "changed" });
    const newest = server.resourceVersion();
    const listed = async (query: Record<string, string>) => {
      const { status, body } = await getJson(server, `/api/v1/namespaces/${CONSOLE}/events`, query);
      return { status, resourceVersion: meta(body).resourceVersion, count: (body.items as JsonObject[] | undefined)?.length, body };
    };

    expect(await listed({})).toMatchObject({ resourceVersion: newest, count: 63 });
    expect(await listed({ resourceVersion: "0" })).toMatchObject({ resourceVersion: newest, count: 63 });
    expect(await listed({ resourceVersion: loaded, resourceVersionMatch: "NotOlderThan" })).toMatchObject({ resourceVersion: newest, count: 63 });
    expect(await listed({ resourceVersion: loaded })).toMatchObject({ resourceVersion: newest, count: 63 });
    const exact = await listed({ resourceVersion: loaded, resourceVersionMatch: "Exact" });
    expect(exact).toMatchObject({ resourceVersion: loaded, count: 64 });
    expect((exact.body.items as JsonObject[]).find((event) => meta(event).name === meta(second!).name)?.message).toBe(second!.message);
    // With a limit and no match, a resourceVersion is exact (the legacy rule kept for compatibility).
    expect(await listed({ resourceVersion: loaded, limit: "100" })).toMatchObject({ resourceVersion: loaded, count: 64 });

    expect(await listed({ resourceVersion: String(Number(newest) + 5) })).toMatchObject({
      status: 504,
      body: { reason: "Timeout", message: `Too large resource version: ${Number(newest) + 5}, current: ${newest}`, details: { causes: [{ reason: "ResourceVersionTooLarge" }] } },
    });
    server.compact();
    expect(await listed({ resourceVersion: loaded, resourceVersionMatch: "Exact" })).toMatchObject({
      status: 410,
      body: { reason: "Expired", message: "The resourceVersion for the provided list is too old." },
    });
  });
});
