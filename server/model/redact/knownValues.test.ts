import { describe, expect, it } from "vitest";
import type { AuditDetails, SensitiveRule } from "../../ingest/audit/types";
import { exampleSecretBody } from "../../testing/fixtures";
import { DEFAULT_SENSITIVE_RULES } from "./redact";
import { MIN_KNOWN_VALUE_LENGTH, sensitiveValuesIn, withoutKnownValues, withoutValues } from "./knownValues";

const SECRETS = { apiGroup: "", resource: "secrets" };

describe("sensitiveValuesIn", () => {
  it("finds a Secret's values as stored and decoded, longest first", () => {
    // The documentation's example Secret: password 1f2d1e2e67df, username admin.
    const values = sensitiveValuesIn([exampleSecretBody()], null, SECRETS, DEFAULT_SENSITIVE_RULES);
    expect(values).toEqual(expect.arrayContaining(["MWYyZDFlMmU2N2Rm", "1f2d1e2e67df", "YWRtaW4=", "admin"]));
    for (let i = 1; i < values.length; i++) expect(values[i - 1]!.length).toBeGreaterThanOrEqual(values[i]!.length);
  });

  it("finds the values a patch sets: merge patches, JSON patches, stringData", () => {
    expect(sensitiveValuesIn([{ stringData: { token: "s3cr3t-token" } }], null, SECRETS, DEFAULT_SENSITIVE_RULES)).toContain("s3cr3t-token");
    const jsonPatch = [{ op: "add", path: "/data/api-key", value: "c2VjcmV0LWtleQ==" }, { op: "replace", path: "/metadata/labels/team", value: "payments" }];
    const values = sensitiveValuesIn([], jsonPatch, SECRETS, DEFAULT_SENSITIVE_RULES);
    expect(values).toEqual(expect.arrayContaining(["c2VjcmV0LWtleQ==", "secret-key"]));
    expect(values).not.toContain("payments");
  });

  it("finds the configured fields of other kinds, through lists, and nothing where no field is sensitive", () => {
    const rules: SensitiveRule[] = [...DEFAULT_SENSITIVE_RULES, { apiGroup: "db.example.com", resource: "databases", paths: [["spec", "users", "password"]] }];
    const body = { apiVersion: "db.example.com/v1", kind: "Database", metadata: { name: "orders" }, spec: { users: [{ name: "app", password: "hunter2!" }] } };
    expect(sensitiveValuesIn([body], null, { apiGroup: "db.example.com", resource: "databases" }, rules)).toEqual(["hunter2!"]);
    expect(sensitiveValuesIn([body], null, { apiGroup: "", resource: "configmaps" }, rules)).toEqual([]);
  });

  it(`leaves values shorter than ${MIN_KNOWN_VALUE_LENGTH} characters, and base64 that does not decode to text`, () => {
    const values = sensitiveValuesIn([{ data: { pin: "MTI=", blob: "/wD/AA==" } }], null, SECRETS, DEFAULT_SENSITIVE_RULES);
    expect(values).toContain("MTI=");
    expect(values).not.toContain("12");
    expect(values).toEqual(["/wD/AA==", "MTI="]);
  });
});

describe("withoutKnownValues", () => {
  it("cuts the values out of a failure's message, reason and causes, and out of audit annotations", () => {
    const details: AuditDetails = {
      user: "alice",
      groups: [],
      sourceIPs: [],
      requestURI: "/api/v1/namespaces/default/secrets",
      annotations: {
        "authorization.k8s.io/decision": "allow",
        "validation.policy.admission.k8s.io/validation_failure": `[{"message":"password 1f2d1e2e67df is too weak","policy":"strong-passwords"}]`,
      },
      failure: {
        status: "Failure",
        reason: "Forbidden",
        message: `admission webhook "validate.kyverno.svc" denied the request: value 1f2d1e2e67df of data.password is not allowed for admin`,
        causes: [{ field: "data.password", message: "1f2d1e2e67df is too weak" }, { field: "metadata.name", message: "name is fine" }],
      },
    };
    withoutKnownValues(details, ["1f2d1e2e67df", "admin"]);
    expect(details.failure).toEqual({
      status: "Failure",
      reason: "Forbidden",
      message: `admission webhook "validate.kyverno.svc" denied the request: value <redacted> of data.password is not allowed for <redacted>`,
      causes: [{ field: "data.password", message: "<redacted> is too weak" }, { field: "metadata.name", message: "name is fine" }],
    });
    expect(details.annotations).toEqual({
      "authorization.k8s.io/decision": "allow",
      "validation.policy.admission.k8s.io/validation_failure": `[{"message":"password <redacted> is too weak","policy":"strong-passwords"}]`,
    });
  });

  it("cuts a value containing another whole", () => {
    expect(withoutValues("token abcd-efgh and abcd", ["abcd-efgh", "abcd"])).toBe("token <redacted> and <redacted>");
  });
});

describe("sensitiveValuesIn, values that are not plain strings", () => {
  const target = { apiGroup: "example.com", resource: "apikeys" };
  const rules: SensitiveRule[] = [{ apiGroup: "example.com", resource: "apikeys", paths: [["spec", "keys"], ["spec", "credentials"]] }];

  it("finds the items of a sensitive list, which redaction fingerprints whole", () => {
    const body = { spec: { keys: ["k3y-alpha-1", "k3y-beta-2"], credentials: { tokens: ["t0ken-gamma"] } } };
    expect(sensitiveValuesIn([body], null, target, rules)).toEqual(expect.arrayContaining(["k3y-alpha-1", "k3y-beta-2", "t0ken-gamma"]));
  });

  it("does not take true and false for secrets: they would be cut out of every message", () => {
    const body = { spec: { credentials: { enabled: true, rotate: false, password: "hunter2!" } } };
    expect(sensitiveValuesIn([body], null, target, rules)).toEqual(["hunter2!"]);
  });

  it("finds a decoded Secret value as a message would quote it, escaped", () => {
    const config = `{"password":"p4ss"}\n`;
    const values = sensitiveValuesIn([{ data: { "config.json": Buffer.from(config).toString("base64") } }], null, SECRETS, DEFAULT_SENSITIVE_RULES);
    expect(values).toContain(config);
    expect(values).toContain(JSON.stringify(config).slice(1, -1));
  });
});
