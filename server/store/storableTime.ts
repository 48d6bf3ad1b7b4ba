/**
 * The instants the store can hold: the UTC years 0001–9999. Postgres's timestamptz has no year 0
 * (1 BC comes before 1 AD) and reads no ISO year of more than four digits, while JavaScript's Date
 * takes both ("0000-01-01T00:00:00Z", or 9999-12-31 with a negative offset): such an instant,
 * sent as a parameter, fails the statement. No apiserver's clock is near either end.
 */
export const FIRST_STORABLE_MS = Date.parse("0001-01-01T00:00:00Z");
export const FIRST_UNSTORABLE_MS = Date.parse("+010000-01-01T00:00:00Z");

/** Whether the store can hold the instant `ms` (NaN: no). */
export function isStorableMs(ms: number): boolean {
  return ms >= FIRST_STORABLE_MS && ms < FIRST_UNSTORABLE_MS;
}
