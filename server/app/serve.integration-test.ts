import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureNextBuild } from "../../scripts/lib/nextBuild";
import { SERVER_NODE_FLAGS, serverEntryOf } from "../../scripts/lib/serverNodeFlags";
import { createPostgresDatabase } from "../testing/databases";
import { recordedEvents } from "../testing/apiServer/testEvents";

/**
 * The production server process itself (`scripts/serve.mjs`, what `npm start` runs) on Postgres
 * with ingest workers: the browser tests run it on the embedded database, where ingest stays on
 * the server's thread. The webhook is answered by the server's own handler, the rest by Next.
 */
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const TOKEN = "serve-test-token-0123456789";
const MAX_BODY_BYTES = 1024 * 1024;

function sampleBatch(): string {
  const lines = fs.readFileSync(path.join(ROOT, "docs/samples/audit-sample.jsonl"), "utf8").trim().split("\n");
  return `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${lines.join(",")}]}`;
}

describe("the production server (scripts/serve.mjs) on Postgres with ingest workers", () => {
  let server: ChildProcess;
  let output = "";
  let url = "";
  let database: { url: string; drop: () => Promise<void> };
  let dataDir: string;

  beforeAll(async () => {
    ensureNextBuild(ROOT, () => {});
    database = await createPostgresDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kubetrail-serve-"));
    server = spawn(process.execPath, [...SERVER_NODE_FLAGS, serverEntryOf(ROOT)], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        // Any free port: the server says which in its "listening on" line.
        PORT: "0",
        HOSTNAME: "127.0.0.1",
        DATABASE_URL: database.url,
        KUBETRAIL_DATA_DIR: dataDir,
        KUBETRAIL_INGEST_TOKEN: TOKEN,
        KUBETRAIL_INGEST_WORKERS: "2",
        KUBETRAIL_RETENTION: "off",
        KUBETRAIL_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [server.stdout!, server.stderr!]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        const listening = /kubetrail: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (listening) {
          clearInterval(check);
          url = listening[1]!;
          resolve();
        } else if (server.exitCode !== null) {
          clearInterval(check);
          reject(new Error(`serve.mjs exited (${server.exitCode}):\n${output}`));
        }
      }, 50);
    });
  }, 240_000);

  afterAll(async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill("SIGKILL");
      await new Promise((resolve) => server.once("exit", resolve));
    }
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (body: string, headers: Record<string, string> = {}, path = "/api/audit/sample") =>
    fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, ...headers }, body });

  it("started its ingest workers, and Next serves the app's other routes", async () => {
    expect(output).toContain("ingest: 2 worker threads");
    const ready = await fetch(`${url}/api/ready`);
    expect(await ready.json()).toEqual({ status: "ready" });
    expect((await fetch(`${url}/`)).status).toBe(200);
  });

  it("answers another method on the webhook's paths with a 405 naming POST, and a path below them with a JSON 404", async () => {
    const wrongMethod = await fetch(`${url}/api/audit`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect((await wrongMethod.json()).error.code).toBe("method_not_allowed");
    const belowCluster = await post(sampleBatch(), {}, "/api/audit/sample/extra");
    expect(belowCluster.status).toBe(404);
    expect((await belowCluster.json()).error.code).toBe("not_found");
  });

  it("takes a real batch once, and its retry changes nothing", async () => {
    const first = await post(sampleBatch());
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("application/json");
    // 57: the sample's attach and exec, recorded at ResponseStarted only, are history as open sessions.
    expect(await first.json()).toMatchObject({ cluster: "sample", received: 60, accepted: 58, duplicates: 2, history: 57, rejected: 0 });
    const retry = await post(sampleBatch());
    expect(await retry.json()).toMatchObject({ accepted: 0, duplicates: 60 });
  });

  it("refuses a caller without the token, and a body over the limit, with answers the caller gets to read", async () => {
    const anonymous = await fetch(`${url}/api/audit/sample`, { method: "POST", headers: { "content-type": "application/json" }, body: sampleBatch() });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe("unauthorized");
    // Over the limit, but within twice it: read and dropped (refusalHeaders), so the 413 is read.
    const batch = sampleBatch();
    const huge = `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${Array.from({ length: Math.ceil((1.5 * MAX_BODY_BYTES) / batch.length) }, () => batch).join(",")}]}`;
    expect(huge.length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(huge.length).toBeLessThan(2 * MAX_BODY_BYTES);
    const refused = await post(huge);
    expect(refused.status).toBe(413);
    expect((await refused.json()).error.code).toBe("body_too_large");
  });

  it("takes Kubernetes Events through Next's route handler: real Events once, a retry changing nothing, a 405 for another method", async () => {
    const events = JSON.stringify({ kind: "EventList", apiVersion: "v1", items: recordedEvents("openshift-apiserver") });
    const first = await post(events, {}, "/api/events/sample");
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ cluster: "sample", received: 163, stored: 163, duplicates: 0, rejected: [] });
    const retry = await post(events, {}, "/api/events/sample");
    expect(await retry.json()).toMatchObject({ stored: 0, duplicates: 163 });
    const wrongMethod = await fetch(`${url}/api/events/sample`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect((await wrongMethod.json()).error.code).toBe("method_not_allowed");
    const belowCluster = await post(events, {}, "/api/events/sample/extra");
    expect(belowCluster.status).toBe(404);
    expect((await belowCluster.json()).error.code).toBe("not_found");
  });

  it("keeps serving a connection on which it refused a post of Events without reading the body", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify(recordedEvents("openshift-apiserver"));
    const postOn = (token: string) =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const request = http.request(`${url}/api/events/kept`, { method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "content-length": Buffer.byteLength(body) } }, (response) => {
          response.resume().on("end", () => resolve({ status: response.statusCode!, socket: request.socket }));
        });
        request.on("error", reject);
        request.end(body);
      });
    try {
      const refused = await postOn("wrong");
      expect(refused.status).toBe(401);
      const stored = await postOn(TOKEN);
      expect(stored.status).toBe(200);
      expect(stored.socket).toBe(refused.socket);
    } finally {
      agent.destroy();
    }
  });

  it("answers malformed JSON with a 400 that names the problem", async () => {
    const answer = await post('{"kind": "EventList", "items": [');
    expect(answer.status).toBe(400);
    expect((await answer.json()).error).toMatchObject({ code: "invalid_json" });
  });

  it("answers a path that is not valid percent-encoding with a 400 naming it, where Next would answer 500", async () => {
    type ErrorBody = { errors?: Array<{ code: number; msg: string }>; error?: { httpCode?: number; code?: string; message: string } };
    const badPaths: Array<{ path: string; message: (body: ErrorBody) => string }> = [
      // Under the Jaeger API, in the body its clients read: v1's errors list, v3's error.
      { path: "/jaeger/api/traces/%E0%A4%A", message: (body) => (expect(body.errors?.[0]?.code).toBe(400), body.errors![0]!.msg) },
      { path: "/jaeger/api/v3/traces/%ZZ", message: (body) => (expect(body.error?.httpCode).toBe(400), body.error!.message) },
      { path: "/api/ready%", message: (body) => (expect(body.error?.code).toBe("invalid_path"), body.error!.message) },
    ];
    for (const { path, message } of badPaths) {
      const answer = await fetch(`${url}${path}`);
      expect(answer.status).toBe(400);
      expect(message((await answer.json()) as ErrorBody)).toContain(`not valid percent-encoding (each % must start a UTF-8 byte as two hex digits): ${JSON.stringify(path)}`);
    }
    // Valid percent-encoding still reaches Next: an escaped letter in a trace ID is a trace ID.
    const escaped = await fetch(`${url}/jaeger/api/traces/%61bc`);
    expect(escaped.status).toBe(404);
    expect((await escaped.json()).errors[0].code).toBe(404);
  });

  it("answers a query parameter that is not valid percent-encoding with a 400 naming it, where Next would rewrite it", async () => {
    const refusal = async (pathAndQuery: string) => {
      const answer = await fetch(`${url}${pathAndQuery}`);
      expect(answer.status).toBe(400);
      return answer.json();
    };
    const reason = (pair: string) => `not valid percent-encoding (each % must start a UTF-8 byte as two hex digits): ${JSON.stringify(pair)}`;
    // Next would hand the v1 handler "%zz" as those three characters, a cut UTF-8 sequence as U+FFFD.
    expect((await refusal("/jaeger/api/traces?service=Deployment&operation=%zz")).errors).toEqual([
      { code: 400, msg: `unable to parse param 'operation': ${reason("operation=%zz")}` },
    ]);
    expect((await refusal("/jaeger/api/v3/traces?query.service_name=Pod%E0%A4")).error).toEqual({
      httpCode: 400,
      message: `malformed parameter query.service_name: ${reason("query.service_name=Pod%E0%A4")}`,
    });
    expect((await refusal("/redirect?cluster=a&name=web%")).error).toEqual({ code: "bad_parameter", message: `parameter 'name': ${reason("name=web%")}` });
    // Valid encoding, form spaces included, goes through: Jaeger's answer to an unknown service.
    const valid = await fetch(`${url}/jaeger/api/traces?service=no+such%20service%E2%9C%93&lookback=1h`);
    expect(valid.status).toBe(200);
    expect((await valid.json()).data).toEqual([]);
  });

  it("stops on SIGTERM, closing its workers and the database, with the exit code of a signal", async () => {
    const exit = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
    server.kill("SIGTERM");
    expect(await exit).toBe(143);
  });
});
