/**
 * What the store can hold in a text column, and how long a text its btree indexes take.
 *
 * Postgres text cannot hold U+0000 (NUL): a value with one fails its statement. A btree index
 * entry may be at most 2,704 bytes (a third of a page), after compression, so a long value of
 * random text in an indexed column fails its statement too. Either way the statement's whole
 * batch fails, and the apiserver resends it forever. So values headed for these columns are
 * checked first, and the one event (or one relation) that holds such a value is refused alone.
 *
 * The limits are far above what Kubernetes allows (names of at most 253 characters, namespaces
 * and resources of 63, uids of 36) yet add up, for each index, to well within its entry limit:
 * objects' identity (resource, namespace, name) 1,536 bytes; request counts (verb, resource,
 * username) 1,536; receipts (auditID, stage) 1,040. A failed request can name anything the URL
 * held, which is why they are enforced at all.
 */
export const INDEXED_TEXT_MAX_BYTES = {
  name: 1024,
  namespace: 256,
  resource: 256,
  uid: 256,
  auditId: 1024,
  username: 1024,
  verb: 256,
} as const;

/** Whether `text` takes more than `limit` bytes in UTF-8 (the encoding the store keeps). */
export function utf8LongerThan(text: string, limit: number): boolean {
  // A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate pair 4 for its 2 units), so most
  // texts are known to fit without counting.
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3; // the rest of the BMP, and a lone surrogate (written as U+FFFD)
    if (bytes > limit) return true;
  }
  return false;
}

/** Why the store cannot hold `text` in a column indexed with at most `maxBytes` (undefined: not indexed), or null. */
export function unstorableTextProblem(text: string, maxBytes?: number): string | null {
  if (text.includes("\u0000")) return "contains a NUL character (U+0000), which cannot be stored";
  if (maxBytes !== undefined && utf8LongerThan(text, maxBytes)) return `longer than ${maxBytes} bytes (UTF-8), more than the store indexes`;
  return null;
}
