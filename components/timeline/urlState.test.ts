import { describe, expect, it } from "vitest";
import { EMPTY_VIEW, isoOfMicros, objectPageAround, objectPageHref, rangeParams, searchOf, timelineInputOf, viewOf } from "./urlState";

const params = (search: string) => new URLSearchParams(search);

describe("the object page's URL", () => {
  it("reads relation mode, range and selected entry from the search parameters", () => {
    expect(viewOf(params("?relations=descendants&from=2021-09-13T14:50:00.000Z&to=2021-09-13T15:30:00.000Z&entry=42"))).toEqual({
      relations: "descendants",
      from: "2021-09-13T14:50:00.000Z",
      to: "2021-09-13T15:30:00.000Z",
      entry: 42,
    });
    expect(viewOf(params(""))).toEqual(EMPTY_VIEW);
    // Empty values are absent; an entry that is no id is no selection.
    expect(viewOf(params("?relations=&from=%20&entry=abc"))).toEqual(EMPTY_VIEW);
    expect(viewOf(params("?entry=-3")).entry).toBeNull();
  });

  it("writes a view back as the same search string, defaults left out", () => {
    const search = "?relations=ancestors&from=2021-09-13T14%3A50%3A00.000Z&to=2021-09-13T15%3A30%3A00.000Z&entry=42";
    expect(searchOf(viewOf(params(search)))).toBe(search);
    expect(searchOf({ ...EMPTY_VIEW, relations: "full" })).toBe("");
    expect(objectPageHref(7)).toBe("/objects/7");
    expect(objectPageHref(7, { relations: "self", entry: 3 })).toBe("/objects/7?relations=self&entry=3");
  });

  it("passes what the URL says to the API unchecked, which names a bad value", () => {
    expect(timelineInputOf(7, EMPTY_VIEW)).toEqual({ id: 7 });
    expect(timelineInputOf(7, { relations: "sideways", from: "yesterday", to: "2021-09-13T15:30:00Z", entry: 5 })).toEqual({ id: 7, relations: "sideways", from: "yesterday", to: "2021-09-13T15:30:00Z" });
  });

  it("writes a window to the millisecond, rounded outwards, within 1970..2106", () => {
    expect(rangeParams({ startMicros: 1631544600000123, endMicros: 1631547000000999 })).toEqual({ from: "2021-09-13T14:50:00.000Z", to: "2021-09-13T15:30:00.001Z" });
    expect(rangeParams({ startMicros: -5_000_000, endMicros: 10 ** 17 })).toEqual({ from: "1970-01-01T00:00:00.000Z", to: "2106-02-07T06:28:15.000Z" });
    expect(isoOfMicros(1631544796000007)).toBe("2021-09-13T14:53:16.000Z");
  });

  it("links an entry elsewhere (the home page) to its object's page, 15 minutes either side, the entry selected", () => {
    expect(objectPageAround(12, new Date("2021-09-13T14:53:16.000Z"), 345)).toBe(
      "/objects/12?from=2021-09-13T14%3A38%3A16.000Z&to=2021-09-13T15%3A08%3A16.000Z&entry=345",
    );
  });
});
