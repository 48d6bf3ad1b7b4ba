import type { JsonObject, JsonValue } from "../../ingest/audit/types";

const hasOwnProperty = Object.prototype.hasOwnProperty;

/**
 * A deep copy of a JSON value, as structuredClone makes it (key order, "__proto__" keys and
 * all) at a fraction of its cost: structuredClone serialises and deserialises, this only walks.
 * Scalars are returned as they are.
 */
export function copyJson<T extends JsonValue>(value: T): T;
export function copyJson(value: JsonValue): JsonValue {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => copyJson(item));
  const copy: JsonObject = {};
  for (const key in value) {
    if (!hasOwnProperty.call(value, key)) continue;
    // Assigning "__proto__" would set the copy's prototype: define it as the plain key it is.
    if (key === "__proto__") Object.defineProperty(copy, key, { value: copyJson(value[key]!), enumerable: true, writable: true, configurable: true });
    else copy[key] = copyJson(value[key]!);
  }
  return copy;
}
