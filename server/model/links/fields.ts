import { isJsonObject, type JsonObject, type JsonValue } from "../../ingest/audit/types";

/**
 * Tolerant reads of object bodies for linkers: any body may lack a field or hold a value of
 * another type (old API versions, partial bodies), so every accessor answers "nothing" rather
 * than throwing.
 */

/** The value at `path` (object keys only), or undefined when a step is missing or not an object. */
export function valueAt(body: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let current: JsonValue | undefined = body;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** A non-empty string at `path`, else null. */
export function stringAt(body: JsonValue | undefined, ...path: string[]): string | null {
  const value = valueAt(body, ...path);
  return typeof value === "string" && value !== "" ? value : null;
}

/** The JSON objects of the array at `path` (other items skipped); empty when there is no array. */
export function objectsAt(body: JsonValue | undefined, ...path: string[]): JsonObject[] {
  const value = valueAt(body, ...path);
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

/** The object at `path`, else null. */
export function objectAt(body: JsonValue | undefined, ...path: string[]): JsonObject | null {
  const value = valueAt(body, ...path);
  return isJsonObject(value) ? value : null;
}
