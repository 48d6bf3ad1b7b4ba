import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../ingest/audit/types";
import { loadFalcoTraceEvents, realApiserverDeployment } from "../../testing/fixtures";
import { copyJson } from "./copyJson";

describe("copyJson", () => {
  it("copies real events as structuredClone does, key order included", () => {
    for (const { raw } of loadFalcoTraceEvents()) {
      const copy = copyJson(raw);
      expect(copy).not.toBe(raw);
      expect(JSON.stringify(copy)).toBe(JSON.stringify(structuredClone(raw)));
    }
  });

  it("shares nothing with its input", () => {
    const deployment = realApiserverDeployment() as Record<string, any>;
    const copy = copyJson(deployment) as Record<string, any>;
    copy.spec.template.spec.containers[0].image = "changed";
    copy.metadata.labels.added = "yes";
    expect(deployment).toEqual(realApiserverDeployment());
  });

  it("keeps a __proto__ key as a key, and integer-like keys in their order", () => {
    const value = JSON.parse('{"b":1,"__proto__":{"polluted":true},"2":"two","1":"one"}') as JsonValue;
    const copy = copyJson(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect(JSON.stringify(copy)).toBe('{"1":"one","2":"two","b":1,"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("returns scalars as they are", () => {
    for (const scalar of ["text", 0, -1.5, true, false, null]) expect(copyJson(scalar)).toBe(scalar);
  });
});
