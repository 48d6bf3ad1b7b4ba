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
