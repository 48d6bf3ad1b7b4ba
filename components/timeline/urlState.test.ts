import { describe, expect, it } from "vitest";
import { EMPTY_VIEW, objectPageAround, objectPageHref, rangeParams, searchOf, timelineInputOf, viewOf, windowOfView } from "./urlState";

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

  it("writes a window to the microsecond, within the years 0001..9999, and reads it back", () => {
    const window = { startMicros: 1631544600000123, endMicros: 1631547000000999 };
    expect(rangeParams(window)).toEqual({ from: "2021-09-13T14:50:00.000123Z", to: "2021-09-13T15:30:00.000999Z" });
    expect(windowOfView(rangeParams(window))).toEqual(window);
    expect(rangeParams({ startMicros: -7e16, endMicros: 3e17 })).toEqual({ from: "0001-01-01T00:00:00.000Z", to: "9999-12-31T23:59:59.000Z" });
    // Before 1970: what an apiserver with a wrong clock stamped.
    expect(rangeParams({ startMicros: -5_000_000, endMicros: -1_000_000 })).toEqual({ from: "1969-12-31T23:59:55.000Z", to: "1969-12-31T23:59:59.000Z" });
  });

  it("keeps a window's span through any number of pans written to the URL and read back", () => {
    // A 10 ms window (the deepest zoom) panned by a third of a millisecond at a time.
    let window = { startMicros: 1631544796005855, endMicros: 1631544796015855 };
    for (let i = 0; i < 30; i++) window = windowOfView(rangeParams({ startMicros: window.startMicros + 333, endMicros: window.endMicros + 333 }))!;
    expect(window).toEqual({ startMicros: 1631544796005855 + 30 * 333, endMicros: 1631544796015855 + 30 * 333 });
  });

  it("reads no window from a range that is not one", () => {
    expect(windowOfView({ from: "2021-09-13T15:00:00Z", to: "2021-09-13T14:00:00Z" })).toBeNull();
    expect(windowOfView({ from: "yesterday", to: "2021-09-13T14:00:00Z" })).toBeNull();
    expect(windowOfView({ from: null, to: "2021-09-13T14:00:00Z" })).toBeNull();
  });

  it("links an entry elsewhere (the home page) to its object's page, 15 minutes either side, the entry selected", () => {
    expect(objectPageAround(12, new Date("2021-09-13T14:53:16.000Z"), 345)).toBe(
      "/objects/12?from=2021-09-13T14%3A38%3A16.000Z&to=2021-09-13T15%3A08%3A16.000Z&entry=345",
    );
  });
});
