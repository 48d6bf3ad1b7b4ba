import { describe, expect, it } from "vitest";
import { loadFalcoTraceEvent, loadFalcoTraceEvents } from "../../testing/fixtures";
import { loadHkermaEvents } from "../../testing/hkermaCsv";
import { openshiftCascade } from "../../testing/scenarios/openshiftCascade";
import { rolloutScenario } from "../../testing/scenarios/rollout";
import { parseAuditEvent, parseEventListEnvelope, parseWithSchema, readWellFormedEvent, type AuditEvent } from "./eventSchema";

/** A recorded audit.k8s.io/v1 event (create_secret.json), as a base to vary. */
function v1Event(): Record<string, unknown> {
  return structuredClone(loadFalcoTraceEvent("create_secret.json")) as Record<string, unknown>;
}

function parsed(raw: unknown): AuditEvent {
  const result = parseAuditEvent(raw);
  if (!result.ok) throw new Error(`expected to parse: ${result.error}`);
  return result.event;
}

function rejection(raw: unknown): { auditId: string | null; error: string } {
  const result = parseAuditEvent(raw);
  if (result.ok) throw new Error("expected a rejection");
  return { auditId: result.auditId, error: result.error };
}

describe("parseAuditEvent on recorded events", () => {
  it("accepts every Falco trace event (v1, v1beta1 and unversioned)", () => {
    const events = loadFalcoTraceEvents();
    expect(events).toHaveLength(51);
    for (const { file, line, raw } of events) {
      const result = parseAuditEvent(raw);
      expect(result.ok ? "ok" : `${file}:${line}: ${result.error}`).toBe("ok");
    }
  });

  it("reads a v1 event's fields", () => {
    const event = parsed(loadFalcoTraceEvent("create_secret.json"));
    expect(event).toMatchObject({
      apiVersion: "audit.k8s.io/v1",
      auditID: "55a81824-ab56-46c5-8b02-96336f5e78d7",
      stage: "ResponseComplete",
      level: "Metadata",
      verb: "create",
      requestURI: "/api/v1/namespaces/default/secrets",
      user: { username: "minikube-user", groups: ["system:masters", "system:authenticated"] },
      impersonatedUser: null,
      sourceIPs: ["192.168.64.1"],
      userAgent: "kubectl/v1.17.3 (darwin/amd64) kubernetes/06ad960",
      objectRef: { resource: "secrets", namespace: "default", name: "example-secret", apiVersion: "v1" },
      responseStatus: { code: 201 },
      requestObject: null,
      responseObject: null,
      annotations: { "authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "" },
    });
  });

  it("keeps the apiserver's microseconds in the strings and milliseconds in the Dates", () => {
    const event = parsed(loadFalcoTraceEvent("create_secret.json"));
    expect(event.requestReceivedTimestamp).toBe("2020-04-21T17:57:05.541358Z");
    expect(event.requestReceivedTime.toISOString()).toBe("2020-04-21T17:57:05.541Z");
    expect(event.stageTimestamp).toBe("2020-04-21T17:57:05.548299Z");
    expect(event.stageTime.toISOString()).toBe("2020-04-21T17:57:05.548Z");
  });

  it("reads v1beta1 events with bodies", () => {
    const event = parsed(loadFalcoTraceEvent("create_nginx_pod_privileged.json"));
    expect(event.apiVersion).toBe("audit.k8s.io/v1beta1");
    expect(event.level).toBe("RequestResponse");
    expect(event.objectRef).toMatchObject({ resource: "pods", namespace: "default" });
    expect(event.objectRef?.name).toBeUndefined();
    expect(event.requestObject).toMatchObject({ kind: "Pod", metadata: { generateName: "nginx-deployment-5cdcc99dbf-" } });
    expect(event.responseObject).toMatchObject({ kind: "Pod", metadata: { name: "nginx-deployment-5cdcc99dbf-rgw6z" } });
  });

  it("accepts events without apiVersion (as Falco's older traces are)", () => {
    const event = parsed(loadFalcoTraceEvent("create_deployment.json"));
    expect(event.apiVersion).toBeNull();
    expect(event.objectRef).toMatchObject({ apiGroup: "extensions", apiVersion: "v1beta1", resource: "deployments" });
  });

  it("keeps fields it does not know inside nested objects", () => {
    const event = parsed(loadFalcoTraceEvent("create_nginx_pod_privileged.json"));
    expect(event.user.uid).toBe("8d5e1349-d30f-11e8-96d9-080027728ac4");
    const raw = v1Event();
    raw.objectRef = { resource: "secrets", name: "x", futureField: 1 };
    expect(parsed(raw).objectRef).toMatchObject({ futureField: 1 });
  });
});

describe("parseAuditEvent time fallbacks", () => {
  it("falls back to the v1beta1 timestamp when the precise times are absent", () => {
    const raw = v1Event();
    delete raw.requestReceivedTimestamp;
    delete raw.stageTimestamp;
    raw.timestamp = "2020-04-21T17:57:05Z";
    const event = parsed(raw);
    expect(event.requestReceivedTimestamp).toBe("2020-04-21T17:57:05Z");
    expect(event.stageTimestamp).toBe("2020-04-21T17:57:05Z");
  });

  it("falls back to metadata.creationTimestamp when there is no timestamp either", () => {
    const raw = v1Event();
    delete raw.requestReceivedTimestamp;
    delete raw.stageTimestamp;
    raw.metadata = { creationTimestamp: "2018-10-26T13:07:36Z" };
    expect(parsed(raw).requestReceivedTime.toISOString()).toBe("2018-10-26T13:07:36.000Z");
  });

  it("uses the receive time as the stage time when only that is present", () => {
    const raw = v1Event();
    delete raw.stageTimestamp;
    expect(parsed(raw).stageTimestamp).toBe("2020-04-21T17:57:05.541358Z");
  });

  it("rejects an event with no time at all", () => {
    const raw = v1Event();
    delete raw.requestReceivedTimestamp;
    delete raw.stageTimestamp;
    expect(rejection(raw).error).toBe("requestReceivedTimestamp: required (and no v1beta1 timestamp to fall back to)");
  });

  it("accepts response codes at both ends of Go's int32", () => {
    for (const code of [2 ** 31 - 1, -(2 ** 31)]) {
      const raw = v1Event();
      raw.responseStatus = { code };
      expect(parsed(raw).responseStatus?.code).toBe(code);
    }
  });

  it("accepts the first and the last time Postgres and RFC 3339 share", () => {
    const raw = v1Event();
    raw.requestReceivedTimestamp = "0001-01-01T00:00:00Z";
    raw.stageTimestamp = "9999-12-31T23:59:59.999999Z";
    const event = parsed(raw);
    expect(event.requestReceivedTime.toISOString()).toBe("0001-01-01T00:00:00.000Z");
    expect(event.stageTime.toISOString()).toBe("9999-12-31T23:59:59.999Z");
  });

  it("accepts offsets and nanoseconds", () => {
    const raw = v1Event();
    raw.requestReceivedTimestamp = "2020-04-21T19:57:05.541358123+02:00";
    expect(parsed(raw).requestReceivedTime.toISOString()).toBe("2020-04-21T17:57:05.541Z");
  });
});

const NOT_A_TIME = "not an RFC 3339 time of a real date in the years 0001–9999 (UTC)";

describe("parseAuditEvent errors", () => {
  it.each([
    ["stage", "Done", "stage: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic"],
    ["level", "Everything", "level: expected one of None|Metadata|Request|RequestResponse"],
    ["requestReceivedTimestamp", "2020-04-21 17:57:05", `requestReceivedTimestamp: ${NOT_A_TIME}`],
    ["stageTimestamp", "2020-13-21T17:57:05Z", `stageTimestamp: ${NOT_A_TIME}`],
    // Dates JavaScript takes and Postgres's timestamptz does not: year 0, and UTC years past 9999.
    ["requestReceivedTimestamp", "0000-01-01T00:00:00Z", `requestReceivedTimestamp: ${NOT_A_TIME}`],
    ["stageTimestamp", "0001-01-01T00:30:00+01:00", `stageTimestamp: ${NOT_A_TIME}`],
    ["stageTimestamp", "9999-12-31T23:30:00-01:00", `stageTimestamp: ${NOT_A_TIME}`],
    // Days that do not exist, which JavaScript rolls over into the next month.
    ["requestReceivedTimestamp", "2023-02-29T10:00:00Z", `requestReceivedTimestamp: ${NOT_A_TIME}`],
    ["stageTimestamp", "2024-04-31T10:00:00Z", `stageTimestamp: ${NOT_A_TIME}`],
    ["verb", 7, "verb: expected string, got 7"],
    ["kind", "Pod", 'kind: expected "Event"'],
    ["apiVersion", "audit.k8s.io/v1alpha1", "apiVersion: expected audit.k8s.io/v1 or audit.k8s.io/v1beta1"],
    ["sourceIPs", ["1.2.3.4", 5], "sourceIPs[1]: expected string, got 5"],
    ["user", { groups: [] }, "user.username: required"],
    ["objectRef", { name: 5 }, "objectRef.name: expected string, got 5"],
    ["responseStatus", { code: "403" }, 'responseStatus.code: expected number, got "403"'],
    // The store keeps it as an integer column, as Go's metav1.Status keeps an int32.
    ["responseStatus", { code: 2 ** 31 }, "responseStatus.code: not a 32-bit integer"],
    ["responseStatus", { code: -(2 ** 31) - 1 }, "responseStatus.code: not a 32-bit integer"],
    ["annotations", { a: 1 }, "annotations.a: expected string, got 1"],
  ])("names the field when %s is %j", (field, value, error) => {
    const raw = v1Event();
    raw[field] = value;
    expect(rejection(raw)).toEqual({ auditId: "55a81824-ab56-46c5-8b02-96336f5e78d7", error });
  });

  it("rejects an empty auditID, and has no id to report", () => {
    const raw = v1Event();
    raw.auditID = "";
    expect(rejection(raw)).toEqual({ auditId: null, error: "auditID: must not be empty" });
  });

  it("says which required fields are missing", () => {
    const raw = v1Event();
    delete raw.stage;
    delete raw.user;
    expect(rejection(raw).error).toBe("stage: required; user: required");
  });

  it("reports at most three problems", () => {
    expect(rejection({}).error).toBe("auditID: required; stage: required; level: required; and 2 more");
  });

  it("rejects something that is not an object, without an audit id", () => {
    expect(rejection("hello")).toEqual({ auditId: null, error: 'event: expected object, got "hello"' });
    expect(rejection(null)).toEqual({ auditId: null, error: "event: expected object, got null" });
    expect(rejection(undefined).auditId).toBeNull();
  });

  it("rejects bodies that are not JSON", () => {
    const raw = v1Event();
    raw.requestObject = { when: new Date(0) };
    expect(rejection(raw).error).toBe("requestObject: not a JSON value");
  });

  it("tells JSON bodies from other values at any depth", () => {
    const raw = v1Event();
    const accepted: unknown[] = [
      { a: [1, "x", true, null, { b: -0.5 }] },
      [{ op: "add", path: "/x", value: [] }],
      Object.assign(Object.create(null) as object, { a: 1 }),
      // A hole is no value (as for Array.prototype.every); JSON.parse never makes one.
      [1, , 2],
    ];
    for (const body of accepted) {
      raw.requestObject = body;
      expect(parseAuditEvent(raw).ok).toBe(true);
    }
    const rejected: unknown[] = [{ a: { b: [NaN] } }, [Infinity], { a: undefined }, [undefined], { a: () => 1 }, { a: new Map() }, [new (class Thing {})()]];
    for (const body of rejected) {
      raw.requestObject = body;
      expect(rejection(raw).error).toBe("requestObject: not a JSON value");
    }
  });

  it("reads bodies nested up to 1000 levels deep, and rejects deeper ones as one event", () => {
    // Deeper ones would overflow the stack in the diff or the store's JSON.stringify, failing the whole batch.
    const raw = v1Event();
    raw.requestObject = JSON.parse("[".repeat(999) + '{"a":1}' + "]".repeat(999));
    expect(parseAuditEvent(raw).ok).toBe(true);
    raw.responseObject = JSON.parse('{"a":'.repeat(1000) + "[]" + "}".repeat(1000));
    expect(rejection(raw).error).toBe("event: could not be read (nested more than 1000 levels deep, or cyclic)");
  });

  it("accepts null where Go would write null for an empty list or map", () => {
    const raw = v1Event();
    raw.sourceIPs = null;
    raw.annotations = null;
    raw.impersonatedUser = null;
    const event = parsed(raw);
    expect(event.sourceIPs).toEqual([]);
    expect(event.annotations).toEqual({});
    expect(event.impersonatedUser).toBeNull();
  });

  it("rejects a body nested too deep to walk, or cyclic, instead of throwing", () => {
    const raw = v1Event();
    raw.requestObject = JSON.parse("[".repeat(100_000) + "]".repeat(100_000));
    expect(rejection(raw)).toMatchObject({ auditId: "55a81824-ab56-46c5-8b02-96336f5e78d7", error: expect.stringMatching(/^event: could not be read/) });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    raw.requestObject = cyclic;
    expect(rejection(raw).error).toMatch(/^event: could not be read/);
  });

  it("never throws, whatever it is given", () => {
    const weird: unknown[] = [0, [], new Map(), Symbol("x"), () => 1, { auditID: {} }, Object.create(null)];
    for (const raw of weird) expect(() => parseAuditEvent(raw)).not.toThrow();
  });
});

describe("parseEventListEnvelope", () => {
  const items = [{ a: 1 }, "not even an event"];

  it("accepts v1 and v1beta1 lists, leaving items unvalidated", () => {
    expect(parseEventListEnvelope({ kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items })).toEqual({
      ok: true,
      apiVersion: "audit.k8s.io/v1",
      items,
    });
    expect(parseEventListEnvelope({ kind: "EventList", apiVersion: "audit.k8s.io/v1beta1", items: [] })).toEqual({
      ok: true,
      apiVersion: "audit.k8s.io/v1beta1",
      items: [],
    });
  });

  it("reads items: null (Go's empty list) as no items", () => {
    expect(parseEventListEnvelope({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: null })).toEqual({
      ok: true,
      apiVersion: "audit.k8s.io/v1",
      items: [],
    });
  });

  it.each([
    [{ kind: "Pod", apiVersion: "v1" }, 'kind: expected "EventList", got "Pod"'],
    [{ apiVersion: "audit.k8s.io/v1", items: [] }, 'kind: expected "EventList", got nothing'],
    [{ kind: "EventList", apiVersion: "v1", items: [] }, 'apiVersion: expected audit.k8s.io/v1 or audit.k8s.io/v1beta1, got "v1"'],
    [{ kind: "EventList", items: [] }, "apiVersion: expected audit.k8s.io/v1 or audit.k8s.io/v1beta1, got nothing"],
    [{ kind: "EventList", apiVersion: "audit.k8s.io/v1" }, "items: expected an array, got nothing"],
    [{ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: {} }, "items: expected an array, got an object"],
    [[], "expected an EventList object, got an array"],
    ["EventList", 'expected an EventList object, got "EventList"'],
  ])("rejects %j", (raw, error) => {
    expect(parseEventListEnvelope(raw)).toEqual({ ok: false, error });
  });

  it("lets one bad item be reported without sinking the others", () => {
    const good = loadFalcoTraceEvent("create_secret.json");
    const envelope = parseEventListEnvelope({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items: [good, { auditID: "x" }] });
    if (!envelope.ok) throw new Error(envelope.error);
    const results = envelope.items.map(parseAuditEvent);
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(results[1]).toMatchObject({ ok: false, auditId: "x" });
  });
});

describe("the fast path of parseAuditEvent", () => {
  // Real events: every falco trace (RequestResponse bodies, Metadata-level Secrets), the 16.5k
  // hkerma events rebuilt from the CSV (reads and writes of a kubeadm cluster), and the real
  // OpenShift rollout as audit events.
  const real: unknown[] = [
    ...loadFalcoTraceEvents().map((e) => e.raw),
    ...loadHkermaEvents(),
    ...rolloutScenario().map((s) => s.event),
    ...openshiftCascade().map((s) => s.event),
  ];

  it("gives exactly what the schema gives, for every real event", () => {
    expect(real.length).toBeGreaterThan(16_000);
    for (const raw of real) expect(parseAuditEvent(raw)).toEqual(parseWithSchema(raw));
  });

  it("takes every real event the schema accepts, without the schema", () => {
    const valid = real.filter((raw) => parseWithSchema(raw).ok);
    expect(valid.length).toBeGreaterThan(16_000);
    expect(valid.filter((raw) => readWellFormedEvent(raw) === null)).toEqual([]);
  });

  // Every field (and nested field) of real events set, in turn, to values of every JSON type,
  // absent, empty, or malformed: wherever the fast path accepts, the schema must agree exactly.
  const WRONG_VALUES: unknown[] = [undefined, null, "", "x", "2024-13-01T00:00:00Z", "2024-05-01T10:00:00.123456Z", 0, 1.5, -1, 2 ** 60, true, [], ["a"], [1], {}, { a: "b" }, { a: 1 }];

  function* variants(raw: Record<string, unknown>): Generator<unknown> {
    for (const [key, value] of Object.entries(raw)) {
      for (const wrong of WRONG_VALUES) yield { ...raw, [key]: wrong };
      if (value && typeof value === "object" && !Array.isArray(value)) {
        for (const [inner, innerValue] of Object.entries(value)) {
          for (const wrong of WRONG_VALUES) yield { ...raw, [key]: { ...(value as object), [inner]: wrong } };
          if (innerValue && typeof innerValue === "object" && !Array.isArray(innerValue)) {
            for (const deepKey of Object.keys(innerValue)) {
              for (const wrong of WRONG_VALUES) yield { ...raw, [key]: { ...(value as object), [inner]: { ...(innerValue as object), [deepKey]: wrong } } };
            }
          }
        }
      }
      if (Array.isArray(value)) for (const wrong of WRONG_VALUES) yield { ...raw, [key]: [...value, wrong] };
    }
    for (const extra of ["responseStatus", "impersonatedUser", "metadata", "timestamp"]) {
      for (const wrong of WRONG_VALUES) yield { ...raw, [extra]: wrong };
    }
  }

  it("agrees with the schema on every field made wrong in turn", () => {
    const bases = [
      loadFalcoTraceEvent("create_secret.json"),
      loadFalcoTraceEvent("delete_configmap.json"),
      loadFalcoTraceEvent("create_nginx_pod_unprivileged.json"),
      rolloutScenario().find((s) => s.label === "conflict")!.event,
    ] as Array<Record<string, unknown>>;
    let checked = 0;
    let acceptedByBoth = 0;
    for (const base of bases) {
      for (const variant of variants(base)) {
        const fast = parseAuditEvent(variant);
        expect(fast).toEqual(parseWithSchema(variant));
        checked++;
        if (fast.ok) acceptedByBoth++;
      }
    }
    // Both outcomes are exercised: many variants are valid (optional fields, extra keys), many not.
    expect(checked).toBeGreaterThan(2_000);
    expect(acceptedByBoth).toBeGreaterThan(300);
    expect(checked - acceptedByBoth).toBeGreaterThan(300);
  });
});
