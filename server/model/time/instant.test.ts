import { describe, expect, it } from "vitest";
import { clampToStorable, FIRST_STORABLE_MICROS, instantMicros, isoOfMicros, isStorableInstant, LAST_STORABLE_MICROS } from "./instant";

// The scheduler's binding of Pod apiserver-5d887d5fcd-qnvqh, as its audit event times it (server/testing/scenarios/openshiftCascade.ts).
const BINDING = Date.parse("2021-09-13T14:58:37.005Z") * 1000 + 855;

describe("instantMicros", () => {
  it("reads an instant to the microsecond, whatever its offset", () => {
    expect(instantMicros("2021-09-13T14:58:37.005855Z")).toBe(BINDING);
    expect(instantMicros("2021-09-13T16:58:37.005855+02:00")).toBe(BINDING);
    expect(instantMicros("2021-09-13T14:58:37.005855999Z")).toBe(BINDING);
    expect(instantMicros("2021-09-13T14:58:37.0058Z")).toBe(BINDING - 55);
    expect(instantMicros("2021-09-13T14:58:37Z")).toBe(Date.parse("2021-09-13T14:58:37Z") * 1000);
    // Before 1970 the fraction still counts forwards from the second.
    expect(instantMicros("1969-12-31T23:59:59.999500Z")).toBe(-500);
    expect(instantMicros("0001-01-01T00:00:00.000001Z")).toBe(FIRST_STORABLE_MICROS + 1);
  });

  it.each(["yesterday", "2021-09-13", "2021-09-13T14:58Z", "2021-09-13T14:58:37", "2021-09-13 14:58:37Z", "2021-02-29T00:00:00Z", "2021-09-13T24:00:00Z", "2021-09-13T14:60:00Z", "2021-09-13T14:58:37.Z", "2021-09-13T14:58:37+2:00", "+010000-01-01T00:00:00Z", "2021-09-13T14:58:37Z\u0000", ""])("refuses %j", (text) => {
    expect(instantMicros(text)).toBeNull();
  });
});

describe("the instants the store holds", () => {
  it("are the years 0001 to 9999", () => {
    expect(isStorableInstant("0001-01-01T00:00:00Z")).toBe(true);
    expect(isStorableInstant("9999-12-31T23:59:59.999999Z")).toBe(true);
    expect(isStorableInstant("0000-12-31T23:59:59Z")).toBe(false);
    // A year 9999 that is 10000 in UTC.
    expect(isStorableInstant("9999-12-31T23:00:00-05:00")).toBe(false);
    expect(clampToStorable(FIRST_STORABLE_MICROS - 1)).toBe(FIRST_STORABLE_MICROS);
    expect(isoOfMicros(clampToStorable(instantMicros("9999-12-31T23:59:59.999999Z")!))).toBe("9999-12-31T23:59:59.000Z");
  });
});

describe("isoOfMicros", () => {
  it("writes the milliseconds when they are exact, else the microseconds, and reads back the same", () => {
    expect(isoOfMicros(BINDING)).toBe("2021-09-13T14:58:37.005855Z");
    expect(isoOfMicros(BINDING - 855)).toBe("2021-09-13T14:58:37.005Z");
    expect(isoOfMicros(-500)).toBe("1969-12-31T23:59:59.999500Z");
    for (const micros of [BINDING, -500, FIRST_STORABLE_MICROS, LAST_STORABLE_MICROS]) expect(instantMicros(isoOfMicros(micros))).toBe(micros);
  });
});
