import { describe, expect, it } from "vitest";
import { marksOf, timeScale, type TimeWindow } from "./layout";
import { COINCIDENT_PIXELS, markGroups, nextInGroup, placeInGroup } from "./markGroups";

/**
 * Times of the OpenShift rollout (server/testing/scenarios/openshiftCascade.ts): the Deployment
 * apiserver was created at 14:53:16.059 and its status written 3 ms later.
 */
const us = (clock: string) => Date.parse(`2021-09-13T${clock}Z`) * 1000;
const HOUR: TimeWindow = { startMicros: us("14:50:00"), endMicros: us("15:50:00") };
const WIDTH = 1200;
const write = (id: number, start: string, end = start) => ({ id, mark: "update" as const, startMicros: us(start), endMicros: us(end) });
const ROLLOUT = [write(1, "14:53:16.059", "14:53:16.062"), write(2, "14:53:16.062", "14:53:16.065"), write(3, "15:01:56.996", "15:01:57.000")];

describe("markGroups", () => {
  it("groups the entries of one instant, and of the same pixels, into one group in time order", () => {
    const marks = marksOf(timeScale(HOUR, WIDTH), ROLLOUT, WIDTH);
    expect(markGroups(marks).map((group) => group.entryIds)).toEqual([[1, 2], [3]]);
  });

  it("follows the zoom: 10 ms around the create shows the create and the status write apart", () => {
    const close = { startMicros: us("14:53:16.055"), endMicros: us("14:53:16.070") };
    const marks = marksOf(timeScale(close, WIDTH), ROLLOUT, WIDTH);
    expect(markGroups(marks).map((group) => group.entryIds)).toEqual([[1], [2]]);
  });

  it("spans its marks: from the first's start to the farthest end", () => {
    const [group] = markGroups([
      { entryId: 1, x: 100, width: 4 },
      { entryId: 2, x: 101, width: 30 },
    ]);
    expect(group).toEqual({ entryIds: [1, 2], x: 100, width: 31 });
  });

  it("measures from a group's first mark, so that marks a few pixels apart each do not chain across the lane", () => {
    const run = Array.from({ length: 5 }, (_, i) => ({ entryId: i, x: i * (COINCIDENT_PIXELS - 1), width: 4 }));
    expect(markGroups(run).map((group) => group.entryIds)).toEqual([[0, 1], [2, 3], [4]]);
  });

  it("gives no group for a lane without marks", () => {
    expect(markGroups([])).toEqual([]);
  });
});

describe("nextInGroup", () => {
  const group = { entryIds: [7, 8, 9] };
  it("selects the first when none of the group is selected, then each in turn, then the first again", () => {
    expect(nextInGroup(group, null)).toBe(7);
    expect(nextInGroup(group, 42)).toBe(7);
    expect(nextInGroup(group, 7)).toBe(8);
    expect(nextInGroup(group, 9)).toBe(7);
  });
});

describe("placeInGroup", () => {
  it("tells a mark's place among those drawn with it, and nothing for a mark alone", () => {
    expect(placeInGroup({ entryIds: [7, 8] }, 8)).toBe("2 of 2 here");
    expect(placeInGroup({ entryIds: [7] }, 7)).toBeNull();
  });
});
