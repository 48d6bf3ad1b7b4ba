import { describe, expect, it } from "vitest";
import { detailsJson } from "./auditWriter";
import { loadFalcoTraceEvents, exampleSecretBody } from "../testing/fixtures";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint, redactPatch, toDisplay } from "../model/redact/redact";
import { REDACTED, type JsonObject, type JsonValue } from "../ingest/audit/types";

/** The real ClusterRole patch in the falco traces: 1,088 bytes of JSON, over the limit for a patch next to a diff. */
function realClusterRolePatch(): JsonValue {
  const event = loadFalcoTraceEvents().find(({ raw }) => raw.verb === "patch" && raw.requestObject)!.raw;
  return event.requestObject as JsonValue;
}

const details = (): JsonObject => ({
  user: "system:admin",
  groups: ["system:masters", "system:authenticated"],
  sourceIPs: ["192.168.99.1"],
  requestURI: "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:node",
  annotations: { "authorization.k8s.io/decision": "allow" },
  level: "RequestResponse",
  stage: "ResponseComplete",
});

describe("detailsJson", () => {
  it("is the details' JSON when there is no patch", () => {
    expect(detailsJson(details(), null, true)).toBe(JSON.stringify(details()));
  });

  it("keeps a patch that is all we know of the change, whatever its size, as the last key", () => {
    const patch = realClusterRolePatch();
    expect(JSON.stringify(patch).length).toBeGreaterThan(1024);
    const text = detailsJson(details(), patch, false);
    expect(text).toBe(JSON.stringify({ ...details(), patch }));
    expect(Object.keys(JSON.parse(text)).at(-1)).toBe("patch");
  });

  it("keeps a small patch beside a diff, and only the size of a large one", () => {
    const small = { spec: { replicas: 5 } };
    expect(JSON.parse(detailsJson(details(), small, true))).toEqual({ ...details(), patch: small });
    const large = realClusterRolePatch();
    const parsed = JSON.parse(detailsJson(details(), large, true));
    expect(parsed).toEqual({ ...details(), patchBytes: JSON.stringify(large).length });
    expect(parsed).not.toHaveProperty("patch");
  });

  it("shows redaction markers as the plain redacted text, in the details and the patch", () => {
    const secret = exampleSecretBody();
    const fingerprint = hmacFingerprint("test-key-0123456789");
    const patch = redactPatch({ data: secret.data as JsonObject }, { apiGroup: "", resource: "secrets" }, DEFAULT_SENSITIVE_RULES, fingerprint);
    const marked = redactPatch({ data: { token: "czNjcjN0" } }, { apiGroup: "", resource: "secrets" }, DEFAULT_SENSITIVE_RULES, fingerprint) as JsonObject;
    const withMarker = { ...details(), annotations: { note: (marked.data as JsonObject).token as string } };
    const text = detailsJson(withMarker, patch, false);
    expect(text).not.toMatch(/<redacted:/);
    const parsed = JSON.parse(text);
    expect(parsed.annotations.note).toBe(REDACTED);
    expect(Object.values(parsed.patch.data).every((value) => value === REDACTED)).toBe(true);
    expect(text).toBe(JSON.stringify(toDisplay({ ...withMarker, patch })));
  });

  it("replaces a patch key the details already have where it stands", () => {
    const withPatchKey = { user: "u", patch: "strategic", stage: "ResponseComplete" };
    expect(detailsJson(withPatchKey, { a: 1 }, false)).toBe('{"user":"u","patch":{"a":1},"stage":"ResponseComplete"}');
    expect(detailsJson({}, { a: 1 }, false)).toBe('{"patch":{"a":1}}');
  });
});
