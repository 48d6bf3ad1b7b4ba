import { describe, expect, it } from "vitest";
import { loadFalcoTraceEvent } from "../../testing/fixtures";
import { incompressibleText } from "../../testing/incompressibleText";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "./defaults";
import { convertAuditEvent } from "./convert";
import { parseAuditEvent } from "./eventSchema";
import { unstorableText } from "./storableText";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../../model/redact/redact";

const options = { skipResources: DEFAULT_SKIP_RESOURCES, skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS, sensitive: DEFAULT_SENSITIVE_RULES, fingerprint: hmacFingerprint("k0123456789abcdef") };

function converted(edit: (event: Record<string, any>) => void) {
  // A real RequestResponse write: create_configmap.json.
  const raw = structuredClone(loadFalcoTraceEvent("create_configmap.json")) as Record<string, any>;
  edit(raw);
  const parsed = parseAuditEvent(raw);
  if (!parsed.ok) throw new Error(parsed.error);
  return convertAuditEvent(parsed.event, options);
}

const NUL = "contains a NUL character (U+0000), which cannot be stored";
const tooLong = (bytes: number) => `longer than ${bytes} bytes (UTF-8), more than the store indexes`;

describe("unstorableText", () => {
  it("finds none in a real event", () => {
    expect(unstorableText(converted(() => {}))).toBeNull();
  });

  it("names the text field that holds a NUL", () => {
    expect(unstorableText(converted((e) => (e.userAgent = "kubectl\u0000")))).toBe(`userAgent: ${NUL}`);
    expect(unstorableText(converted((e) => (e.user.username = "al\u0000ice")))).toBe(`user: ${NUL}`);
    expect(unstorableText(converted((e) => (e.objectRef.name = "my\u0000config")))).toBe(`objectRef.name: ${NUL}`);
    // Impersonated: the actor is the impersonated user, and the one who impersonated is stored (and indexed) too.
    const impersonatedBy = (username: string) => (e: Record<string, any>) => {
      e.impersonatedUser = { username: "bob" };
      e.user.username = username;
    };
    expect(unstorableText(converted(impersonatedBy("mal\u0000lory")))).toBe(`user.username: ${NUL}`);
    expect(unstorableText(converted(impersonatedBy(incompressibleText(1025))))).toBe(`user.username: ${tooLong(1024)}`);
    expect(unstorableText(converted(impersonatedBy("mallory")))).toBeNull();
    expect(unstorableText(converted((e) => (e.auditID = "a\u0000b")))).toBe(`auditID: ${NUL}`);
    // Not a field of the event's own, but stored as the version of the object's state.
    expect(unstorableText(converted((e) => (e.responseObject.metadata.resourceVersion = "25\u00009832")))).toBe(`metadata.resourceVersion: ${NUL}`);
  });

  it("leaves NULs inside bodies alone: JSON columns store them escaped", () => {
    expect(unstorableText(converted((e) => (e.responseObject.data = { k: "v\u0000" })))).toBeNull();
  });

  it("checks the fields of a read", () => {
    const read = converted((e) => {
      e.verb = "get";
      e.user.username = "bo\u0000b";
    });
    expect(read.kind).toBe("read");
    expect(unstorableText(read)).toBe(`user.username: ${NUL}`);
  });

  it("names an indexed field too long for its index, counting UTF-8 bytes", () => {
    expect(unstorableText(converted((e) => (e.auditID = incompressibleText(1025))))).toBe(`auditID: ${tooLong(1024)}`);
    expect(unstorableText(converted((e) => (e.user.username = incompressibleText(1025))))).toBe(`user: ${tooLong(1024)}`);
    // A failed request names whatever its URL held.
    expect(unstorableText(converted((e) => (e.objectRef.name = e.responseObject.metadata.name = incompressibleText(1025))))).toBe(`objectRef.name: ${tooLong(1024)}`);
    expect(unstorableText(converted((e) => (e.objectRef.namespace = e.responseObject.metadata.namespace = incompressibleText(257))))).toBe(`objectRef.namespace: ${tooLong(256)}`);
    expect(unstorableText(converted((e) => (e.objectRef.uid = e.responseObject.metadata.uid = incompressibleText(257))))).toBe(`objectRef.uid: ${tooLong(256)}`);
    // 342 characters of three bytes each: 1,026 bytes.
    expect(unstorableText(converted((e) => (e.objectRef.name = e.responseObject.metadata.name = "名".repeat(342))))).toBe(`objectRef.name: ${tooLong(1024)}`);
    expect(unstorableText(converted((e) => (e.objectRef.name = e.responseObject.metadata.name = "名".repeat(341))))).toBeNull();
    expect(unstorableText(converted((e) => (e.objectRef.name = e.responseObject.metadata.name = incompressibleText(1024))))).toBeNull();
  });

  it("leaves long text in columns no index reads alone", () => {
    expect(unstorableText(converted((e) => (e.userAgent = incompressibleText(5000))))).toBeNull();
    expect(unstorableText(converted((e) => (e.responseObject.metadata.resourceVersion = incompressibleText(5000))))).toBeNull();
  });

  it("checks the indexed fields of a read against their limits", () => {
    const read = (edit: (e: Record<string, any>) => void) =>
      converted((e) => {
        e.verb = "list";
        edit(e);
      });
    expect(unstorableText(read((e) => (e.user.username = incompressibleText(1025))))).toBe(`user.username: ${tooLong(1024)}`);
    expect(unstorableText(read((e) => (e.objectRef.resource = incompressibleText(257))))).toBe(`objectRef.resource: ${tooLong(256)}`);
    expect(unstorableText(read(() => {}))).toBeNull();
  });
});
