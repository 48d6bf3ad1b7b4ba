/*
 * Which names — of query parameters, command-line flags, environment variables, HTTP headers —
 * carry a secret as their value. Free text has no schema to say so, only names people give their
 * secrets: this list of the usual ones. A name is read as words (`AWS_SECRET_ACCESS_KEY`,
 * `--client-secret`, `X-Api-Key`, `clientSecret` → client, secret), lower-cased.
 */

/** How a part of a name is looked for in the name's words. */
type PartMatch =
  /** Within a word: compounds people write as one word (`PGPASSWORD`, `x-apikey`). */
  | "within"
  /** At the end of a word: `authtoken`, `MYSQL_PWD`, but not `max_tokens` nor `tokenizer`. */
  | "ending"
  /** A whole word only: short words that are the tail of other words (`monkey`, `passage`). */
  | "word";

interface SensitivePart {
  text: string;
  match: PartMatch;
  /** Why it is here: the names it catches, and what a looser match would catch by mistake. */
  why: string;
}

export const SENSITIVE_NAME_PARTS: readonly SensitivePart[] = [
  { text: "password", match: "within", why: "--password, PGPASSWORD, MYSQL_ROOT_PASSWORD, newPassword" },
  { text: "passwd", match: "within", why: "--passwd, db_passwd" },
  { text: "passphrase", match: "within", why: "--passphrase, GPG_PASSPHRASE" },
  { text: "pass", match: "word", why: "DB_PASS, SMTP_PASS, openssl -pass; within a word it is passage, compass, bypass" },
  { text: "pwd", match: "ending", why: "MYSQL_PWD, db_pwd (the shell's PWD and OLDPWD are no secret: NOT_SECRET_NAMES)" },
  { text: "secret", match: "within", why: "client_secret, --client-secret, AWS_SECRET_ACCESS_KEY, JWT_SECRET, clientSecret" },
  { text: "token", match: "ending", why: "--token, GITHUB_TOKEN, access_token, X-Auth-Token, authtoken; not max_tokens, tokenizer" },
  { text: "credential", match: "within", why: "credentials, X-Amz-Credential" },
  { text: "key", match: "word", why: "api_key, access_key, X-Api-Key, --key; within a word it is monkey, hotkey, keyboard" },
  { text: "apikey", match: "within", why: "apikey, x-apikey, OPENAI_APIKEY: one word where key alone would not match" },
  { text: "accesskey", match: "within", why: "accesskey, minio's MINIO_ACCESSKEY" },
  { text: "privatekey", match: "within", why: "privatekey, PRIVATEKEY_PEM" },
  { text: "auth", match: "word", why: "--auth user:pass, basic_auth, X-Auth; within a word it is author, oauth (whose tokens say token)" },
  { text: "authorization", match: "within", why: "the Authorization and Proxy-Authorization headers, HTTP_AUTHORIZATION" },
  { text: "signature", match: "within", why: "X-Amz-Signature, a signed URL's signature" },
  { text: "sig", match: "word", why: "an Azure SAS URL's sig; within a word it is signal, sight" },
  { text: "cookie", match: "word", why: "the Cookie header, which carries sessions" },
  { text: "jwt", match: "word", why: "--jwt, jwt=…" },
  { text: "bearer", match: "word", why: "curl --oauth2-bearer, bearer_token" },
];

/**
 * Last words that make a name point at a secret rather than hold it: its value is where the
 * secret is, or something about it, and stays readable. `--key-file=/etc/tls/key.pem`,
 * `--password-file`, `PASSWORD_FILE` name a file (which we chose to show: a path is no
 * secret, and which file was read is what an audit trail asks); `--secret-name`, a Secret's
 * name; `docker login --password-stdin` takes no value at all (the next word is the registry).
 */
const REFERENCE_LAST_WORDS: ReadonlySet<string> = new Set(["file", "files", "path", "dir", "name", "stdin", "type", "ttl", "url", "uri"]);

/**
 * First words that make a name a switch, which takes no value: `pg_dump --no-password orders`,
 * `--ask-vault-pass site.yml`, `gh auth login --with-token` (read from stdin); the next word is
 * an argument of the program's, not a secret.
 */
const SWITCH_FIRST_WORDS: ReadonlySet<string> = new Set(["no", "ask", "prompt", "with", "without"]);

/** Whole names that look like a secret's and are not: the shell's working directories. */
const NOT_SECRET_NAMES: ReadonlySet<string> = new Set(["pwd", "oldpwd"]);

/** The words of a name, lower-cased: split at anything but letters and digits, and where a lower-case letter meets an upper-case one. */
export function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

function partIn(word: string, part: SensitivePart): boolean {
  switch (part.match) {
    case "within":
      return word.includes(part.text);
    case "ending":
      return word.endsWith(part.text);
    case "word":
      return word === part.text;
  }
}

/**
 * Names already judged. Every write's request URI asks about its query's names, and they are few
 * (`timeout`, `fieldManager`, `resourceVersion`: two thirds of a real cluster's requests have
 * one), where judging one anew took most of a URI's redaction. Bounded: a command line's names
 * are anyone's.
 */
const judged = new Map<string, boolean>();
const MAX_JUDGED = 1024;

/** Whether a value given under `name` (a parameter, flag, variable or header) is taken for a secret. */
export function isSensitiveName(name: string): boolean {
  const known = judged.get(name);
  if (known !== undefined) return known;
  const sensitive = judgeName(name);
  if (judged.size >= MAX_JUDGED) judged.clear();
  judged.set(name, sensitive);
  return sensitive;
}

function judgeName(name: string): boolean {
  const words = wordsOf(name);
  const [first, last] = [words[0], words.at(-1)];
  if (first === undefined || last === undefined) return false;
  if (SWITCH_FIRST_WORDS.has(first) || REFERENCE_LAST_WORDS.has(last) || NOT_SECRET_NAMES.has(words.join(""))) return false;
  return words.some((word) => SENSITIVE_NAME_PARTS.some((part) => partIn(word, part)));
}
