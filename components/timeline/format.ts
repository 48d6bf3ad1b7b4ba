/** How the object page writes times, durations and commands: times always UTC, as the axis and the audit log do. */

/** `2021-09-13 14:53:16.123456 UTC` from µs since the epoch (to the µs: audit timestamps have them). */
export function formatInstant(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, "0");
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")}.${fraction} UTC`;
}

/** `2021-09-13 14:53:16 UTC`: a range's ends, to the second where that is exact, else to the ms. */
export function formatRangeEnd(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString().replace("T", " ").replace("Z", " UTC");
  return iso.replace(".000 UTC", " UTC");
}

/**
 * What an open session (TimelineEntry.session) says in place of its duration: no end of it is
 * recorded, so it is running, or its end was never logged (the apiserver restarted).
 */
export const OPEN_SESSION_TEXT = "open: in progress, no end recorded yet";

/**
 * A duration in µs as people read it: `7 ms`, `1.25 s`, `4 min 10 s`, `2 h 5 min`. Each unit is
 * chosen by the value rounded to what it shows, so that 119.7 s reads `2 min`, not `1 min 60 s`.
 */
export function formatDuration(micros: number): string {
  const us = Math.max(0, Math.round(micros));
  if (us < 1000) return `${us} µs`;
  const tenthsOfMs = Math.round(us / 100);
  if (tenthsOfMs < 10_000) return `${tenthsOfMs / 10} ms`;
  const hundredthsOfS = Math.round(us / 10_000);
  if (hundredthsOfS < 6000) return `${hundredthsOfS / 100} s`;
  const seconds = Math.round(us / 1_000_000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`.replace(" 0 s", "");
  const minutes = Math.round(us / 60_000_000);
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`.replace(" 0 min", "");
  return `${Math.round(minutes / 1440)} d`;
}

/** An argument a shell reads as itself, unquoted. */
const PLAIN_ARGUMENT = /^[\w@%+=:,./-]+$/;

/**
 * An exec's command as it would be typed: `sh -c 'echo hi'`. Arguments a shell would split or
 * expand are single-quoted (a `'` in one as `'\''`), so that where one ends stays readable.
 */
export function formatCommand(args: readonly string[]): string {
  return args.map((arg) => (PLAIN_ARGUMENT.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`)).join(" ");
}
