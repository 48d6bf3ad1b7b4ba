import { REDACTED, type AuditDetails, type SensitiveRule } from "../../ingest/audit/types";
import { sensitivePathsFor, type RedactionTarget } from "./redact";

type Failure = NonNullable<AuditDetails["failure"]>;
type Cause = NonNullable<Failure["causes"]>[number];

/*
 * A refused request's Status repeats the values that failed validation. Kubernetes words each
 * field error as `<field>: <type>[: <value>][: <detail>]` (apimachinery's field.Error), in the
 * message (`Foo.example.com "x" is invalid: spec.password: Invalid value: "hunter2": spec.password
 * in body should match '^[a-z]+$'`, several as `[e1, e2]`) and, without the field, in each cause
 * (`{field: "spec.password", message: "Invalid value: \"hunter2\": …"}`). The apiserver hides
 * Secret values in its own checks, but a custom resource's OpenAPI schema, CEL rules or enum
 * echo whatever they refuse, and the audit event keeps that Status at every level, Metadata too.
 */

/** The error types whose text carries the refused value after them (Too many/Too few carry a count). */
const VALUE_TYPES = ["Invalid value", "Unsupported value", "Duplicate value", "Not found", "Too short"];
const VALUE_TYPE_PREFIX = new RegExp(`^(${VALUE_TYPES.join("|")}): `);
const VALUE_TYPE_IN_MESSAGE = new RegExp(`: (${VALUE_TYPES.join("|")}): `);
/** How Go prints a number or a bool (`%v`). */
const SIMPLE_VALUE = /^(?:-?[0-9][0-9.eE+-]*|true|false|null)/;
/** A Go-quoted string (`%q`): quotes with backslash escapes inside. */
const GO_QUOTED = /^"(?:[^"\\]|\\.)*"/;

/**
 * The failure with the values that field errors echo shown as REDACTED, wherever the error's
 * field is at, below or above a sensitive path of the target (above: an object printed whole
 * holds the sensitive field). A string value is also removed from the rest of the error, where
 * a detail may repeat it (a format check: `… must be of type email: "hunter2"`). Unchanged for
 * a target without sensitive fields.
 */
export function redactFailure(failure: Failure, target: RedactionTarget, rules: SensitiveRule[]): Failure {
  const paths = sensitivePathsFor(target, rules).map((path) => path.join("."));
  if (paths.length === 0) return failure;
  let message = failure.message;
  const causes = failure.causes?.map((cause): Cause => {
    if (cause.message === undefined || !isRelatedField(cause.field ?? "", paths)) return cause;
    const redacted = redactErrorBody(cause.message);
    if (redacted.text === cause.message) return cause;
    if (message !== undefined) {
      // The message repeats the cause after its field; the value may show up again elsewhere.
      // A function, since a replacement string would read `$'` and the like in the text as patterns.
      message = message.replaceAll(cause.message, () => redacted.text);
      for (const echoed of redacted.echoed) message = message.replaceAll(echoed, REDACTED);
    }
    return { ...cause, message: redacted.text };
  });
  // A Status that lists no causes leaves its message's fields unknown: every echoed value goes.
  if (message !== undefined && (causes === undefined || causes.length === 0)) message = redactEveryFieldError(message);
  const result: Failure = { ...failure };
  if (message !== undefined) result.message = message;
  if (causes !== undefined) result.causes = causes;
  return result;
}

/**
 * Whether a field path as Kubernetes prints it (`spec.password`, `data[db.password]`,
 * `spec.users[0].password`, `spec.users.0.password`; none for the whole object) is at, below or
 * above one of the dotted sensitive paths. Both are compared as dotted text, so that keys holding
 * dots (annotations) match either way.
 */
function isRelatedField(field: string, paths: string[]): boolean {
  const dotted = field.replace(/\[([^\]]*)\]/g, ".$1");
  // An error about the whole object has no field, or Go's "<nil>" for it.
  if (dotted === "" || dotted === "<nil>") return true;
  // Sensitive paths step over lists: a number in the field may be an index (or a key, so both).
  const withoutIndexes = dotted.replace(/\.(?:0|[1-9][0-9]*)(?=\.|$)/g, "");
  return [dotted, withoutIndexes].some((f) => paths.some((path) => f === path || f.startsWith(`${path}.`) || path.startsWith(`${f}.`)));
}

/**
 * One field error's text without its field (`Invalid value: "hunter2": detail`) with the value
 * REDACTED, also where the detail repeats it, and the value as quoted in the text (which the
 * message may repeat elsewhere). A value that cannot be told from its detail (older
 * apiservers print a map or struct with Go's `%#v`) takes the detail with it.
 */
function redactErrorBody(text: string): { text: string; echoed: string[] } {
  const type = VALUE_TYPE_PREFIX.exec(text);
  if (type === null) return { text, echoed: [] };
  const afterType = text.slice(type[0].length);
  const value = valueAt(afterType);
  if (value === null) return { text: `${type[0]}${REDACTED}`, echoed: [] };
  let detail = afterType.slice(value.length);
  // A number or bool is too short to look for elsewhere; a JSON value is not.
  if (!value.startsWith('"')) return { text: `${type[0]}${REDACTED}${detail}`, echoed: value.startsWith("{") || value.startsWith("[") ? [value] : [] };
  const raw = goUnquote(value);
  if (raw === null) return { text: `${type[0]}${REDACTED}`, echoed: [] };
  // An empty string is no secret, and replacing it would blank the whole detail.
  if (raw === "") return { text: `${type[0]}${REDACTED}${detail}`, echoed: [] };
  detail = detail.replaceAll(value, REDACTED).replaceAll(raw, REDACTED);
  return { text: `${type[0]}${REDACTED}${detail}`, echoed: [value] };
}

/** A JSON object or list at the start of `text` (how newer apiservers print other values), by bracket balance. */
function jsonValueAt(text: string): [string] | null {
  if (text[0] !== "{" && text[0] !== "[") return null;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return [text.slice(0, i + 1)];
    }
  }
  return null;
}

/**
 * Every value after a value-carrying error type in a message, REDACTED, with its other quoted
 * occurrences. Without causes, where an error ends is unknown when its value cannot be
 * delimited: then the rest of the message goes.
 */
function redactEveryFieldError(message: string): string {
  let result = "";
  let rest = message;
  for (let match = VALUE_TYPE_IN_MESSAGE.exec(rest); match !== null; match = VALUE_TYPE_IN_MESSAGE.exec(rest)) {
    const valueStart = match.index + match[0].length;
    const value = valueAt(rest.slice(valueStart), VALUE_ENDS_IN_MESSAGE);
    result += `${rest.slice(0, valueStart)}${REDACTED}`;
    if (value === null) return result;
    rest = rest.slice(valueStart + value.length);
    if (value.startsWith('"')) rest = rest.replaceAll(value, REDACTED);
  }
  return result + rest;
}

/**
 * The printed value at the start of `text`: Go-quoted, a number or bool, or JSON, ending where
 * a detail (`: `) or the text does, or within a message another error (`, `) or the list of
 * them (`]`). Null for anything else, e.g. Go's `[]string{"a"}`, whose `[]` alone looks like JSON.
 */
function valueAt(text: string, endings = VALUE_ENDS_IN_CAUSE): string | null {
  const value = (GO_QUOTED.exec(text) ?? SIMPLE_VALUE.exec(text) ?? jsonValueAt(text))?.[0] ?? null;
  return value !== null && endings.test(text.slice(value.length)) ? value : null;
}

const VALUE_ENDS_IN_CAUSE = /^(?:: |$)/;
const VALUE_ENDS_IN_MESSAGE = /^(?:: |, |\]|$)/;

const SIMPLE_ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'" };

/** The string a Go-quoted literal (strconv.Quote, `%q`) stands for; null when it is not one. */
function goUnquote(quoted: string): string | null {
  const inner = quoted.slice(1, -1);
  let result = "";
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c !== "\\") {
      result += c;
      continue;
    }
    const e = inner[++i];
    if (e === undefined) return null;
    if (e in SIMPLE_ESCAPES) result += SIMPLE_ESCAPES[e];
    else if (e === "x" || e === "u" || e === "U") {
      const digits = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = inner.slice(i + 1, i + 1 + digits);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) return null;
      // Go writes \xNN only for a byte that is not UTF-8: it stands for no character, and matches nothing.
      result += String.fromCodePoint(Number.parseInt(hex, 16));
      i += digits;
    } else return null;
  }
  return result;
}
