import { describe, expect, it } from "vitest";
import { loadFalcoTraceEvent } from "../../testing/fixtures";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "./defaults";
import { convertAuditEvent } from "./convert";
import { parseAuditEvent } from "./eventSchema";
import { fieldWithNul } from "./storableText";
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

describe("fieldWithNul", () => {
  it("finds none in a real event", () => {
    expect(fieldWithNul(converted(() => {}))).toBeNull();
  });

  it("names the text field that holds a NUL", () => {
    expect(fieldWithNul(converted((e) => (e.userAgent = "kubectl\u0000")))).toBe("userAgent");
    expect(fieldWithNul(converted((e) => (e.user.username = "al\u0000ice")))).toBe("user");
    expect(fieldWithNul(converted((e) => (e.objectRef.name = "my\u0000config")))).toBe("objectRef.name");
    expect(fieldWithNul(converted((e) => (e.auditID = "a\u0000b")))).toBe("auditID");
  });

  it("leaves NULs inside bodies alone: JSON columns store them escaped", () => {
    expect(fieldWithNul(converted((e) => (e.responseObject.data = { k: "v\u0000" })))).toBeNull();
  });

  it("checks the fields of a read", () => {
    const read = converted((e) => {
      e.verb = "get";
      e.user.username = "bo\u0000b";
    });
    expect(read.kind).toBe("read");
    expect(fieldWithNul(read)).toBe("user.username");
  });
});
