import { GROUP_FILTER } from "./nameLookup";
import { prepared, type Sql } from "./database";
import { int4Array, int8Array, textArray, timestamptzArray } from "./arrayParam";
import { ObjectIdPool } from "./objectIdPool";
import type { ObjectObservation } from "./auditWriter";
import { advisoryLockIdOf, lockNamesShared, objectKeyOf, uidLockIdOf } from "./objectKey";
import { hasWrittenHistory } from "./writtenHistory";
import type { ObjectIdentity } from "../ingest/audit/types";
import { kindForResource } from "../k8s/resources";
import { claimsOf } from "../model/links/claims";
import { clusterScopedNameToLock, mayBeClusterScoped, newerGroupNameToLock, uidToLockFor, versionOfApiVersion } from "../model/links/references";
import type { Linker, ObjectReference, RelationClaim } from "../model/links/types";

/**
 * Keeps the `relations` table in step with what object bodies state. Each observation is one
 * body of one object (or its deletion) at one time; the relations its claims state are open
 * from the first body that states them until a later body of the same object (the claimant)
 * no longer does, or the object is deleted.
 *
 * On the ingest hot path, so a batch costs a few statements whatever its size: one read of the
 * claimants' open relations (claims that match one need no lookup: the steady state of status
 * updates stops there), then — only for claims naming objects not yet linked — lookups by uid
 * and by name, placeholder rows for objects never seen, and one UPDATE and one INSERT.
 *
 * Limits, by design: a relation changes only through its claimant (a Pod's relation to its Node
 * ends when the Pod's body drops it or the Pod is deleted, not when the Node is deleted); and
 * batches are applied in arrival order, so a batch older than one already applied may end a
 * relation at a time before it began — such an end is clamped to the relation's start.
 */

export interface RelationObservation {
  /** objects.id of the claimant (the incarnation the body belongs to). */
  objectId: number;
  identity: ObjectIdentity;
  /** When the body was current (the write's end time). */
  at: Date;
  /** What the body states; null: the object was deleted, so all its claims end. */
  claims: RelationClaim[] | null;
}

export interface RelationOutcome {
  opened: number;
  ended: number;
  /** Objects created only because a relation names them (no history of their own yet). */
  placeholders: number;
}

/** What the linkers read from each body a batch gave its objects; a deletion ends all claims. */
export function observeRelations(changes: readonly ObjectObservation[], linkers: readonly Linker[]): RelationObservation[] {
  return changes.flatMap((change): RelationObservation[] => {
    if (change.deleted) return [{ objectId: change.objectId, identity: change.identity, at: change.at, claims: null }];
    if (!change.state) return [];
    return [{ objectId: change.objectId, identity: change.identity, at: change.at, claims: change.claims ?? claimsOf(linkers, change.state, change.identity) }];
  });
}

interface OpenRelation {
  id: number;
  claimedBy: number;
  kind: string;
  role: "parent" | "child";
  otherId: number;
  other: { clusterId: number; apiGroup: string; resource: string; namespace: string; name: string; uid: string | null; deleted: boolean };
}

/** The other object of a claim, with its cluster resolved to an id. */
interface Target {
  clusterId: number;
  ref: ObjectReference;
}

const nameKey = (clusterId: number, ref: Pick<ObjectReference, "apiGroup" | "resource" | "namespace" | "name">) => objectKeyOf(clusterId, ref);
const targetKey = (t: Target) => `${nameKey(t.clusterId, t.ref)}\u0000${t.ref.uid ?? ""}`;
const openMatchKey = (kind: string, role: string, clusterId: number, ref: Pick<ObjectReference, "apiGroup" | "resource" | "namespace" | "name">) =>
  `${kind}\u0000${role}\u0000${nameKey(clusterId, ref)}`;
const openUidKey = (claimant: number, kind: string, role: string, clusterId: number, uid: string) => `${claimant}\u0000${kind}\u0000${role}\u0000${clusterId}\u0000${uid}`;

/** `objectIds`: where placeholders' ids come from (a pool shared with the audit writer; a private one if not given). */
export async function applyRelationClaims(sql: Sql, clusterId: number, observations: RelationObservation[], objectIds: ObjectIdPool = new ObjectIdPool(0)): Promise<RelationOutcome> {
  const outcome: RelationOutcome = { opened: 0, ended: 0, placeholders: 0 };
  if (observations.length === 0) return outcome;
  const ordered = observations
    .map((observation, index) => ({ observation, index }))
    .sort((a, b) => a.observation.at.getTime() - b.observation.at.getTime() || a.index - b.index)
    .map(({ observation }) => observation);

  const claimantIds = [...new Set(ordered.map((o) => o.objectId))];
  // Independent statements go out back to back: the connection runs them in order anyway.
  const [open, clusterIds] = await Promise.all([loadOpenRelations(sql, claimantIds), clusterIdsOf(sql, ordered)]);

  const ends: Array<{ id: number; at: Date }> = [];
  const inserts: Array<{ from: number; to: number; kind: string; claimedBy: number; validFrom: Date; validTo: Date | null }> = [];
  const openOf = new Map<number, Map<string, { relation?: OpenRelation; kind: string; role: "parent" | "child"; otherId: number; validFrom: Date }>>();
  for (const relation of open) {
    const state = openOf.get(relation.claimedBy) ?? new Map();
    openOf.set(relation.claimedBy, state);
    const key = `${relation.kind}\u0000${relation.role}\u0000${relation.otherId}`;
    // Two open rows for one relation (should not happen) are merged into the first.
    if (state.has(key)) ends.push({ id: relation.id, at: new Date(0) });
    else state.set(key, { relation, kind: relation.kind, role: relation.role, otherId: relation.otherId, validFrom: new Date(0) });
  }

  // Which object each claim names: an open relation's object when it matches, else looked up.
  const openByMatch = new Map<string, OpenRelation[]>();
  for (const relation of open) {
    const key = `${relation.claimedBy}\u0000${openMatchKey(relation.kind, relation.role, relation.other.clusterId, relation.other)}`;
    openByMatch.set(key, [...(openByMatch.get(key) ?? []), relation]);
  }
  // By uid too, for the claims of an object with open relations that none matches by name:
  // built only then, as almost every claim of a batch of updates matches by name.
  let openByUid: Map<string, OpenRelation> | null = null;
  const openWithUid = (claimant: number, claim: RelationClaim, clusterId: number, uid: string): OpenRelation | undefined => {
    if (openByUid === null) {
      openByUid = new Map();
      for (const r of open) if (r.other.uid) openByUid.set(openUidKey(r.claimedBy, r.kind, r.role, r.other.clusterId, r.other.uid), r);
    }
    const relation = openByUid.get(openUidKey(claimant, claim.kind, claim.role, clusterId, uid));
    // In another namespace than the claim's, it may be a placeholder that claims of every
    // namespace share, or an object the claim cannot name (mayNameByUid): lookUp tells which.
    return relation && inClaimScope(claim.other, relation.other.namespace) ? relation : undefined;
  };
  const resolved = new Map<string, number>();
  const toResolve = new Map<string, { target: Target; at: Date }>();
  const claimTarget = new Map<RelationClaim, Target>();
  for (const observation of ordered) {
    for (const claim of observation.claims ?? []) {
      const target: Target = { clusterId: claim.other.cluster ? clusterIds.get(claim.other.cluster)! : clusterId, ref: claim.other };
      claimTarget.set(claim, target);
      const candidates = openByMatch.get(`${observation.objectId}\u0000${openMatchKey(claim.kind, claim.role, target.clusterId, claim.other)}`) ?? [];
      // An object the uid found under another name than the claim gives (an owner the claim puts
      // in its claimant's namespace, found cluster-scoped) is matched by its uid: where the two
      // differ, the name is the guess (within the namespaces the claim allows, mayNameByUid).
      const match =
        candidates.find((r) => (claim.other.uid ? r.other.uid === null || r.other.uid === claim.other.uid : !r.other.deleted)) ??
        (claim.other.uid && openOf.has(observation.objectId) ? openWithUid(observation.objectId, claim, target.clusterId, claim.other.uid) : undefined);
      const key = targetKey(target);
      if (match) resolved.set(`${observation.objectId}\u0000${claim.kind}\u0000${claim.role}\u0000${key}`, match.otherId);
      else if (!toResolve.has(key)) toResolve.set(key, { target, at: observation.at });
    }
  }
  const { found, placeholdersWritten } = await resolveTargets(sql, [...toResolve.values()], outcome, objectIds);

  for (const observation of ordered) {
    const state = openOf.get(observation.objectId) ?? new Map();
    openOf.set(observation.objectId, state);
    const stated = new Map<string, { kind: string; role: "parent" | "child"; otherId: number }>();
    for (const claim of observation.claims ?? []) {
      const key = targetKey(claimTarget.get(claim)!);
      const otherId = resolved.get(`${observation.objectId}\u0000${claim.kind}\u0000${claim.role}\u0000${key}`) ?? found.get(key);
      if (otherId === undefined || otherId === observation.objectId) continue;
      stated.set(`${claim.kind}\u0000${claim.role}\u0000${otherId}`, { kind: claim.kind, role: claim.role, otherId });
    }
    for (const [key, held] of state) {
      if (stated.has(key)) continue;
      state.delete(key);
      if (held.relation) ends.push({ id: held.relation.id, at: observation.at });
      else if (observation.at > held.validFrom) inserts.push(rowOf(observation.objectId, held, held.validFrom, observation.at));
    }
    for (const [key, relation] of stated) {
      if (!state.has(key)) state.set(key, { ...relation, validFrom: observation.at });
    }
  }
  for (const [claimant, state] of openOf) {
    for (const held of state.values()) if (!held.relation) inserts.push(rowOf(claimant, held, held.validFrom, null));
  }

  await Promise.all([placeholdersWritten, endRelations(sql, ends), insertRelations(sql, clusterId, inserts)]);
  outcome.ended = ends.length;
  outcome.opened = inserts.length;
  return outcome;
}

/** Where resolveObjectReferences found each reference, in the order given. */
export interface ResolvedReferences {
  ids: number[];
  /** Rows made for references to objects never seen. */
  placeholders: number;
  /** Resolves once those rows are written; to be awaited inside the caller's transaction. */
  written: Promise<unknown>;
}

/**
 * The objects `references` name in cluster `clusterId`, found as relations' targets are (by uid,
 * else the latest incarnation of the name) or made as placeholders for objects never seen, each
 * at its `at`: what sources that only name an object (a Kubernetes Event's involvedObject) need.
 * Under the same locks as relations' targets, held until the caller's transaction ends, so a row
 * found here is not pruned before what the caller writes of it commits.
 */
export async function resolveObjectReferences(
  sql: Sql,
  clusterId: number,
  references: ReadonlyArray<{ ref: ObjectReference; at: Date }>,
  objectIds: ObjectIdPool,
): Promise<ResolvedReferences> {
  const outcome: RelationOutcome = { opened: 0, ended: 0, placeholders: 0 };
  const targets = new Map<string, { target: Target; at: Date }>();
  for (const { ref, at } of references) {
    const target: Target = { clusterId, ref };
    const key = targetKey(target);
    const known = targets.get(key);
    // A placeholder starts at the earliest time anything named it.
    if (known === undefined) targets.set(key, { target, at });
    else if (at < known.at) known.at = at;
  }
  const { found, placeholdersWritten } = await resolveTargets(sql, [...targets.values()], outcome, objectIds);
  const ids = references.map(({ ref }) => {
    const id = found.get(targetKey({ clusterId, ref }));
    if (id === undefined) throw new Error(`resolveObjectReferences: ${ref.resource} ${ref.namespace}/${ref.name} was neither found nor made`);
    return id;
  });
  return { ids, placeholders: outcome.placeholders, written: placeholdersWritten };
}

function rowOf(claimant: number, held: { kind: string; role: "parent" | "child"; otherId: number }, validFrom: Date, validTo: Date | null) {
  // from is the parent side: the other object when it is the claimant's parent.
  const [from, to] = held.role === "parent" ? [held.otherId, claimant] : [claimant, held.otherId];
  return { from, to, kind: held.kind, claimedBy: claimant, validFrom, validTo };
}

/**
 * The open relations the claimants stated, with the object at the other end. Runs under the
 * ingest transaction's planner settings (INGEST_PLANNER_SETTINGS), which keep it an index scan
 * on a table that grew since its statistics (exported for the plan test).
 */
export const OPEN_RELATIONS_SQL = `SELECT r.id, r.claimed_by_id, r.kind, r.from_object_id, r.to_object_id, o.id AS other_id,
            o.cluster_id, o.api_group, o.resource, o.namespace, o.name, o.uid, o.deleted_at IS NOT NULL AS deleted
       FROM relations r
       JOIN objects o ON o.id = CASE WHEN r.to_object_id = r.claimed_by_id THEN r.from_object_id ELSE r.to_object_id END
      WHERE r.claimed_by_id = ANY($1::bigint[]) AND r.valid_to IS NULL
      ORDER BY r.id`;

async function loadOpenRelations(sql: Sql, claimantIds: number[]): Promise<OpenRelation[]> {
  const result = await sql.query<{
    id: number;
    claimed_by_id: number;
    kind: string;
    from_object_id: number;
    to_object_id: number;
    other_id: number;
    cluster_id: number;
    api_group: string;
    resource: string;
    namespace: string;
    name: string;
    uid: string | null;
    deleted: boolean;
  }>(
    prepared("kt_open_relations", OPEN_RELATIONS_SQL),
    [int8Array(claimantIds)],
  );
  return result.rows.map((row) => ({
    id: Number(row.id),
    claimedBy: Number(row.claimed_by_id),
    kind: row.kind,
    role: Number(row.to_object_id) === Number(row.claimed_by_id) ? "parent" : "child",
    otherId: Number(row.other_id),
    other: { clusterId: Number(row.cluster_id), apiGroup: row.api_group, resource: row.resource, namespace: row.namespace, name: row.name, uid: row.uid, deleted: row.deleted },
  }));
}

/**
 * Ids of the other clusters claims name (parent-link), created when new. Read, and inserted only
 * when missing (DO NOTHING): an upsert that finds the row (DO UPDATE) locks it until COMMIT, so
 * every batch naming that cluster would wait for the one before it to commit, and two such
 * batches could deadlock on it and the advisory locks the relation writer takes after it. A
 * name that another transaction inserted after this statement's snapshot is neither inserted
 * nor seen by it: the next statement, with a snapshot of its own, sees it.
 */
async function clusterIdsOf(sql: Sql, observations: RelationObservation[]): Promise<Map<string, number>> {
  const names = [...new Set(observations.flatMap((o) => (o.claims ?? []).map((c) => c.other.cluster).filter((c): c is string => !!c)))].sort();
  const ids = new Map<string, number>();
  for (let attempt = 0; attempt < CLUSTER_LOOKUP_ATTEMPTS && ids.size < names.length; attempt++) {
    const result = await sql.query<{ id: number; name: string }>(prepared("kt_clusters_named", CLUSTERS_NAMED_SQL), [textArray(names.filter((name) => !ids.has(name)))]);
    for (const row of result.rows) ids.set(row.name, Number(row.id));
  }
  const missing = names.filter((name) => !ids.has(name));
  if (missing.length > 0) throw new Error(`could not find or create the clusters ${missing.join(", ")} that parent links name`);
  return ids;
}

/** One statement of clusterIdsOf each time: a second sees rows committed while the first ran. */
const CLUSTER_LOOKUP_ATTEMPTS = 3;

export const CLUSTERS_NAMED_SQL = `WITH wanted AS (SELECT unnest($1::text[]) AS name),
  found AS (SELECT c.id, c.name FROM clusters c JOIN wanted USING (name)),
  made AS (INSERT INTO clusters (name) SELECT name FROM wanted WHERE name NOT IN (SELECT name FROM found) ORDER BY 1
           ON CONFLICT (name) DO NOTHING RETURNING id, name)
SELECT id, name FROM found UNION ALL SELECT id, name FROM made`;

/**
 * objects.id of each target (by targetKey): by uid when the claim gives one, else the latest
 * incarnation of the name (unless it has another uid). Objects never seen get a placeholder
 * row. Both under an advisory lock on the target's name (see below), and an object the uid
 * finds under another name under that name's lock too.
 */
async function resolveTargets(
  sql: Sql,
  targets: Array<{ target: Target; at: Date }>,
  outcome: RelationOutcome,
  objectIds: ObjectIdPool,
): Promise<{ found: Map<string, number>; placeholdersWritten: Promise<unknown> }> {
  const found = new Map<string, number>();
  const none = { found, placeholdersWritten: Promise.resolve() };
  if (targets.length === 0) return none;
  // Every target's name is locked before it is looked up, in shared mode: the lock auditWriter
  // takes (exclusive) to write an object and the pruner to delete one. A target found here can't
  // be pruned before this batch commits its relation to it (there are no foreign keys to stop
  // that). Shared, because many batches name the same few targets at once (every Pod created on
  // a Node names it): exclusive, they would wait for each other's commits.
  //
  // An object that may be cluster-scoped though the claim puts it in a namespace (an owner of a
  // kind we don't know, given a uid: clusterScopedNameToLock) has its cluster-scoped name locked
  // too, in the same statement. Its writer holds that name exclusively: were they stored at once,
  // neither would see the other's row, and a placeholder would hold the uid in the wrong
  // namespace beside the object. Whichever commits second now sees the first's row: the lookup
  // finds the object by uid, or the object's write finds the placeholder and makes it the object
  // (auditWriter.ts). And the object the lookup finds by uid is there, under a name held. The
  // targets of a batch's creates, the cluster-scoped names with them, were locked already with
  // the names it writes (lockAndLoadObjects): taken only here, after those, a batch would hold a
  // name the object's writer waits for while it waits for the object's name.
  const names = new Set<string>();
  for (const { target } of targets) {
    names.add(advisoryLockIdOf(nameKey(target.clusterId, target.ref)));
    const clusterScoped = clusterScopedNameToLock(target.ref);
    if (clusterScoped) names.add(advisoryLockIdOf(nameKey(target.clusterId, clusterScoped)));
    const newer = target.ref.uid ? newerGroupNameToLock(target.ref) : null;
    if (newer) names.add(advisoryLockIdOf(nameKey(target.clusterId, newer)));
  }
  const lockIds = [...names].sort();
  // Names locked before the lookups that follow: what those find there cannot be pruned.
  const held = new Set(lockIds);
  // The lookups are sent right behind the locks, not after waiting for them: the connection runs
  // them in order, so they still start once every lock is held.
  const [, first] = await Promise.all([lockNamesShared(sql, lockIds), lookUp(sql, targets, found)]);
  let missing = [...first.missing, ...(await holdFoundElsewhere(sql, first.elsewhere, found, held))];
  if (missing.length === 0) return none;
  // Placeholders are made by one batch at a time per name, under an exclusive lock of their own,
  // and only for targets still missing once it is held: a batch that made one meanwhile has
  // committed by then, and this lookup (a new statement) sees it. For an object that may be
  // cluster-scoped the name is the cluster-scoped one: batches naming it from two namespaces
  // would each make a placeholder holding its uid, and only one becomes the object; the second
  // now finds the first's by uid.
  //
  // The uid of a custom resource is locked too, shared: its writer at Metadata level tells no kind,
  // so locks no name the relation guesses from one (a Redis's `redises`), and locks the uid it
  // brings instead (auditWriter.ts). Whichever commits second finds the other's row by uid.
  const creationLockIds = [...new Set(missing.map(({ target }) => placeholderLockId(target)))].sort();
  const uidLockIds = [...new Set(missing.flatMap(({ target }) => {
    const uid = uidToLockFor(target.ref);
    return uid === null ? [] : [uidLockIdOf(target.clusterId, uid)];
  }))];
  const [, , second] = await Promise.all([
    sql.query(prepared("kt_lock_placeholder_names", `SELECT pg_advisory_xact_lock(id) FROM unnest($1::bigint[]) AS t(id) ORDER BY id`), [creationLockIds]),
    uidLockIds.length > 0 ? lockNamesShared(sql, uidLockIds) : null,
    lookUp(sql, missing, found),
  ]);
  missing = [...second.missing, ...(await holdFoundElsewhere(sql, second.elsewhere, found, held))];
  if (missing.length === 0) return none;

  // One placeholder per uid, under the name of the first claim giving it: claims may place one
  // object under several names (an owner that may be cluster-scoped, named from two namespaces).
  // A claim shares one only where it may name it (mayNameByUid), as it would once stored: claims
  // of a namespaced kind that put one uid in two namespaces get one each. Claims of a name
  // without a uid share the first placeholder made under that name.
  const byName = new Map<string, TargetItem[]>();
  for (const item of missing) {
    const key = nameKey(item.target.clusterId, item.target.ref);
    byName.set(key, [...(byName.get(key) ?? []), item]);
  }
  const rows: Array<{ target: Target; at: Date; keys: string[] }> = [];
  const rowsByUid = new Map<string, Array<{ target: Target; at: Date; keys: string[] }>>();
  for (const group of byName.values()) {
    let firstOfName: { target: Target; at: Date; keys: string[] } | undefined;
    for (const item of group) {
      if (!item.target.ref.uid) continue;
      const uidKey = `${item.target.clusterId}\u0000${item.target.ref.uid}`;
      const withUid = rowsByUid.get(uidKey) ?? [];
      rowsByUid.set(uidKey, withUid);
      let row = withUid.find((made) => mayNameByUid(item.target.ref, { ...made.target.ref, placeholder: true }));
      if (row === undefined) {
        row = { target: item.target, at: item.at, keys: [] };
        withUid.push(row);
        rows.push(row);
        firstOfName ??= row;
      }
      row.keys.push(targetKey(item.target));
      if (item.at < row.at) row.at = item.at;
    }
    const withoutUid = group.filter((item) => !item.target.ref.uid);
    if (withoutUid.length === 0) continue;
    if (firstOfName) {
      for (const item of withoutUid) firstOfName.keys.push(targetKey(item.target));
    } else {
      const at = new Date(Math.min(...withoutUid.map((item) => item.at.getTime())));
      rows.push({ target: withoutUid[0]!.target, at, keys: withoutUid.map((item) => targetKey(item.target)) });
    }
  }
  const ids = await objectIds.take(sql, rows.length);
  const refs = rows.map((row) => row.target.ref);
  // Not waited for: the relations that name these rows are sent behind it (applyRelationClaims).
  const placeholdersWritten = sql.query(
    prepared("kt_insert_placeholders", `INSERT INTO objects (id, cluster_id, api_group, api_version, resource, kind, namespace, name, uid, first_seen, last_seen)
     SELECT id, c, g, v, r, k, ns, n, u, t, t
       FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
            AS x(id, c, g, v, r, k, ns, n, u, t)`),
    [
      int8Array(ids),
      int4Array(rows.map((row) => row.target.clusterId)),
      textArray(refs.map((ref) => ref.apiGroup)),
      textArray(refs.map((ref) => (ref.apiVersion ? versionOfApiVersion(ref.apiVersion) : ref.apiGroup === "" ? "v1" : ""))),
      textArray(refs.map((ref) => ref.resource)),
      textArray(refs.map((ref) => ref.kind ?? kindForResource(ref.apiGroup, ref.resource))),
      textArray(refs.map((ref) => ref.namespace)),
      textArray(refs.map((ref) => ref.name)),
      textArray(refs.map((ref) => ref.uid ?? null)),
      timestamptzArray(rows.map((row) => row.at)),
    ],
  );
  placeholdersWritten.catch(() => undefined); // awaited by the caller; this only keeps a throw in between from leaving it unhandled
  rows.forEach((row, i) => {
    for (const key of row.keys) found.set(key, ids[i]!);
  });
  outcome.placeholders = rows.length;
  return { found, placeholdersWritten };
}

type TargetItem = { target: Target; at: Date };

/**
 * The lock under which the placeholder of `target` is made: one per name, the cluster-scoped
 * name for an object that may be cluster-scoped though the claim puts it in a namespace.
 */
function placeholderLockId(target: Target): string {
  const name = mayBeClusterScoped(target.ref) ? { ...target.ref, namespace: "" } : target.ref;
  return advisoryLockIdOf(`placeholder\u0000${nameKey(target.clusterId, name)}`);
}

/** What lookUp left missing, and the targets it found by uid under another name than theirs (with that name's lock id). */
interface LookedUp {
  missing: TargetItem[];
  elsewhere: Array<{ item: TargetItem; id: number; lockId: string }>;
}

/**
 * Whether a claim's uid may name an object in `namespace`: the claim's own, or cluster scope.
 * An ownerReference does not tell its owner's scope, and Kubernetes lets a namespaced object be
 * owned by a cluster-scoped object or by one of its own namespace, never by one in another:
 * its garbage collector takes such an owner for absent (event `OwnerRefInvalidNamespace`). A
 * cluster-scoped claimant names a namespaced object only in the namespace its claim gives.
 */
function inClaimScope(ref: Pick<ObjectReference, "namespace">, namespace: string): boolean {
  return namespace === ref.namespace || namespace === "";
}

/**
 * Whether a claim giving a uid names `row`, which holds that uid: in the claim's scope
 * (inClaimScope), or a placeholder whose own namespace was a guess (an owner of a kind we don't
 * know, mayBeClusterScoped) and so may yet be cluster-scoped: claims from several namespaces
 * name one owner only if it is, and share that placeholder until its object is written
 * (docs/relations.md). A real object in a third namespace is another object, or one the claim
 * cannot name: the claim's target is then looked up by name in its own namespace, as one whose
 * uid nothing holds, and gets a placeholder there, holding the uid, if none is found.
 */
function mayNameByUid(ref: Pick<ObjectReference, "namespace">, row: { apiGroup: string; resource: string; namespace: string; placeholder: boolean }): boolean {
  return inClaimScope(ref, row.namespace) || (row.placeholder && mayBeClusterScoped(row));
}

/**
 * Finds what exists of `targets` into `found`; returns the rest. By uid where the claim gives
 * one, else (or when no object the claim may name has that uid: mayNameByUid) the latest
 * incarnation of the name: both lookups are sent at once, the second for every target, and a
 * name's answer counts only for targets the uid did not find.
 */
async function lookUp(sql: Sql, targets: TargetItem[], found: Map<string, number>): Promise<LookedUp> {
  type ByUidRow = {
    i: number;
    id: number;
    cluster_id: number;
    api_group: string;
    resource: string;
    namespace: string;
    name: string;
    first_seen: Date | string;
    in_scope: boolean;
  };
  const withUid = targets.filter(({ target }) => target.ref.uid);
  const byUid =
    withUid.length === 0
      ? Promise.resolve({ rows: [] as ByUidRow[] })
      : sql.query<ByUidRow>(
          // One index probe per key (LATERAL on objects_uid_idx), whatever the planner's statistics
          // say. Every row holding the uid comes back, as a uid may be held by a placeholder beside
          // its object (mayNameByUid); whether a row of another namespace is a placeholder (no
          // history, no body) is asked of those rows only.
          prepared("kt_targets_by_uid", TARGETS_BY_UID_SQL),
          [
            int4Array(withUid.map(({ target }) => target.clusterId)),
            textArray(withUid.map(({ target }) => target.ref.uid!)),
            textArray(withUid.map(({ target }) => target.ref.namespace)),
          ],
        );
  const refs = targets.map(({ target }) => target);
  const byName = sql.query<{ i: number; id: number; uid: string | null }>(
    prepared("kt_targets_by_name", TARGETS_BY_NAME_SQL),
    [
      int4Array(refs.map((t) => t.clusterId)),
      textArray(refs.map((t) => t.ref.apiGroup)),
      textArray(refs.map((t) => t.ref.resource)),
      textArray(refs.map((t) => t.ref.namespace)),
      textArray(refs.map((t) => t.ref.name)),
    ],
  );
  const [uidResult, nameResult] = await Promise.all([byUid, byName]);
  // Of the rows each claim may name, one in its scope before a shared placeholder; then the latest.
  const chosen = new Map<number, ByUidRow>();
  const before = (a: ByUidRow, b: ByUidRow) => {
    const [ta, tb] = [new Date(a.first_seen).getTime(), new Date(b.first_seen).getTime()];
    return a.in_scope !== b.in_scope ? a.in_scope : ta !== tb ? ta > tb : Number(a.id) > Number(b.id);
  };
  for (const row of uidResult.rows) {
    const item = withUid[Number(row.i) - 1]!;
    // A row out of the claim's scope comes back only as a placeholder.
    if (!mayNameByUid(item.target.ref, { apiGroup: row.api_group, resource: row.resource, namespace: row.namespace, placeholder: !row.in_scope })) continue;
    const best = chosen.get(Number(row.i));
    if (best === undefined || before(row, best)) chosen.set(Number(row.i), row);
  }
  const elsewhere: LookedUp["elsewhere"] = [];
  for (const [i, row] of chosen) {
    const item = withUid[i - 1]!;
    const { target } = item;
    found.set(targetKey(target), Number(row.id));
    const key = nameKey(Number(row.cluster_id), { apiGroup: row.api_group, resource: row.resource, namespace: row.namespace, name: row.name });
    if (key !== nameKey(target.clusterId, target.ref)) elsewhere.push({ item, id: Number(row.id), lockId: advisoryLockIdOf(key) });
  }
  for (const row of nameResult.rows) {
    const target = refs[Number(row.i) - 1]!;
    if (found.has(targetKey(target))) continue;
    // A latest incarnation with another uid is another object: the named one was never seen.
    if (target.ref.uid && row.uid && row.uid !== target.ref.uid) continue;
    found.set(targetKey(target), Number(row.id));
  }
  return { missing: targets.filter(({ target }) => !found.has(targetKey(target))), elsewhere };
}

/** Each target's latest incarnation by name (exported for the plan test, ingestPlans.integration-test.ts). */
export const TARGETS_BY_NAME_SQL = `SELECT k.i, o.id, o.uid
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(c, g, r, ns, n, i)
       CROSS JOIN LATERAL (
         SELECT x.id, x.uid FROM objects x
          WHERE x.cluster_id = k.c AND x.resource = k.r AND x.namespace = k.ns AND x.name = k.n AND ${GROUP_FILTER}
          ORDER BY x.first_seen DESC, x.id DESC LIMIT 1) o`;

/**
 * Every row holding each target's uid that the claim may name (mayNameByUid), with whether it is
 * in the claim's scope: a row of another namespace comes only if it is a placeholder (no written
 * history, no body), which is asked of those rows only (exported for the plan test).
 */
export const TARGETS_BY_UID_SQL = `SELECT k.i, o.id, o.cluster_id, o.api_group, o.resource, o.namespace, o.name, o.first_seen, o.in_scope
       FROM unnest($1::int[], $2::text[], $3::text[]) WITH ORDINALITY AS k(c, u, ns, i)
       CROSS JOIN LATERAL (
         SELECT x.id, x.cluster_id, x.api_group, x.resource, x.namespace, x.name, x.first_seen, x.namespace IN (k.ns, '') AS in_scope
           FROM objects x
          WHERE x.cluster_id = k.c AND x.uid = k.u
            AND CASE WHEN x.namespace IN (k.ns, '') THEN true
                     ELSE NOT ${hasWrittenHistory("x.id")}
                      AND NOT EXISTS (SELECT 1 FROM object_states s WHERE s.object_id = x.id) END) o`;

/**
 * Locks the names of objects lookUp found by uid under another name than their claims give (a
 * cluster-scoped owner of a namespaced object), unless `held` already: the lock on the claim's
 * name keeps no other row from the pruner. Returns the targets whose object was pruned before
 * the lock was taken, or is no longer one the claim may name (a placeholder of another namespace
 * that the object's own write, committed meanwhile, made that namespace's object), taken out of
 * `found`: they are missing.
 */
async function holdFoundElsewhere(sql: Sql, elsewhere: LookedUp["elsewhere"], found: Map<string, number>, held: Set<string>): Promise<TargetItem[]> {
  const unheld = elsewhere.filter(({ lockId }) => !held.has(lockId));
  if (unheld.length === 0) return [];
  const lockIds = [...new Set(unheld.map(({ lockId }) => lockId))];
  for (const id of lockIds) held.add(id);
  const [, present] = await Promise.all([
    lockNamesShared(sql, lockIds),
    sql.query<{ id: number; api_group: string; resource: string; namespace: string; placeholder: boolean }>(
      prepared("kt_objects_present", OBJECTS_PRESENT_SQL),
      [int8Array(unheld.map(({ id }) => id))],
    ),
  ]);
  const there = new Map(present.rows.map((row) => [Number(row.id), row]));
  const gone = unheld
    .filter(({ item, id }) => {
      const row = there.get(id);
      return row === undefined || !mayNameByUid(item.target.ref, { apiGroup: row.api_group, resource: row.resource, namespace: row.namespace, placeholder: row.placeholder });
    })
    .map(({ item }) => item);
  for (const { target } of gone) found.delete(targetKey(target));
  return gone;
}

/** Rows by id as they are now, and whether each is a placeholder (holdFoundElsewhere). */
const OBJECTS_PRESENT_SQL = `SELECT o.id, o.api_group, o.resource, o.namespace,
         NOT ${hasWrittenHistory("o.id")}
           AND NOT EXISTS (SELECT 1 FROM object_states s WHERE s.object_id = o.id) AS placeholder
    FROM objects o WHERE o.id = ANY($1::bigint[])`;

async function endRelations(sql: Sql, ends: Array<{ id: number; at: Date }>): Promise<void> {
  if (ends.length === 0) return;
  await sql.query(
    prepared("kt_end_relations", `UPDATE relations r SET valid_to = GREATEST(r.valid_from, t.vt)
       FROM unnest($1::bigint[], $2::timestamptz[]) AS t(id, vt)
      WHERE r.id = t.id AND r.valid_to IS NULL`),
    [int8Array(ends.map((e) => e.id)), timestamptzArray(ends.map((e) => e.at))],
  );
}

async function insertRelations(
  sql: Sql,
  clusterId: number,
  rows: Array<{ from: number; to: number; kind: string; claimedBy: number; validFrom: Date; validTo: Date | null }>,
): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    prepared("kt_insert_relations", `INSERT INTO relations (cluster_id, from_object_id, to_object_id, kind, claimed_by_id, valid_from, valid_to)
     SELECT $1, f, t, k, c, vf, vt
       FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::timestamptz[], $7::timestamptz[]) AS x(f, t, k, c, vf, vt)`),
    [
      clusterId,
      int8Array(rows.map((r) => r.from)),
      int8Array(rows.map((r) => r.to)),
      textArray(rows.map((r) => r.kind)),
      int8Array(rows.map((r) => r.claimedBy)),
      timestamptzArray(rows.map((r) => r.validFrom)),
      timestamptzArray(rows.map((r) => r.validTo)),
    ],
  );
}
