import type { RelationKindInfo } from "./types";

/**
 * The kinds of relation between objects. Each built-in linker states relations of one of
 * these kinds; rules files and plugins add their own (registerRelationKinds).
 *
 * Direction (the Relation row's `from` is the parent side, `to` the child side):
 * - hierarchical kinds put the owner/selector/router above what it owns/selects/routes to;
 * - reference kinds put the referenced object on the parent side: a Pod refers to its Node
 *   and to its volume claims, so Node → Pod and PVC → Pod, as ownerReferences point "up".
 *
 * Several hierarchical parents: an object may have more than one (a Pod under its ReplicaSet
 * and under the EndpointSlices that route to it). `parentPrecedence` ranks the kinds so that a
 * trace can choose one parent for the tree and show the others as links: ownership first.
 */

export const BUILTIN_RELATION_KINDS = {
  "controller-owner": {
    hierarchical: true,
    description: "owned by its controller (the ownerReference with controller: true): Deployment → ReplicaSet → Pod, Job → Pod",
  },
  owner: {
    // Hierarchical too: the owner's deletion garbage-collects the object, so it belongs under it.
    // Weaker than controller-owner: an object has at most one controller but may have several
    // owners, so a trace places it under its controller when it has one (parentPrecedence).
    hierarchical: true,
    description: "owned by (an ownerReference without controller: true): deleted with its owner, not managed by it",
  },
  "service-endpointslice": {
    hierarchical: true,
    description: "a Service's EndpointSlice (label kubernetes.io/service-name)",
  },
  "endpoint-target": {
    hierarchical: true,
    description: "an EndpointSlice routes to this Pod (endpoints[].targetRef)",
  },
  "scale-target": {
    hierarchical: true,
    description: "a HorizontalPodAutoscaler scales this object (spec.scaleTargetRef)",
  },
  "ingress-backend": {
    hierarchical: true,
    description: "an Ingress routes to this Service (spec.defaultBackend, spec.rules[].http.paths[].backend)",
  },
  "parent-link": {
    hierarchical: true,
    description: "a parent named by the annotation kubetrail.io/parent-link, possibly in another cluster",
  },
  node: {
    hierarchical: false,
    description: "the Node a Pod is scheduled to (spec.nodeName)",
  },
  "volume-claim": {
    hierarchical: false,
    description: "a PersistentVolumeClaim a Pod mounts (spec.volumes[].persistentVolumeClaim.claimName)",
  },
  "bound-volume": {
    hierarchical: false,
    description: "the PersistentVolume a PersistentVolumeClaim is bound to (spec.volumeName)",
  },
} as const satisfies Record<string, RelationKindInfo>;

export type BuiltinRelationKind = keyof typeof BUILTIN_RELATION_KINDS;

/** Relation kind names: lowercase words joined by '-', like the built-ins. */
export const RELATION_KIND_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const custom = new Map<string, RelationKindInfo & { source: string }>();

function builtin(kind: string): RelationKindInfo | undefined {
  return Object.hasOwn(BUILTIN_RELATION_KINDS, kind) ? BUILTIN_RELATION_KINDS[kind as BuiltinRelationKind] : undefined;
}

/**
 * What kind of relation `kind` is: built-in, registered by a rules file or plugin, or — for a
 * kind found in stored relations that nothing registers any more — a plain reference.
 */
export function relationKindInfo(kind: string): RelationKindInfo {
  const known = builtin(kind) ?? custom.get(kind);
  if (known) return { hierarchical: known.hierarchical, description: known.description };
  return { hierarchical: false, description: `${kind} (a relation kind no rule or plugin declares)` };
}

/** Whether `kind` is built in or registered. */
export function isKnownRelationKind(kind: string): boolean {
  return builtin(kind) !== undefined || custom.has(kind);
}

/**
 * Registers custom relation kinds, from `source` (a rules file, a plugin) for error messages.
 * A kind may be declared again with the same `hierarchical` (the later description wins); a
 * contradiction — with a built-in or an earlier registration — throws, naming both sources.
 */
export function registerRelationKinds(kinds: Record<string, RelationKindInfo>, source: string): void {
  for (const [kind, info] of Object.entries(kinds)) {
    if (!RELATION_KIND_PATTERN.test(kind)) {
      throw new Error(`${source}: relation kind "${kind}" must be lowercase letters, digits and '-' (like controller-owner)`);
    }
    const existing = builtin(kind);
    if (existing && existing.hierarchical !== info.hierarchical) {
      throw new Error(`${source}: relation kind "${kind}" is built in with hierarchical: ${existing.hierarchical}, not ${info.hierarchical}`);
    }
    if (existing) continue;
    const earlier = custom.get(kind);
    if (earlier && earlier.source !== source && earlier.hierarchical !== info.hierarchical) {
      throw new Error(`${source}: relation kind "${kind}" is declared by ${earlier.source} with hierarchical: ${earlier.hierarchical}, not ${info.hierarchical}`);
    }
    custom.set(kind, { hierarchical: info.hierarchical, description: info.description, source });
  }
}

const PRECEDENCE: readonly string[] = [
  "controller-owner",
  "owner",
  "parent-link",
  "scale-target",
  "service-endpointslice",
  "ingress-backend",
  "endpoint-target",
];

/**
 * Rank of a hierarchical kind when an object has parents of several kinds: lower wins.
 * Ownership first (it is what created and deletes the object), then explicit parent links,
 * then the routing relations; custom kinds after the built-ins.
 */
export function parentPrecedence(kind: string): number {
  const index = PRECEDENCE.indexOf(kind);
  return index < 0 ? PRECEDENCE.length : index;
}
