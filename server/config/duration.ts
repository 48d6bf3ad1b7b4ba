/** Parses durations like `90s`, `15m`, `12h`, `14d`, `2w` (or a bare number of seconds) into milliseconds. */
export function parseDurationMs(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!match) return null;
  const value = Number(match[1]);
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  return Math.round(value * unitMs[match[2] ?? "s"]!);
}
