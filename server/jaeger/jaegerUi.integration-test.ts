import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS } from "../testing/databases";
import { startTestApp, type TestApp } from "../testing/appHarness";
import { eventList, rolloutScenario } from "../testing/scenarios/rollout";
import { STATIC_JS, writeUiFixture, type UiFixture } from "./testing/uiFixture";

/**
 * The Jaeger UI served at the base path from JAEGER_UI_DIR (a fixture folder shaped like a
 * release build), through real HTTP: files, index.html for the UI's own routes with the
 * configuration injected, no way out of the folder; and a custom base path end to end.
 */
describe.each(STORE_KINDS)("the Jaeger UI and base path on %s", (kind) => {
  let ui: UiFixture;
  beforeAll(() => {
    ui = writeUiFixture();
  });
  afterAll(() => ui?.remove());

  /** An app for the enclosing describe; the route handlers share one process-wide context, so one app at a time. */
  const appWith = (env: { ui?: boolean; basePath?: string }) => {
    const holder: { app?: TestApp; readonly url: string } = {
      get url() {
        return holder.app!.url;
      },
    };
    beforeAll(async () => {
      holder.app = await startTestApp(kind, {
        ...(env.ui ? { JAEGER_UI_DIR: ui.dir } : {}),
        ...(env.basePath ? { KUBETRAIL_JAEGER_BASE_PATH: env.basePath } : {}),
      });
      expect((await holder.app.postAudit(eventList(rolloutScenario().map((step) => step.event)), { cluster: "prod" })).status).toBe(200);
    });
    afterAll(() => holder.app?.close());
    return holder;
  };

  const expectIndex = async (response: Response, basePath = "/jaeger") => {
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const html = await response.text();
    expect(html).toContain(`<base href="${basePath}/" />`);
    expect(html).toMatch(/JAEGER_CONFIG = \{"menu":\[\{"label":"Kubetrail"/);
    expect(html).toContain('"maxLimit":1500');
    expect(html).toContain('JAEGER_BACKEND_CAPABILITIES = {"archiveStorage":false,"metricsStorage":false,"searchWithoutServiceName":true,"aiAssistant":false};');
    expect(html).toMatch(/JAEGER_VERSION = \{"gitCommit":"","gitVersion":"kubetrail-/);
    return html;
  };
  const redirectQuery = "cluster=prod&resource=deployments&namespace=openshift-apiserver&name=apiserver&ts=2021-09-13T14:58:00Z";

  describe("with JAEGER_UI_DIR", () => {
    const app = appWith({ ui: true });

    it("serves index.html, configured, at the base path and for the UI's own routes", async () => {
      for (const path of ["/jaeger", "/jaeger/", "/jaeger/search?service=Deployment", "/jaeger/trace/1003000000000001613f4e80613f5c90", "/jaeger/dependencies", "/jaeger/index.html"]) {
        await expectIndex(await fetch(`${app.url}${path}`));
      }
    });

    it("serves static files with their content type, long caching for hashed assets, and revalidation", async () => {
      const js = await fetch(`${app.url}/jaeger/static/index-3f2a9c.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(await js.text()).toBe(STATIC_JS);
      const again = await fetch(`${app.url}/jaeger/static/index-3f2a9c.js`, { headers: { "if-none-match": js.headers.get("etag")! } });
      expect(again.status).toBe(304);

      expect((await fetch(`${app.url}/jaeger/static/index-77aa01.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
      const icon = await fetch(`${app.url}/jaeger/favicon.ico`);
      expect(icon.headers.get("content-type")).toBe("image/x-icon");
      expect(icon.headers.get("cache-control")).toBe("public, max-age=3600");
    });

    it("answers an unknown static path with index.html", async () => {
      await expectIndex(await fetch(`${app.url}/jaeger/static/index-000000.js`));
    });

    it("refuses paths out of the UI folder with 404", async () => {
      for (const path of ["/jaeger/static/..%2F..%2Fsecret.txt", "/jaeger/..%2Fsecret.txt", "/jaeger/static/escape.txt", "/jaeger/static/%2e%2e%5c..%5csecret.txt", "/jaeger/.%2e/secret.txt"]) {
        const response = await fetch(`${app.url}${path}`);
        expect(await response.text(), path).not.toContain("not for the web");
        expect(response.status, path).toBe(404);
      }
    });

    it("answers unknown API paths under the base path with a JSON 404, never index.html", async () => {
      const response = await fetch(`${app.url}/jaeger/api/nothing-here`);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    });

    it("answers unknown API v3 paths in the v3 gateway's error body", async () => {
      for (const path of ["/jaeger/api/v3/nothing-here", "/jaeger/api/v3/traces/0123/extra"]) {
        const response = await fetch(`${app.url}${path}`);
        expect(response.status, path).toBe(404);
        expect(await response.json()).toEqual({ error: { httpCode: 404, message: `no such endpoint: ${path}` } });
      }
    });

    it("redirects to the trace in the UI", async () => {
      const response = await fetch(`${app.url}/redirect?${redirectQuery}`, { redirect: "manual" });
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toMatch(/^\/jaeger\/trace\/[0-9a-f]{32}$/);
      await expectIndex(await fetch(`${app.url}${response.headers.get("location")}`));
    });
  });

  describe("without JAEGER_UI_DIR", () => {
    const app = appWith({});

    it("says how to get the UI", async () => {
      const response = await fetch(`${app.url}/jaeger/`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/JAEGER_UI_DIR/);
    });
  });

  describe("at a custom base path", () => {
    const app = appWith({ ui: true, basePath: "/tools/jaeger" });

    it("serves the API and the UI there, and redirects there", async () => {
      const services = await fetch(`${app.url}/tools/jaeger/api/v3/services`);
      expect(((await services.json()) as { services: string[] }).services).toContain("Deployment");
      const v1 = (await (await fetch(`${app.url}/tools/jaeger/api/services`)).json()) as { data: string[] };
      expect(v1.data).toContain("Deployment");
      await expectIndex(await fetch(`${app.url}/tools/jaeger/search`), "/tools/jaeger");
      const redirect = await fetch(`${app.url}/redirect?${redirectQuery}`, { redirect: "manual" });
      expect(redirect.headers.get("location")).toMatch(/^\/tools\/jaeger\/trace\/[0-9a-f]{32}$/);
      const trace = await fetch(`${app.url}/tools/jaeger/api/traces/${redirect.headers.get("location")!.split("/").pop()}`);
      expect(trace.status).toBe(200);
    });
  });
});
