import { describe, expect, it } from "vitest";
import { ACTIVITY_MARGIN_MS, objectHrefOf, objectRangeOf } from "./objectLink";

const at = (text: string) => Date.parse(text);
// The rollout of openshift-apiserver/apiserver: created 14:54:16, deleted 15:02:16 (server/testing/scenarios/rollout.ts).
const rollout = { id: 42, firstEntry: at("2021-09-13T14:54:16Z"), lastEntry: at("2021-09-13T15:02:16Z") };

describe("the link from a found object to its page", () => {
  it("opens on the search's range when it has one", () => {
    expect(objectHrefOf(rollout, { from: "2021-09-13T14:00:00Z", to: "2021-09-13T16:00:00+01:00" })).toBe("/objects/42?from=2021-09-13T14%3A00%3A00.000Z&to=2021-09-13T15%3A00%3A00.000Z");
  });

  it("opens on the object's activity widened by a tenth of it, at least a minute, when the search has no range", () => {
    // Eight minutes of activity: a minute each side.
    expect(objectRangeOf(rollout, { from: "", to: "" })).toEqual({ from: "2021-09-13T14:53:16.000Z", to: "2021-09-13T15:03:16.000Z" });
    // A day of activity: 2h24m each side.
    const day = { firstEntry: at("2021-09-13T00:00:00Z"), lastEntry: at("2021-09-14T00:00:00Z") };
    expect(objectRangeOf(day, { from: "", to: "" })).toEqual({ from: "2021-09-12T21:36:00.000Z", to: "2021-09-14T02:24:00.000Z" });
    // One entry: a minute each side.
    const once = { firstEntry: rollout.firstEntry, lastEntry: rollout.firstEntry };
    expect(objectRangeOf(once, { from: "", to: "" })).toEqual({ from: "2021-09-13T14:53:16.000Z", to: "2021-09-13T14:55:16.000Z" });
  });

  it("takes the end the search gave and the object's activity for the open one, and never an empty range", () => {
    expect(objectRangeOf(rollout, { from: "2021-09-13T15:00:00Z", to: "" })).toEqual({ from: "2021-09-13T15:00:00.000Z", to: "2021-09-13T15:03:16.000Z" });
    expect(objectRangeOf(rollout, { from: "", to: "2021-09-13T14:58:00Z" })).toEqual({ from: "2021-09-13T14:53:16.000Z", to: "2021-09-13T14:58:00.000Z" });
    // An exec session that began before the searched range and ran into it: its start is before `from`.
    const session = { firstEntry: at("2018-10-26T13:38:34Z"), lastEntry: at("2018-10-26T13:38:34Z") };
    const range = objectRangeOf(session, { from: "2018-10-26T13:50:00Z", to: "" });
    expect(range).toEqual({ from: "2018-10-26T13:50:00.000Z", to: new Date(at("2018-10-26T13:50:00Z") + ACTIVITY_MARGIN_MS).toISOString() });
  });
});
