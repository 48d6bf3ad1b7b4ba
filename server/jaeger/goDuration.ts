/**
 * Go's `time.ParseDuration`, which Jaeger's query service uses for `minDuration`/`maxDuration`
 * (v1) and `query.durationMin`/`query.durationMax` (v3): a sequence of decimal numbers with a
 * unit each — `1.2s`, `100ms`, `500us` (or `µs`), `1h30m`, `-2m`, `0`.
 */

const UNIT_NANOS: Record<string, number> = {
  ns: 1,
  us: 1_000,
  "µs": 1_000, // U+00B5 micro sign
  "μs": 1_000, // U+03BC Greek mu
  ms: 1_000_000,
  s: 1_000_000_000,
  m: 60_000_000_000,
  h: 3_600_000_000_000,
};

const PART = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** The duration in microseconds (possibly fractional), or null when `text` is not a Go duration. */
export function parseGoDurationMicros(text: string): number | null {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest.startsWith("-")) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return null;
  let nanos = 0;
  while (rest !== "") {
    const match = PART.exec(rest);
    if (!match) return null;
    nanos += Number(match[1]) * UNIT_NANOS[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return (sign * nanos) / 1000;
}
