import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { REDACTED, type JsonObject, type JsonValue } from "../../ingest/audit/types";
import { exampleSecretBody, loadFalcoTraceEvent } from "../../testing/fixtures";
import {
  DEFAULT_SENSITIVE_RULES,
  hmacFingerprint,
  isRedactedValue,
  parseSensitiveRules,
  redactBody,
  redactPatch,
  toDisplay,
} from "./redact";

const fingerprint = hmacFingerprint("test-redaction-key-0123456789");
const SECRETS = { apiGroup: "", resource: "secrets" };
const CONFIGMAPS = { apiGroup: "", resource: "configmaps" };
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

const marker = (value: JsonValue) => `<redacted:${fingerprint(value)}>`;
const MARKER = /^<redacted:[0-9a-f]{16}>$/;

type Loose = Record<string, any>;

describe("redactBody on a Secret", () => {
  it("keeps data keys and replaces every value, and the last-applied annotation, by a fingerprint", () => {
    const secret = exampleSecretBody();
    const redacted = redactBody(secret, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint) as Loose;

    expect(redacted.data).toEqual({ password: marker("MWYyZDFlMmU2N2Rm"), username: marker("YWRtaW4=") });
    expect(redacted.metadata.annotations[LAST_APPLIED]).toMatch(MARKER);
    // Everything else is the object as it was.
    expect(redacted.metadata.name).toBe("example-secret");
    expect(redacted.metadata.namespace).toBe("default");
    expect(redacted.type).toBe("Opaque");
    const text = JSON.stringify(redacted);
    expect(text).not.toContain("MWYyZDFlMmU2N2Rm");
    expect(text).not.toContain("YWRtaW4=");
  });

  it("redacts stringData and binaryData too, keeping nested keys", () => {
    const secret = { ...exampleSecretBody(), stringData: { "config.yaml": "apiUrl: https://example.com\npassword: hunter2\n" }, binaryData: { blob: "AAEC" } };
    const redacted = redactBody(secret, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint) as Loose;
    expect(redacted.stringData).toEqual({ "config.yaml": expect.stringMatching(MARKER) });
    expect(redacted.binaryData).toEqual({ blob: expect.stringMatching(MARKER) });
    expect(JSON.stringify(redacted)).not.toContain("hunter2");
  });

  it("gives equal values equal fingerprints and different values different ones", () => {
    const before = redactBody(exampleSecretBody(), SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint) as Loose;
    const changed = exampleSecretBody() as Loose;
    changed.data.password = "czNjcjN0LTI=";
    const after = redactBody(changed, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint) as Loose;
    expect(after.data.username).toBe(before.data.username);
    expect(after.data.password).not.toBe(before.data.password);
  });

  it("does not touch its input and shares nothing with it", () => {
    const secret = exampleSecretBody();
    const untouched = structuredClone(secret);
    const redacted = redactBody(secret, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint) as Loose;
    expect(secret).toEqual(untouched);
    redacted.metadata.labels = { changed: "yes" };
    expect(secret).toEqual(untouched);
  });

  it("is idempotent: redacting a redacted body changes nothing", () => {
    const once = redactBody(exampleSecretBody(), SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint);
    expect(redactBody(once, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint)).toEqual(once);
  });

  it("leaves a Secret without data (as a Metadata-level create records none) as it is", () => {
    const secret = exampleSecretBody();
    delete secret.data;
    delete (secret.metadata as Loose).annotations;
    expect(redactBody(secret, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint)).toEqual(secret);
  });
});

describe("redactBody on other resources", () => {
  // create_configmap_sensitive_values.json: real ConfigMaps holding passwords and keys.
  const configMap = () => structuredClone(loadFalcoTraceEvent("create_configmap_sensitive_values.json").responseObject) as JsonObject;

  it("changes nothing without a rule for the resource", () => {
    const body = configMap();
    expect(redactBody(body, CONFIGMAPS, DEFAULT_SENSITIVE_RULES, fingerprint)).toEqual(body);
    // A Secret rule does not reach a resource of the same name in another group.
    expect(redactBody(exampleSecretBody(), { apiGroup: "example.com", resource: "secrets" }, DEFAULT_SENSITIVE_RULES, fingerprint)).toEqual(exampleSecretBody());
  });

  it("applies configured rules to exactly the named keys", () => {
    const body = configMap() as Loose;
    const rules = [...DEFAULT_SENSITIVE_RULES, { apiGroup: "", resource: "configmaps", paths: [["data", "access.properties"]] }];
    const redacted = redactBody(body, CONFIGMAPS, rules, fingerprint) as Loose;
    expect(redacted.data["access.properties"]).toBe(marker("aws_access_key_id = MY-ID\naws_secret_access_key = MY-KEY\n"));
    expect(redacted.data["ui.properties"]).toBe("color.good=purple\ncolor.bad=yellow\nallow.textmode=true\n");
    expect(JSON.stringify(redacted)).not.toContain("MY-KEY");
  });

  it("steps over lists, following every item with the rest of the path; a missing key redacts nothing", () => {
    // Derived: the recorded Pod given an env var with a credential in it.
    const pod = structuredClone(loadFalcoTraceEvent("create_nginx_pod_privileged.json").responseObject) as Loose;
    pod.spec.containers[0].env = [{ name: "DB_PASSWORD", value: "hunter2" }];
    const rules = [{ apiGroup: "", resource: "pods", paths: [["spec", "containers", "env"], ["spec", "nothing", "here"]] }];
    const redacted = redactBody(pod, { apiGroup: "", resource: "pods" }, rules, fingerprint) as Loose;
    expect(redacted.spec.containers[0].env).toBe(marker([{ name: "DB_PASSWORD", value: "hunter2" }]));
    expect(redacted.spec.containers[0].image).toBe("nginx");
    expect({ ...redacted, spec: { ...redacted.spec, containers: [] } }).toEqual({ ...pod, spec: { ...pod.spec, containers: [] } });
    const untouched = structuredClone(loadFalcoTraceEvent("create_nginx_pod_privileged.json").responseObject) as JsonObject;
    expect(redactBody(untouched, { apiGroup: "", resource: "pods" }, rules, fingerprint)).toEqual(untouched);
  });
});

describe("redactPatch", () => {
  it("redacts merge and strategic merge patches like bodies", () => {
    const patch = { data: { password: "bmV3LXBhc3N3b3Jk" }, metadata: { labels: { rotated: "true" } } };
    expect(redactPatch(patch, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint)).toEqual({
      data: { password: marker("bmV3LXBhc3N3b3Jk") },
      metadata: { labels: { rotated: "true" } },
    });
  });

  it("redacts a JSON patch value at or below a sensitive path", () => {
    const patch: JsonValue = [
      { op: "replace", path: "/data/password", value: "bmV3LXBhc3N3b3Jk" },
      { op: "add", path: "/data", value: { password: "bmV3", username: "YWRtaW4=" } },
      { op: "add", path: "/metadata/labels/rotated", value: "true" },
      { op: "remove", path: "/data/username" },
    ];
    expect(redactPatch(patch, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint)).toEqual([
      { op: "replace", path: "/data/password", value: marker("bmV3LXBhc3N3b3Jk") },
      { op: "add", path: "/data", value: { password: marker("bmV3"), username: marker("YWRtaW4=") } },
      { op: "add", path: "/metadata/labels/rotated", value: "true" },
      { op: "remove", path: "/data/username" },
    ]);
  });

  it("redacts a JSON patch value that reaches a sensitive path through a list index", () => {
    const rules = [{ apiGroup: "example.com", resource: "databases", paths: [["spec", "users", "password"]] }];
    const patch: JsonValue = [
      { op: "replace", path: "/spec/users/0/password", value: "hunter2" },
      { op: "add", path: "/spec/users/-", value: { name: "bob", password: "hunter3" } },
      { op: "replace", path: "/spec/users", value: [{ name: "carol", password: "hunter4" }] },
      { op: "replace", path: "/spec/users/0/name", value: "dave" },
    ];
    expect(redactPatch(patch, { apiGroup: "example.com", resource: "databases" }, rules, fingerprint)).toEqual([
      { op: "replace", path: "/spec/users/0/password", value: marker("hunter2") },
      { op: "add", path: "/spec/users/-", value: { name: "bob", password: marker("hunter3") } },
      { op: "replace", path: "/spec/users", value: [{ name: "carol", password: marker("hunter4") }] },
      { op: "replace", path: "/spec/users/0/name", value: "dave" },
    ]);
  });

  it("redacts inside a JSON patch value that lands above a sensitive path", () => {
    const secret = exampleSecretBody() as Loose;
    const patch: JsonValue = [
      { op: "replace", path: "/metadata", value: secret.metadata },
      { op: "replace", path: "", value: secret },
    ];
    const [metadataOp, rootOp] = redactPatch(patch, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint) as Loose[];
    expect(metadataOp!.value.annotations[LAST_APPLIED]).toMatch(MARKER);
    expect(metadataOp!.value.name).toBe("example-secret");
    expect(rootOp!.value).toEqual(redactBody(secret, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint));
  });

  it("unescapes JSON pointers (~1 is '/', ~0 is '~')", () => {
    const rules = [...DEFAULT_SENSITIVE_RULES, { apiGroup: "", resource: "configmaps", paths: [["data", "a~b/c"]] }];
    const patch: JsonValue = [
      { op: "add", path: "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration", value: '{"data":{"password":"x"}}' },
      { op: "add", path: "/metadata/annotations/kubectl.kubernetes.io/last-applied-configuration", value: "not the annotation" },
    ];
    const redacted = redactPatch(patch, SECRETS, rules, fingerprint) as Loose[];
    expect(redacted[0]!.value).toMatch(MARKER);
    // Unescaped, that pointer names a key "kubectl.kubernetes.io" and below it, not the annotation.
    expect(redacted[1]!.value).toBe("not the annotation");
    const configMapPatch = [{ op: "add", path: "/data/a~0b~1c", value: "s3cr3t" }];
    expect(redactPatch(configMapPatch, CONFIGMAPS, rules, fingerprint)).toEqual([{ op: "add", path: "/data/a~0b~1c", value: marker("s3cr3t") }]);
  });

  it("redacts a value whose pointer it cannot read, and a patch it cannot read, whole", () => {
    const patch: JsonValue = [{ op: "add", path: "data/password", value: "czNjcjN0" }];
    expect(redactPatch(patch, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint)).toEqual([{ op: "add", path: "data/password", value: marker("czNjcjN0") }]);
    expect(redactPatch("data:\n  password: czNjcjN0\n", SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint)).toMatch(MARKER);
  });

  it("copies patches of resources without sensitive fields unchanged", () => {
    const patch = [{ op: "replace", path: "/spec/replicas", value: 3 }];
    const copy = redactPatch(patch, { apiGroup: "apps", resource: "deployments" }, DEFAULT_SENSITIVE_RULES, fingerprint);
    expect(copy).toEqual(patch);
    expect(copy).not.toBe(patch);
  });
});

describe("isRedactedValue and toDisplay", () => {
  it("recognizes fingerprint markers and the plain REDACTED text only", () => {
    expect(isRedactedValue(marker("x"))).toBe(true);
    expect(isRedactedValue(REDACTED)).toBe(true);
    expect(isRedactedValue("<redacted")).toBe(false);
    expect(isRedactedValue("redacted")).toBe(false);
    expect(isRedactedValue({ value: marker("x") })).toBe(false);
    expect(isRedactedValue(null)).toBe(false);
    // Starting like a marker is not enough: it must be one whole.
    expect(isRedactedValue("<redacted:abc")).toBe(false);
    expect(isRedactedValue("<redacted:a<b>")).toBe(false);
    expect(isRedactedValue("<redacted:abc>\n")).toBe(false);
    expect(isRedactedValue(" <redacted>")).toBe(false);
  });

  it("shows a body without markers as it is, and copies only the parts that hold one", () => {
    const plain = exampleSecretBody();
    expect(toDisplay(plain)).toBe(plain);
    const labelled = exampleSecretBody();
    (labelled.metadata as Loose).labels = { app: "web" };
    const redacted = redactBody(labelled, SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint) as Loose;
    const untouched = structuredClone(redacted);
    const shown = toDisplay([redacted, { plain: ["a", 1] }]) as Loose[];
    expect(redacted).toEqual(untouched);
    expect(shown[0]).not.toBe(redacted);
    expect(shown[0]!.metadata.annotations[LAST_APPLIED]).toBe(REDACTED);
    expect(shown[0]!.metadata.labels).toBe(redacted.metadata.labels);
    expect(shown[1]).toEqual({ plain: ["a", 1] });
  });

  it("shows every fingerprint as <redacted> and leaves everything else", () => {
    const redacted = redactBody(exampleSecretBody(), SECRETS, DEFAULT_SENSITIVE_RULES, fingerprint);
    const shown = toDisplay(redacted) as Loose;
    expect(shown.data).toEqual({ password: REDACTED, username: REDACTED });
    expect(shown.metadata.annotations[LAST_APPLIED]).toBe(REDACTED);
    expect(shown.metadata.name).toBe("example-secret");
    expect(JSON.stringify(shown)).not.toContain("<redacted:");
    expect(toDisplay([marker(1), "plain", 3])).toEqual([REDACTED, "plain", 3]);
  });
});

describe("hmacFingerprint", () => {
  it("is HMAC-SHA256 of the value's JSON, 16 hex digits", () => {
    const expected = createHmac("sha256", "test-redaction-key-0123456789").update('"YWRtaW4="').digest("hex").slice(0, 16);
    expect(fingerprint("YWRtaW4=")).toBe(expected);
    expect(fingerprint("YWRtaW4=")).toMatch(/^[0-9a-f]{16}$/);
  });

  it("does not depend on object key order, and does depend on the key", () => {
    expect(fingerprint({ a: 1, b: [{ y: 2, x: 1 }] })).toBe(fingerprint({ b: [{ x: 1, y: 2 }], a: 1 }));
    expect(fingerprint([1, 2])).not.toBe(fingerprint([2, 1]));
    expect(fingerprint("1")).not.toBe(fingerprint(1));
    expect(hmacFingerprint("another-key-0123456789")("YWRtaW4=")).not.toBe(fingerprint("YWRtaW4="));
  });

  it("refuses an empty key", () => {
    expect(() => hmacFingerprint("")).toThrow(/key must not be empty/);
  });
});

describe("parseSensitiveRules", () => {
  it("reads rules, with the core group by default", () => {
    const json = JSON.stringify([
      { resource: "configmaps", paths: [["data", "password"]] },
      { apiGroup: "example.com", resource: "databases", paths: [["spec", "credentials"], ["status", "connectionString"]] },
    ]);
    expect(parseSensitiveRules(json)).toEqual([
      { apiGroup: "", resource: "configmaps", paths: [["data", "password"]] },
      { apiGroup: "example.com", resource: "databases", paths: [["spec", "credentials"], ["status", "connectionString"]] },
    ]);
    expect(parseSensitiveRules("[]")).toEqual([]);
  });

  it.each([
    ["[{}]", /^KUBETRAIL_SENSITIVE_FIELDS\[0\]\.resource: .*expected string/],
    ['[{"resource": 3, "paths": [["data"]]}]', /KUBETRAIL_SENSITIVE_FIELDS\[0\]\.resource: .*expected string/],
    ['[{"resource": "configmaps", "paths": ["data"]}]', /KUBETRAIL_SENSITIVE_FIELDS\[0\]\.paths\[0\]: .*expected array/],
    ['[{"resource": "configmaps", "paths": [[]]}]', /KUBETRAIL_SENSITIVE_FIELDS\[0\]\.paths\[0\]: a path needs at least one key/],
    ['[{"resource": "configmaps", "paths": []}]', /KUBETRAIL_SENSITIVE_FIELDS\[0\]\.paths: must list at least one path/],
    ['[{"resource": "configmaps", "path": [["data"]]}]', /Unrecognized key.*"path"/],
    ['{"resource": "configmaps"}', /^KUBETRAIL_SENSITIVE_FIELDS: .*expected array/],
    ["[{resource: configmaps}]", /^KUBETRAIL_SENSITIVE_FIELDS: not valid JSON/],
  ])("rejects %s with a message that names the place", (json, message) => {
    expect(() => parseSensitiveRules(json)).toThrow(message);
  });

  it("names the source it was given", () => {
    expect(() => parseSensitiveRules("[{}]", "--sensitive")).toThrow(/^--sensitive\[0\]\.resource/);
  });
});
