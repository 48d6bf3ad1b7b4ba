/**
 * List continue tokens in kube-apiserver's format (k8s.io/apiserver pkg/storage/continue.go):
 * base64url without padding of {"v":"meta.k8s.io/v1","rv":<list resourceVersion>,"start":<next key>},
 * where the key is relative to the listed path's prefix ("name\u0000" in a namespace, or
 * "namespace/name\u0000" across namespaces). rv -1 means "continue at the newest revision", which
 * is what the token in a 410 for an expired continue carries.
 */

const TOKEN_VERSION = "meta.k8s.io/v1";

/** resourceVersion of a token that continues at the newest revision rather than a snapshot. */
export const CONTINUE_AT_NEWEST = -1;

export interface ContinuePosition {
  /** The first key to return, relative to the listed path's prefix. */
  startKey: string;
  /** The snapshot the pages are read at, or CONTINUE_AT_NEWEST. */
  resourceVersion: number;
}

export function encodeContinue({ startKey, resourceVersion }: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, rv: resourceVersion, start: startKey })).toString("base64url");
}

/** The position a token encodes, or the reason it is not a valid token (kube-apiserver answers 400 with it). */
export function decodeContinue(token: string): ContinuePosition | { invalid: string } {
  const invalid = (why: string) => ({ invalid: `continue key is not valid: ${why}` });
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return invalid("illegal base64 data");
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (error) {
    return invalid((error as Error).message);
  }
  const { v, rv, start } = (typeof decoded === "object" && decoded !== null ? decoded : {}) as Record<string, unknown>;
  if (v !== TOKEN_VERSION) return invalid(`server does not recognize this encoded version "${String(v)}"`);
  if (typeof rv !== "number" || !Number.isInteger(rv) || rv === 0 || rv < CONTINUE_AT_NEWEST) {
    return invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  if (typeof start !== "string" || start === "") return invalid("encoded start key empty (version meta.k8s.io/v1)");
  // kube-apiserver refuses a start key that path.Clean would change, so a token cannot range above its prefix.
  if (start.split("/").some((segment) => segment === "" || segment === "." || segment === "..")) return invalid(start);
  return { startKey: start, resourceVersion: rv };
}
