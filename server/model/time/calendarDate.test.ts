import { describe, expect, it } from "vitest";
import { isCalendarDate } from "./calendarDate";

describe("isCalendarDate", () => {
  it.each(["2024-02-29", "2000-02-29", "2023-02-28", "2023-01-31", "2023-04-30", "2023-12-31", "0001-01-01", "9999-12-31"])("accepts %s", (date) => {
    expect(isCalendarDate(`${date}T00:00:00Z`)).toBe(true);
  });

  // Each of these, Date.parse reads as a day of the next month.
  it.each(["2023-02-29", "1900-02-29", "2024-02-30", "2024-04-31", "2024-06-31", "2024-09-31", "2024-11-31"])("refuses %s", (date) => {
    expect(Number.isNaN(Date.parse(`${date}T00:00:00Z`))).toBe(false);
    expect(isCalendarDate(`${date}T00:00:00Z`)).toBe(false);
  });
});
