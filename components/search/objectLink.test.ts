import { describe, expect, it } from "vitest";
import { objectHrefOf, objectRangeOf } from "./objectLink";

const at = (text: string) => Date.parse(text);
const range = (from: string, to: string) => ({ from: at(from), to: at(to) });
// The rollout of openshift-apiserver/apiserver: created 14:54:16, deleted 15:02:16 (server/testing/scenarios/rollout.ts).
const rollout = { id: 42, firstEntry: at("2021-09-13T14:54:16Z"), lastEntry: at("2021-09-13T15:02:16Z") };
/** What search.objects answers as the range of a search with none: the store's first instant to a day past now. */
const anyTime = range("0001-01-01T00:00:00Z", "2026-12-08T10:00:00Z");

describe("the link from a found object to its page", () => {
  it("opens on the object's activity widened by a tenth of it, at least a minute", () => {
    expect(objectHrefOf(rollout, anyTime)).toBe("/objects/42?from=2021-09-13T14%3A53%3A16.000Z&to=2021-09-13T15%3A03%3A16.000Z");
    // A day of activity: 2h24m each side.
    const day = { firstEntry: at("2021-09-13T00:00:00Z"), lastEntry: at("2021-09-14T00:00:00Z") };
    expect(objectRangeOf(day, anyTime)).toEqual({ from: "2021-09-12T21:36:00.000Z", to: "2021-09-14T02:24:00.000Z" });
    // One entry: a minute each side.
    const once = { firstEntry: rollout.firstEntry, lastEntry: rollout.firstEntry };
    expect(objectRangeOf(once, anyTime)).toEqual({ from: "2021-09-13T14:53:16.000Z", to: "2021-09-13T14:55:16.000Z" });
    // Before 1970 as well.
    const early = { firstEntry: at("1969-12-31T23:59:00Z"), lastEntry: at("1969-12-31T23:59:00Z") };
    expect(objectRangeOf(early, anyTime)).toEqual({ from: "1969-12-31T23:58:00.000Z", to: "1970-01-01T00:00:00.000Z" });
  });

  it("stays within the searched range, and not on all of it when it is wide", () => {
    // A search over the store's every year: the object's eight minutes, not eight thousand years.
    expect(objectRangeOf(rollout, range("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"))).toEqual({ from: "2021-09-13T14:53:16.000Z", to: "2021-09-13T15:03:16.000Z" });
    expect(objectRangeOf(rollout, range("2021-09-13T14:00:00Z", "2021-09-13T15:00:00Z"))).toEqual({ from: "2021-09-13T14:53:16.000Z", to: "2021-09-13T15:00:00.000Z" });
    expect(objectRangeOf(rollout, range("2021-09-13T14:54:00Z", "2021-09-13T16:00:00Z"))).toEqual({ from: "2021-09-13T14:54:00.000Z", to: "2021-09-13T15:03:16.000Z" });
    // Within the store's first minute: not before it.
    const first = { firstEntry: at("0001-01-01T00:00:10Z"), lastEntry: at("0001-01-01T00:00:10Z") };
    expect(objectRangeOf(first, anyTime)).toEqual({ from: "0001-01-01T00:00:00.000Z", to: "0001-01-01T00:01:10.000Z" });
  });

  it("opens an object whose only entry began before the searched range and ran into it on the range's start", () => {
    // An exec session that began at 13:38:34 and was still running at 13:50.
    const session = { firstEntry: at("2018-10-26T13:38:34Z"), lastEntry: at("2018-10-26T13:38:34Z") };
    expect(objectRangeOf(session, range("2018-10-26T13:50:00Z", "2018-10-26T15:00:00Z"))).toEqual({ from: "2018-10-26T13:50:00.000Z", to: "2018-10-26T13:51:00.000Z" });
    expect(objectRangeOf(session, range("2018-10-26T13:50:00Z", "2018-10-26T13:50:30Z"))).toEqual({ from: "2018-10-26T13:50:00.000Z", to: "2018-10-26T13:50:30.000Z" });
  });
});
