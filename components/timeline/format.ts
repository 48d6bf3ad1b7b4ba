/** How the object page writes times and durations: always UTC, as the axis and the audit log do. */

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

/** A duration in µs as people read it: `7 ms`, `1.25 s`, `4 min 10 s`, `2 h 5 min`. */
export function formatDuration(micros: number): string {
  const us = Math.max(0, Math.round(micros));
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${Math.round(us / 100) / 10} ms`.replace(".0 ms", " ms");
  const seconds = us / 1_000_000;
  if (seconds < 60) return `${Math.round(seconds * 100) / 100} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`.replace(" 0 s", "");
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes - hours * 60} min`.replace(" 0 min", "");
  return `${Math.round(hours / 24)} d`;
}
