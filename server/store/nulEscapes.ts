/**
 * Postgres cannot turn the JSON escape \u0000 into text: `->` and `->>` on a json value holding
 * one anywhere fail, as does a cast to jsonb. A NUL in what a client sent (a patch's value, an
 * Event's message, probe output) would then break every statement that looks inside that row's
 * details. Such details are stored with U+FFFD (the replacement character) in its place: what
 * people read loses a character no display shows anyway.
 */

const NUL_ESCAPE = "\\u0000";

/**
 * `json` (text JSON.stringify made) with every \u0000 escape replaced by \ufffd. Escapes are read
 * left to right in pairs, so an escaped backslash followed by the letters "u0000" stays text.
 */
export function withoutNulEscapes(json: string): string {
  // Runs on every entry's details: the common case is one scan that finds nothing.
  if (!json.includes(NUL_ESCAPE)) return json;
  return json.replace(/\\(\\|u0000)/g, (escape, what: string) => (what === "\\" ? escape : "\\ufffd"));
}
