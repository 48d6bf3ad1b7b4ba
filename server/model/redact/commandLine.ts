import { REDACTED } from "../../ingest/audit/types";
import { isSensitiveName } from "./sensitiveNames";
import { shellCommands, shellQuoted } from "./shellWords";
import { redactQuery, redactUrlsIn } from "./urlSecrets";

/*
 * A command line (an exec's `command` arguments) with the usual shapes of a credential in it
 * shown as REDACTED, and everything else as it was: who ran `rm -rf /data` in which Pod is
 * what an audit trail is for. A heuristic — a command line is free text — over these shapes:
 * - a flag whose name is sensitive (sensitiveNames.ts): `--password=X`, `--password X`,
 *   `--token X`, `-token X`, `--client-secret=X`;
 * - a short flag that takes a password in a program known to have one (PROGRAM_SECRET_FLAGS):
 *   mysql's `-pX`, redis-cli's `-a X`, curl's `-u user:X`;
 * - an assignment to a sensitive name, alone or among words (`PGPASSWORD=X`,
 *   `export AWS_SECRET_ACCESS_KEY=X`, `--from-literal=password=X`, `helm --set auth.password=X`,
 *   libpq's `"host=db password=X"`);
 * - a request body as curl's -d takes it: a form's sensitive fields (`user=a&password=X`) and a
 *   JSON object's members with a sensitive name and a string value (`{"password":"X"}`);
 * - an HTTP header with a sensitive name (`Authorization: Bearer X`, `X-Api-Key: X`, `Cookie: X`),
 *   or any header whose value is `Basic X` / `Bearer X`;
 * - the password in a URL's userinfo and sensitive parameters of its query (urlSecrets.ts);
 * - the script of `sh -c` / `bash -c` (and su's), read word by word (shellWords.ts) and redacted
 *   the same way, each command of it on its own, in place: the rest of the script as written.
 * Arguments are never added or removed, only their secret part replaced.
 */

/** A short flag of `programs` (by basename) that takes a secret, attached (`-pX`) or, unless `attachedOnly`, also as the next word. */
interface ProgramSecretFlag {
  programs: RegExp;
  flag: string;
  attachedOnly: boolean;
  /** "all": the whole value; "after-colon": the part after `user:`. */
  secret: "all" | "after-colon";
  why: string;
}

const PROGRAM_SECRET_FLAGS: readonly ProgramSecretFlag[] = [
  {
    programs: /^(mysql|mariadb)[a-z-]*$/,
    flag: "-p",
    attachedOnly: true,
    secret: "all",
    why: "mysql, mysqldump, mysqladmin, mariadb…: -pX is the password; -p X asks for it and X is the database; mkdir -p is another program's",
  },
  { programs: /^redis-cli$/, flag: "-a", attachedOnly: false, secret: "all", why: "redis-cli -a <password>" },
  { programs: /^curl$/, flag: "-u", attachedOnly: false, secret: "after-colon", why: "curl -u user:password; mysql -u, sudo -u take a user" },
  { programs: /^curl$/, flag: "--user", attachedOnly: false, secret: "after-colon", why: "curl --user user:password; docker --user uid:gid is no secret" },
  { programs: /^curl$/, flag: "-U", attachedOnly: false, secret: "after-colon", why: "curl -U (--proxy-user) user:password" },
  { programs: /^curl$/, flag: "--proxy-user", attachedOnly: false, secret: "after-colon", why: "curl --proxy-user user:password" },
  { programs: /^etcdctl$/, flag: "--user", attachedOnly: false, secret: "after-colon", why: "etcdctl --user root:password (a user alone, it asks)" },
  {
    programs: /^mongo(sh|dump|restore|export|import|stat|top|files)?$/,
    flag: "-p",
    attachedOnly: false,
    secret: "all",
    why: "mongosh -u root -p <password> and the database tools; their port is --port",
  },
  { programs: /^(sqlcmd|bcp)$/, flag: "-P", attachedOnly: false, secret: "all", why: "SQL Server's sqlcmd -U sa -P <password>; its -p (statistics) takes none" },
  { programs: /^cqlsh$/, flag: "-p", attachedOnly: false, secret: "all", why: "cqlsh -u cassandra -p <password>" },
];

/** Programs whose `-c` (or `-lc`, `-ec`…) takes a script, which is read as a command line too. */
const SCRIPT_RUNNERS = /^(sh|bash|ash|dash|zsh|ksh|mksh|su)$/;
const SCRIPT_FLAG = /^-[A-Za-z]*c[A-Za-z]*$/;

/** `--name=value`, `-name=value`, `--name`, `-name` (a name of two or more characters: `-p` alone is a short flag). */
const LONG_FLAG = /^(--?)([A-Za-z][\w.-]+)(?:=([\s\S]*))?$/;
/** `NAME=value` at the start of a text or after a blank (dots for helm's `--set auth.password=`). */
const ASSIGNMENT = /(^|\s)([A-Za-z_][\w.-]*)=(\S*)/g;
/** A whole argument that is one assignment: its value runs to the end, blanks and all (`env 'PASSWORD=a b'`). */
const WHOLE_ASSIGNMENT = /^([A-Za-z_][\w.-]*)=([\s\S]*)$/;
/** A JSON member with a string value, `"name": "value"` (escapes within either kept as written). */
const JSON_STRING_MEMBER = /("((?:[^"\\]|\\.)*)"\s*:\s*")((?:[^"\\]|\\.)*)"/g;
/** `Name: value`, an HTTP header as curl's -H and wget's --header take it. */
const HEADER = /^([A-Za-z][\w-]*):(\s*)([\s\S]*)$/;
/** The schemes an Authorization value starts with, kept in view: `Bearer <redacted>` says what kind of credential it was. */
const AUTH_SCHEME = /^(Basic|Bearer|Digest|Token|Negotiate|AWS4-HMAC-SHA256|ApiKey)(\s+)/i;

/** The secret part of a value, cut out: all of it but for nothing to cut (""), or a lone `$` that a `$(…)` substitution began (its command follows, read on its own). */
function cut(secret: string): string {
  return secret === "" || secret === "$" ? secret : REDACTED;
}

function basename(word: string): string {
  return word.slice(word.lastIndexOf("/") + 1);
}

/** The words of one command line (an exec's arguments, or a simple command of a script) with their secrets cut out, one for one. */
export function redactCommandLine(words: readonly string[]): string[] {
  const result = [...words];
  // What the words so far named as programs: the flag rules of theirs, and whether one runs scripts
  // (each word judged once as it is passed: a command may have tens of thousands of arguments).
  const programFlags = new Set<ProgramSecretFlag>();
  let runsScripts = false;
  // What the word before says the next one is.
  let next: { kind: "secret" } | { kind: "after-colon" } | { kind: "script" } | null = null;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const expected = next;
    next = null;
    if (expected?.kind === "script") {
      result[i] = redactScript(word);
      continue;
    }
    if (expected !== null && !word.startsWith("-")) {
      result[i] = expected.kind === "secret" ? cut(word) : afterColonCut(word);
      continue;
    }
    const programFlag = PROGRAM_SECRET_FLAGS.find((rule) => programFlags.has(rule) && word.startsWith(rule.flag) && (word === rule.flag ? !rule.attachedOnly : rule.flag.length === 2 || word[rule.flag.length] === "="));
    if (programFlag !== undefined) {
      const attached = word.slice(programFlag.flag.length).replace(/^=/, "");
      const prefix = word.slice(0, word.length - attached.length);
      if (word === programFlag.flag) next = { kind: programFlag.secret === "all" ? "secret" : "after-colon" };
      else result[i] = `${prefix}${programFlag.secret === "all" ? cut(attached) : afterColonCut(attached)}`;
      continue;
    }
    if (SCRIPT_FLAG.test(word) && runsScripts) {
      next = { kind: "script" };
      continue;
    }
    const flag = LONG_FLAG.exec(word);
    if (flag !== null) {
      const [, dashes, name, value] = flag as unknown as [string, string, string, string | undefined];
      if (value === undefined) {
        if (isSensitiveName(name)) next = { kind: "secret" };
      } else {
        result[i] = `${dashes}${name}=${isSensitiveName(name) ? cut(value) : redactText(value)}`;
      }
      continue;
    }
    // curl's -H with the header attached: -H'Authorization: Bearer x' is the word -HAuthorization: Bearer x.
    if (word.startsWith("-H") && HEADER.test(word.slice(2))) {
      result[i] = `-H${redactText(word.slice(2))}`;
      continue;
    }
    if (!word.startsWith("-") && !WHOLE_ASSIGNMENT.test(word)) {
      const program = basename(word);
      for (const rule of PROGRAM_SECRET_FLAGS) if (rule.programs.test(program)) programFlags.add(rule);
      runsScripts ||= SCRIPT_RUNNERS.test(program);
    }
    result[i] = redactText(word);
  }
  return result;
}

/** `user:password` with the password cut out; a value without a colon is a user name alone (curl asks for the password). */
function afterColonCut(value: string): string {
  const colon = value.indexOf(":");
  return colon < 0 ? value : `${value.slice(0, colon + 1)}${cut(value.slice(colon + 1))}`;
}

/** A free-standing text (an argument, or a flag's value) with the assignments, header and URLs in it that carry a secret cut out. */
function redactText(text: string): string {
  const header = HEADER.exec(text);
  if (header !== null) {
    const [, name, blank, value] = header as unknown as [string, string, string, string];
    const scheme = AUTH_SCHEME.exec(value);
    if (isSensitiveName(name)) return `${name}:${blank}${scheme ? `${scheme[0]}${cut(value.slice(scheme[0].length))}` : cut(value)}`;
    if (scheme !== null && /^(Basic|Bearer)$/i.test(scheme[1]!)) return `${name}:${blank}${scheme[0]}${cut(value.slice(scheme[0].length))}`;
  }
  const whole = WHOLE_ASSIGNMENT.exec(text);
  if (whole !== null && isSensitiveName(whole[1]!)) return `${whole[1]}=${cut(whole[2]!)}`;
  const withoutMembers = text.includes('"') ? text.replace(JSON_STRING_MEMBER, jsonMember) : text;
  return redactUrlsIn(withoutMembers.includes("=") ? withoutMembers.replace(ASSIGNMENT, assignment) : withoutMembers);
}

/** An assignment, or a form (`user=a&password=X`, whose first name only the assignment's is) with its sensitive fields cut. */
function assignment(match: string, before: string, name: string, value: string): string {
  if (isSensitiveName(name)) return `${before}${name}=${cut(value)}`;
  return value.includes("&") ? `${before}${redactQuery(`${name}=${value}`, REDACTED)}` : match;
}

function jsonMember(match: string, opening: string, name: string, value: string): string {
  return isSensitiveName(name) ? `${opening}${cut(value)}"` : match;
}

/**
 * A script with the secrets of each of its commands cut out, in place: a word with one is
 * written again where the secret was (`-p"$PW"` → `-p"<redacted>"`, `-pS3cret` → `-p<redacted>`), or quoted anew whole
 * where its quoting splits the secret; the rest of the script as written.
 */
function redactScript(script: string): string {
  const edits: Array<{ start: number; end: number; text: string }> = [];
  // A script redacted before (a stored URI shown again) holds bare markers, which a shell reads
  // as redirections (`-a <redacted>`: the word `redacted`, cut again to `<<redacted>>`): read as
  // plain words, in place, they are secrets already cut and stay as they are.
  for (const command of shellCommands(script.replaceAll(REDACTED, MARKER_READ_AS))) {
    const values = command.map((word) => word.value.replaceAll(MARKER_READ_AS, REDACTED));
    const redacted = redactCommandLine(values);
    command.forEach((word, j) => {
      if (redacted[j] !== values[j]) edits.push({ start: word.start, end: word.end, text: rewritten(script.slice(word.start, word.end), values[j]!, redacted[j]!) });
    });
  }
  // In order and apart (each a word of its own): the script's text between them kept, read once.
  const parts: string[] = [];
  let from = 0;
  for (const edit of edits) {
    parts.push(script.slice(from, edit.start), edit.text);
    from = edit.end;
  }
  parts.push(script.slice(from));
  return parts.join("");
}

/**
 * A word as `written` in a script, whose value was `value`, written to give `redacted`
 * instead: the part that differs replaced where it is written as it reads, else the whole word
 * quoted anew. Either way what the result reads as is checked to be `redacted`, so no secret
 * survives a quoting this did not foresee.
 */
function rewritten(written: string, value: string, redacted: string): string {
  let same = 0;
  while (same < value.length && same < redacted.length && value[same] === redacted[same]) same++;
  let sameEnd = 0;
  while (sameEnd < value.length - same && sameEnd < redacted.length - same && value.at(-1 - sameEnd) === redacted.at(-1 - sameEnd)) sameEnd++;
  const before = value.slice(same, value.length - sameEnd);
  const after = redacted.slice(same, redacted.length - sameEnd);
  const at = written.indexOf(before);
  if (before !== "" && at >= 0 && written.indexOf(before, at + 1) < 0) {
    const candidate = `${written.slice(0, at)}${after}${written.slice(at + before.length)}`;
    if (readsAs(candidate, redacted)) return candidate;
  }
  return shellQuoted(redacted);
}

/**
 * A plain word for the marker while a script is read: a bare `<redacted>` reads as a
 * redirection, though it is shown, never run. As long as the marker, so that the words of a
 * script read with it in the marker's place are where they are in the script.
 */
const MARKER_READ_AS = `\u0001${REDACTED.slice(1, -1)}\u0001`;

/** Whether `written` reads as the one word `value`, the markers in both taken for plain words. */
function readsAs(written: string, value: string): boolean {
  const commands = shellCommands(written.replaceAll(REDACTED, MARKER_READ_AS));
  return commands.length === 1 && commands[0]!.length === 1 && commands[0]![0]!.value === value.replaceAll(REDACTED, MARKER_READ_AS);
}
