/**
 * The history that makes a row an object seen written: the entries its own requests wrote (the
 * audit webhook's), not the ones observed of it (Kubernetes Events, object watches).
 *
 * Where the writers tell a placeholder (a row only relations named) from an object seen written,
 * or read a row's history as evidence of which incarnation of a name a write belongs to, they
 * count these entries only. An Event names an object it does not write: by uid, or by name only
 * (Namespaces; the kubelet's Node Events, whose uid is the name), at a time from the reporter's
 * clock in whole seconds, and the kubelet's Events about its Node begin before it registers the
 * Node. A watch observes an object at Kubetrail's clock, after the write, and its first sight
 * of an object that existed already is no create. A row that only Events and watches named is
 * still a placeholder: the create of its name makes it the object, and their entries go with it
 * wherever a placeholder goes (moved when it is merged).
 */

/** The condition on a history entry `h` that its object's own request wrote it. */
export const WRITTEN_ENTRY = `h.source = 'audit'`;

/**
 * Whether the row `objectId` (an SQL expression) has an entry its own requests wrote. A scalar
 * subquery, probed per row through history_object_time_idx: as `EXISTS`, whose only correlation
 * is the id, PostgreSQL 17 (PGlite) hashes every written entry of the table instead, on each call.
 */
export const hasWrittenHistory = (objectId: string) =>
  `((SELECT 1 FROM history_entries h WHERE h.object_id = ${objectId} AND ${WRITTEN_ENTRY} LIMIT 1) IS NOT NULL)`;
