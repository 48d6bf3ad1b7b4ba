import type { ObjectIdentity } from "../../../ingest/audit/types";

/** Whether `self` is an object of `resource` in one of `groups` (linkers apply by resource, as bodies from some sources lack kind). */
export function isResource(self: Pick<ObjectIdentity, "apiGroup" | "resource">, groups: readonly string[], resource: string): boolean {
  return self.resource === resource && groups.includes(self.apiGroup);
}
