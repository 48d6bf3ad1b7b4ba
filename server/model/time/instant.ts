import { FIRST_STORABLE_MS, FIRST_UNSTORABLE_MS, isStorableMs } from "../../store/storableTime";
import { isCalendarDate } from "./calendarDate";

/**
 * Instants as the object page's URL and API write them: ISO 8601 with a UTC offset, to the
 * microsecond. Audit events time requests to the µs and writes come milliseconds apart, so a
 * zoomed view needs them; a Date keeps only milliseconds. Free of server code: the page's
 * client reads its URL with the same functions the API checks its input with.
 */

/** `2021-09-13T14:53:16Z`, `…16.123456Z`, `…16.25+02:00`: fields in range, any number of fraction digits. */
const INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.(\d+))?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** µs since the epoch of an instant written as INSTANT says (digits past the µs dropped), or null when it is not one. */
export function instantMicros(text: string): number | null {
  const match = INSTANT.exec(text);
  if (match === null || !isCalendarDate(text)) return null;
  // Date.parse of the whole seconds, so that how an engine reads more than three fraction digits does not matter.
  const seconds = Date.parse(match[4] === undefined ? text : text.replace(match[4], ""));
  if (Number.isNaN(seconds)) return null;
  return seconds * 1000 + Number((match[5] ?? "").slice(0, 6).padEnd(6, "0"));
}

/**
 * The first µs the store holds (0001-01-01), and the last whole second it holds (9999-12-31T23:59:59):
 * see storableTime.ts. Not the µs before 10000-01-01: µs beyond 2^53 (after 2255) are not exact
 * in a double, and that one rounds to 10000-01-01 itself.
 */
export const FIRST_STORABLE_MICROS = FIRST_STORABLE_MS * 1000;
export const LAST_STORABLE_MICROS = (FIRST_UNSTORABLE_MS - 1000) * 1000;

/** Whether the store can hold the instant `text` (an instant instantMicros reads): told from its milliseconds, which are exact. */
export function isStorableInstant(text: string): boolean {
  return isStorableMs(Date.parse(text));
}

/** `micros` within [FIRST_STORABLE_MICROS, LAST_STORABLE_MICROS]. */
export function clampToStorable(micros: number): number {
  return Math.min(Math.max(micros, FIRST_STORABLE_MICROS), LAST_STORABLE_MICROS);
}

/** An instant in µs as ISO 8601 in UTC: to the millisecond when that is exact (`….123Z`), else to the µs (`….123456Z`). */
export function isoOfMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  // At most 999 also where |micros| is beyond 2^53 and a double's µs are not exact (years before 1685 or after 2255).
  const below = Math.min(999, Math.round(micros - ms * 1000));
  const iso = new Date(ms).toISOString();
  return below === 0 ? iso : `${iso.slice(0, -1)}${String(below).padStart(3, "0")}Z`;
}
