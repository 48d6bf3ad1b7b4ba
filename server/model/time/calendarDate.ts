/**
 * Whether the `YYYY-MM-DD` at the start of `text` names a day that exists. `Date.parse` rolls
 * a day past the month's end over into the next month ("2024-02-30" is March 1st, "2023-02-29"
 * March 1st too), where Go's time.Parse, which wrote or would read the text, refuses it. The
 * caller has already checked the shape (four-digit year, month 01–12, day 01–31).
 */
export function isCalendarDate(text: string): boolean {
  // Days up to 28 exist in every month: the common case decides without arithmetic.
  const day = (text.charCodeAt(8) - 48) * 10 + (text.charCodeAt(9) - 48);
  if (day <= 28) return true;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The proleptic Gregorian calendar's rule, as Go and Postgres use it for every year. */
function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}
