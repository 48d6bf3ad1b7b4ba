/** The quick range buttons: a span ending now, or any time (null). */
export const QUICK_RANGES: ReadonlyArray<{ label: string; span: number | null }> = [
  { label: "Last hour", span: 60 * 60_000 },
  { label: "Last day", span: 24 * 60 * 60_000 },
  { label: "Last week", span: 7 * 24 * 60 * 60_000 },
  { label: "Any time", span: null },
];

/** An instant to the second, as the URL shows it: `2021-09-13T14:00:00Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The absolute range a quick range stands for at `now` ("" and "" for any time): it goes in the
 * URL as it is, so that a shared link shows the same hour later on. The end is the next whole
 * second, so that what happened this second is in.
 */
export function quickRangeOf(span: number | null, now: number): { from: string; to: string } {
  if (span === null) return { from: "", to: "" };
  const to = Math.floor(now / 1000) * 1000 + 1000;
  return { from: isoSeconds(to - span), to: isoSeconds(to) };
}
