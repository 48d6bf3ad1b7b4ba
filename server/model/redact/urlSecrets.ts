import { REDACTED } from "../../ingest/audit/types";
import { isSensitiveName } from "./sensitiveNames";

/** A query parameter or form field, `name=value`, as it is written. */
export interface WrittenParameter {
  /** Decoded as a query is (`+` a space, percent escapes; a malformed escape kept as written). */
  name: string;
  /** Decoded the same way; "" when the parameter has no `=`. */
  value: string;
  /** The name as written, up to and including the `=` (the whole text when there is none). */
  writtenName: string;
}

/** One `name=value` part of a query, read as URLSearchParams would (so as the apiserver and execCommandOf read it). */
export function readParameter(part: string): WrittenParameter {
  const equals = part.indexOf("=");
  const [name = "", value = ""] = [...new URLSearchParams(part)][0] ?? [];
  return { name, value, writtenName: equals < 0 ? part : part.slice(0, equals + 1) };
}

/**
 * A query (without its `?`) with the value of every parameter whose name is sensitive shown as
 * `marker`, every other part byte for byte as it was.
 */
export function redactQuery(query: string, marker: string): string {
  if (query === "") return query;
  return query
    .split("&")
    .map((part) => {
      const parameter = readParameter(part);
      return parameter.value !== "" && parameter.writtenName.endsWith("=") && isSensitiveName(parameter.name) ? `${parameter.writtenName}${marker}` : part;
    })
    .join("&");
}

/**
 * A URL as text in a command line runs to the next space or quote. Its scheme is read at most 32
 * characters back from its `://` (the longest in use are about 20): unbounded, each letter of a
 * long word without one would be read as the start of a scheme, to the word's end, once for each.
 */
const URL_IN_TEXT = /[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s'"<>`]*/g;

/**
 * `text` with the secrets of every URL in it shown as REDACTED: the password of its userinfo
 * (`https://user:<redacted>@host`, `postgres://app:<redacted>@db/orders`), and the values of
 * its query's and fragment's sensitive parameters (`?X-Amz-Signature=<redacted>`,
 * `#access_token=<redacted>`). The user and everything else stay.
 */
export function redactUrlsIn(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_IN_TEXT, redactUrl);
}

function redactUrl(url: string): string {
  const authorityStart = url.indexOf("://") + 3;
  const authorityEnd = endOf(url, /[/?#]/, authorityStart);
  const fragmentStart = endOf(url, /#/, authorityEnd);
  const queryStart = endOf(url.slice(0, fragmentStart), /\?/, authorityEnd);
  const authority = url.slice(authorityStart, authorityEnd);
  const at = authority.lastIndexOf("@");
  const colon = authority.indexOf(":");
  const userinfo = at >= 0 && colon >= 0 && colon < at - 1 ? `${authority.slice(0, colon + 1)}${REDACTED}${authority.slice(at)}` : authority;
  const query = queryStart < fragmentStart ? `?${redactQuery(url.slice(queryStart + 1, fragmentStart), REDACTED)}` : "";
  const fragment = fragmentStart < url.length ? `#${redactQuery(url.slice(fragmentStart + 1), REDACTED)}` : "";
  return `${url.slice(0, authorityStart)}${userinfo}${url.slice(authorityEnd, queryStart)}${query}${fragment}`;
}

/** Where the first match of `pattern` at or after `from` is, or the text's length. */
function endOf(text: string, pattern: RegExp, from: number): number {
  const found = text.slice(from).search(pattern);
  return found < 0 ? text.length : from + found;
}
