import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { execCommandOf } from "../../query/timeline/payload";
import { loadFalcoTraceEvent } from "../../testing/fixtures";
import { redactRequestUri } from "./requestUri";

/** The real exec of the falco trace exec_pod.json (shared/fixtures/real/falco-k8s-audit-traces): `kubectl exec -it … -- bash`. */
const FALCO_EXEC_URI = (loadFalcoTraceEvent("exec_pod.json") as { requestURI: string }).requestURI;

describe("redactRequestUri", () => {
  it("leaves the URIs of ordinary requests byte for byte", () => {
    for (const uri of [
      FALCO_EXEC_URI,
      "/apis/apps/v1/namespaces/default/deployments/web?fieldManager=kubectl-client-side-apply&fieldValidation=Strict",
      "/api/v1/namespaces/default/pods?dryRun=All&fieldManager=kubectl-create",
      "/api/v1/namespaces/default/pods/web-0/exec?command=ls&command=-la&command=%2Fdata&container=web&stdin=true&stdout=true&tty=true",
      "/api/v1/namespaces/default/pods/web-0/exec?command=sh&command=-c&command=echo+%22%24HOME%22+%3E+%2Ftmp%2Fx",
      "/api/v1/namespaces/default/pods/web-0/exec?command=100%",
      "/api/v1/namespaces/default/pods/web-0/attach?container=web&stdin=true&stdout=true&tty=true",
      "/api/v1/namespaces/default/pods/web-0/portforward?ports=8080",
      "/api/v1/namespaces/default/configmaps/app",
      "",
    ]) {
      expect(redactRequestUri(uri)).toBe(uri);
    }
  });

  it("cuts the value of a sensitive query parameter out of any request URI, keeping the URI valid and the rest as it was", () => {
    // A login through a Service's proxy, and a signed-URL style token.
    expect(redactRequestUri("/api/v1/namespaces/ops/services/grafana:3000/proxy/login?user=admin&password=hunter2&next=%2Fd%2Fabc")).toBe(
      "/api/v1/namespaces/ops/services/grafana:3000/proxy/login?user=admin&password=%3Credacted%3E&next=%2Fd%2Fabc",
    );
    expect(redactRequestUri("/api/v1/namespaces/ops/pods/web-0:8080/proxy/api?access_token=abc&X-Amz-Signature=f00&token=")).toBe(
      "/api/v1/namespaces/ops/pods/web-0:8080/proxy/api?access_token=%3Credacted%3E&X-Amz-Signature=%3Credacted%3E&token=",
    );
  });

  it("cuts the secrets out of an exec's command, which stays readable", () => {
    // The brief's example: kubectl exec p -c c -i -- sh -c 'mysql -uroot -pS3cret'.
    const redacted = redactRequestUri("/api/v1/namespaces/ns/pods/p/exec?command=sh&command=-c&command=mysql+-uroot+-pS3cret&container=c&stdin=true");
    expect(redacted).not.toContain("S3cret");
    expect(redacted).toBe("/api/v1/namespaces/ns/pods/p/exec?command=sh&command=-c&command=mysql+-uroot+-p%3Credacted%3E&container=c&stdin=true");
    expect(execCommandOf(redacted)).toEqual(["sh", "-c", "mysql -uroot -p<redacted>"]);
    // The command's arguments are one command line, wherever the other parameters are among them.
    expect(execCommandOf(redactRequestUri("/api/v1/namespaces/ns/pods/p/exec?command=curl&container=c&command=-u&stdout=true&command=elastic%3Achangeme"))).toEqual([
      "curl",
      "-u",
      "elastic:<redacted>",
    ]);
  });

  it("changes nothing when applied again (rows redacted at ingest are redacted again when shown)", () => {
    const once = redactRequestUri("/api/v1/namespaces/ns/pods/p/exec?command=env&command=PGPASSWORD%3Dx+y&command=psql&token=abc");
    expect(once).toBe("/api/v1/namespaces/ns/pods/p/exec?command=env&command=PGPASSWORD%3D%3Credacted%3E&command=psql&token=%3Credacted%3E");
    expect(redactRequestUri(once)).toBe(once);
    // The panel redacts a stored URI again: a script's secret that stood alone stays one marker.
    const script = redactRequestUri("/api/v1/namespaces/ns/pods/redis-0/exec?command=sh&command=-c&command=redis-cli+-a+r3dis+ping&container=redis&stdin=true");
    expect(execCommandOf(script)).toEqual(["sh", "-c", "redis-cli -a <redacted> ping"]);
    expect(redactRequestUri(script)).toBe(script);
  });
});

describe("redactRequestUri on the longest request lines", () => {
  // The apiserver reads a request line of up to about a megabyte, and an exec's command is as
  // long as its user makes it: each of these took a minute or more, ingest's event loop blocked.
  // Run in a process of its own, stopped when it has not finished in a generous bound (with the
  // module's loading, it takes about a second), so that a regression fails instead of stalling
  // the suite.
  const MEGABYTE = 1 << 20;
  const REDACT = `
    const { readFileSync } = await import("node:fs");
    const { redactRequestUri } = await import(${JSON.stringify(path.resolve("server/model/redact/requestUri.ts"))});
    process.stdout.write(redactRequestUri(readFileSync(0, "utf8")));`;

  /** The command of `uri` as redacted in a child process; null when it did not finish within 10 s. */
  function commandRedactedInChild(uri: string): string[] | null {
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", REDACT], { input: uri, encoding: "utf8", timeout: 10_000, maxBuffer: 16 * MEGABYTE });
    if (child.signal !== null) return null;
    expect(child.status, child.stderr).toBe(0);
    return execCommandOf(child.stdout);
  }

  it("reads a long word that is no URL's scheme once", () => {
    const word = `${"a".repeat(MEGABYTE)}!token://x`;
    const uri = `/api/v1/namespaces/ns/pods/p/exec?command=echo&command=${encodeURIComponent(word)}&command=https%3A%2F%2Fu%3Apw%40h%2F`;
    expect(commandRedactedInChild(uri)).toEqual(["echo", word, "https://u:<redacted>@h/"]);
  });

  it("reads a command of many arguments once (kubectl exec … -- rm with a local glob expanded)", () => {
    const files = Array.from({ length: 50_000 }, (_, i) => `/data/cache/part-${i}`);
    const uri = `/api/v1/namespaces/ns/pods/p/exec?${["rm", "-f", ...files, "--password=x"].map((arg) => `command=${encodeURIComponent(arg)}`).join("&")}`;
    expect(commandRedactedInChild(uri)).toEqual(["rm", "-f", ...files, "--password=<redacted>"]);
  });

  it("rewrites a long script with many secrets in one pass", () => {
    const script = "mysql -pX; ".repeat(MEGABYTE / 11);
    const uri = `/api/v1/namespaces/ns/pods/p/exec?command=sh&command=-c&command=${encodeURIComponent(script)}`;
    expect(commandRedactedInChild(uri)).toEqual(["sh", "-c", "mysql -p<redacted>; ".repeat(MEGABYTE / 11)]);
  });
});
