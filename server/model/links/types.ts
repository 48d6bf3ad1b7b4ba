import type { JsonObject, ObjectIdentity } from "../../ingest/audit/types";

/**
 * Relations between objects ("links"). A linker reads one object's body and states the
 * relations that body implies (a Pod's ownerReferences name its ReplicaSet; an EndpointSlice's
 * endpoints name Pods). The store keeps each stated relation with the time it held: from the
 * first body that states it until a later body of the same object no longer does.
 */

/** Names another object, as precisely as the body allows. */
export interface ObjectReference {
  /** Another cluster (only the parent-link annotation can say so); absent: the same cluster. */
  cluster?: string;
  /** "" for the core group. */
  apiGroup: string;
  /** Plural resource, e.g. "replicasets". */
  resource: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
  uid?: string;
  kind?: string;
  apiVersion?: string;
}

/**
 * One relation stated by a body. `role` is the role of the *other* object: "parent" when the
 * other object is above the claimant (a Pod claiming its owner), "child" when below (an
 * EndpointSlice claiming the Pods it targets).
 */
export interface RelationClaim {
  kind: string;
  role: "parent" | "child";
  other: ObjectReference;
}

/** What kind of relation a kind is, for the trace shapes built from it. */
export interface RelationKindInfo {
  /**
   * Hierarchical relations make the object tree of a trace (ownership and the like);
   * the others are references shown on the span (a Pod's Node, a Pod's volume claim).
   */
  hierarchical: boolean;
  /** For people: what the relation means. */
  description: string;
}

/** Reads relations out of an object body. Pure; must not throw on any body. */
export interface Linker {
  /** Unique, used in errors and logs, e.g. "ownerReferences". */
  name: string;
  /** The relations `body` (the object `self`) states. Empty when it states none. */
  claims(body: JsonObject, self: ObjectIdentity): RelationClaim[];
}
