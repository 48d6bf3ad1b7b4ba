import { describe, expect, it } from "vitest";
import { DEFAULT_SENSITIVE_RULES } from "./redact";
import { redactFailure } from "./fieldErrors";

// Texts as apimachinery's field.Error and apiextensions' schema validation word them
// (k8s.io/apimachinery/pkg/util/validation/field/errors.go, ErrorBody; errors.NewInvalid).
const DATABASES = { apiGroup: "example.com", resource: "databases" };
const RULES = [{ apiGroup: "example.com", resource: "databases", paths: [["spec", "password"], ["spec", "credentials"]] }];

function invalid(field: string, body: string) {
  return { field, reason: "FieldValueInvalid", message: body };
}

describe("redactFailure", () => {
  it("hides the value a schema pattern check echoes, in the cause and in the message", () => {
    const body = `Invalid value: "hunter2": spec.password in body should match '^[a-z]+$'`;
    const failure = {
      status: "Failure",
      reason: "Invalid",
      message: `Database.example.com "orders" is invalid: spec.password: ${body}`,
      causes: [invalid("spec.password", body)],
    };
    expect(redactFailure(failure, DATABASES, RULES)).toEqual({
      status: "Failure",
      reason: "Invalid",
      message: `Database.example.com "orders" is invalid: spec.password: Invalid value: <redacted>: spec.password in body should match '^[a-z]+$'`,
      causes: [invalid("spec.password", `Invalid value: <redacted>: spec.password in body should match '^[a-z]+$'`)],
    });
  });

  it("hides a value that the detail repeats (a format check), and a Go-escaped one", () => {
    const body = `Invalid value: "hunter\\"2": spec.password in body must be of type email: "hunter\\"2"`;
    const failure = { message: `Database.example.com "orders" is invalid: spec.password: ${body}`, causes: [invalid("spec.password", body)] };
    const redacted = redactFailure(failure, DATABASES, RULES);
    expect(JSON.stringify(redacted)).not.toContain("hunter");
    expect(redacted.causes![0]!.message).toBe("Invalid value: <redacted>: spec.password in body must be of type email: <redacted>");
  });

  it("hides values below, and objects printed above, a sensitive field, of every value-carrying type", () => {
    const causes = [
      { field: "spec.credentials.token", reason: "FieldValueNotSupported", message: `Unsupported value: "tok-123": supported values: "a", "b"` },
      { field: "spec.credentials[0]", reason: "FieldValueDuplicate", message: `Duplicate value: "tok-456"` },
      { field: "spec", reason: "FieldValueInvalid", message: `Invalid value: {"password":"pw-789"}: spec must be valid` },
      { field: "spec", reason: "FieldValueInvalid", message: `Invalid value: map[string]interface {}{"password":"pw-000"}: spec must be valid` },
      { field: "spec.credentials", reason: "FieldValueInvalid", message: `Invalid value: []string{"pw-111"}: must be empty` },
    ];
    const message = `Database.example.com "orders" is invalid: [${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}]`;
    const redacted = redactFailure({ message, causes }, DATABASES, RULES);
    for (const value of ["tok-123", "tok-456", "pw-789", "pw-000", "pw-111"]) expect(JSON.stringify(redacted)).not.toContain(value);
    expect(redacted.causes!.map((c) => c.message)).toEqual([
      `Unsupported value: <redacted>: supported values: "a", "b"`,
      "Duplicate value: <redacted>",
      "Invalid value: <redacted>: spec must be valid",
      "Invalid value: <redacted>",
      "Invalid value: <redacted>",
    ]);
  });

  it("leaves other fields' errors, and other kinds' failures, as they were", () => {
    const failure = {
      message: `Database.example.com "orders" is invalid: spec.size: Invalid value: "huge": spec.size in body should be one of [small large]`,
      causes: [invalid("spec.size", `Invalid value: "huge": spec.size in body should be one of [small large]`), invalid("spec.passwordPolicy", `Invalid value: "x"`)],
    };
    expect(redactFailure(failure, DATABASES, RULES)).toEqual(failure);
    const other = { message: `Database.example.com "orders" is invalid: spec.password: Invalid value: "hunter2"`, causes: [invalid("spec.password", `Invalid value: "hunter2"`)] };
    expect(redactFailure(other, { apiGroup: "example.com", resource: "caches" }, RULES)).toEqual(other);
  });

  it("matches a Secret's map keys and annotation keys, which hold dots, by Kubernetes' bracket paths", () => {
    const failure = { message: `Secret "s" is invalid: data[db.password]: Invalid value: "x-secret-x"`, causes: [invalid("data[db.password]", `Invalid value: "x-secret-x"`)] };
    expect(JSON.stringify(redactFailure(failure, { apiGroup: "", resource: "secrets" }, DEFAULT_SENSITIVE_RULES))).not.toContain("x-secret-x");
  });

  it("steps over list indexes in a field, as sensitive paths do", () => {
    const rules = [{ apiGroup: "example.com", resource: "databases", paths: [["spec", "users", "password"]] }];
    for (const field of ["spec.users[0].password", "spec.users.0.password"]) {
      const failure = { message: `Database.example.com "orders" is invalid: ${field}: Invalid value: "hunter2"`, causes: [invalid(field, `Invalid value: "hunter2"`)] };
      expect(JSON.stringify(redactFailure(failure, DATABASES, rules)), field).not.toContain("hunter2");
    }
  });

  it("hides every echoed value of a message whose Status lists no causes, since its fields are unknown", () => {
    const failure = { message: `Database.example.com "orders" is invalid: [spec.password: Invalid value: "hunter2": bad, spec.size: Invalid value: 3: too big]` };
    expect(redactFailure(failure, DATABASES, RULES).message).toBe(
      `Database.example.com "orders" is invalid: [spec.password: Invalid value: <redacted>: bad, spec.size: Invalid value: <redacted>: too big]`,
    );
  });
});
