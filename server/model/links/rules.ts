import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError } from "../../config/config";
import { isJsonObject, type JsonObject, type JsonValue, type ObjectIdentity } from "../../ingest/audit/types";
import { kindForResource } from "../../k8s/resources";
import { BUILTIN_RELATION_KINDS, RELATION_KIND_PATTERN, registerRelationKinds, type BuiltinRelationKind } from "./kinds";
import type { Linker, RelationClaim, RelationKindInfo } from "./types";

/**
 * Declarative relation rules: relations Kubernetes doesn't record, declared in a file named by
 * KUBETRAIL_LINK_RULES_FILE (YAML or JSON) instead of code. A rule says: for objects matching
 * `match`, each string found at `path` names an object of `target`, related by `relation`.
 *
 *   rules:
 *     - name: pod-configmaps
 *       match: { resource: pods }            # apiGroup?, resource? or kind?, labels?: {k: v}
 *       path: spec.volumes[].configMap.name  # dot path; [] walks every item of a list;
 *                                            # "quoted" keys for dots/slashes: metadata.labels."app.kubernetes.io/part-of"
 *       target: { apiGroup: "", resource: configmaps, namespace: same }  # same | <namespace> | absent: cluster-scoped
 *       relation: mounts-configmap           # a new kind, or a built-in one
 *       role: parent                         # the role of the named object: parent (above) or child (below)
 *       hierarchical: false                  # whether the relation shapes the trace tree
 *
 * The file may also be just the list. Validated once at start-up: an error names the file, the
 * rule (index and name) and the field.
 */

const KEY = /^[A-Za-z0-9_-]+$/;
const SEGMENT = /^(?:([A-Za-z0-9_-]+)|"([^"]+)")(\[\])?$/;

/** One step of a compiled path: a key, then (each) every item of the list found there. */
interface PathStep {
  key: string;
  each: boolean;
}

/** Compiles `spec.volumes[].configMap.name` into steps; null when it isn't such a path. */
export function compileFieldPath(path: string): PathStep[] | null {
  const segments: string[] = [];
  let current = "";
  let quoted = false;
  for (const char of path) {
    if (char === '"') quoted = !quoted;
    if (char === "." && !quoted) {
      segments.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  segments.push(current);
  if (quoted) return null;
  const steps: PathStep[] = [];
  for (const segment of segments) {
    const match = SEGMENT.exec(segment);
    if (!match) return null;
    steps.push({ key: match[1] ?? match[2]!, each: match[3] !== undefined });
  }
  return steps;
}

/** Every non-empty string at the compiled path of `body`, each once, in document order. */
export function stringsAtPath(body: JsonValue, steps: readonly PathStep[]): string[] {
  let values: JsonValue[] = [body];
  for (const step of steps) {
    const next: JsonValue[] = [];
    for (const value of values) {
      if (!isJsonObject(value)) continue;
      const found = value[step.key];
      if (found === undefined) continue;
      if (!step.each) next.push(found);
      else if (Array.isArray(found)) next.push(...found);
    }
    values = next;
  }
  return [...new Set(values.filter((v): v is string => typeof v === "string" && v !== ""))];
}

const PATH_MESSAGE = "must be a dot path like spec.a.b or spec.items[].name";
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const API_GROUP = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/;
const RESOURCE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A field's error: "is required" when absent, else `message`. */
const fieldError = (message: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? `is required: ${message}` : message) });

const ruleSchema = z.strictObject({
  name: z.string(fieldError("must be a string")).regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, "must be letters, digits, '.', '_' or '-'"),
  match: z
    .strictObject({
      apiGroup: z.string(fieldError("must be a string (\"\" for the core group)")).regex(API_GROUP, "must be an API group like apps or example.com (\"\" for the core group)").optional(),
      resource: z.string(fieldError("must be a string")).regex(RESOURCE, "must be a plural resource like pods or deployments").optional(),
      kind: z.string(fieldError("must be a string")).regex(/^[A-Z][A-Za-z0-9]*$/, "must be a kind like Pod or Deployment").optional(),
      labels: z.record(z.string(), z.string({ error: "label values must be strings" })).optional(),
    }, fieldError("must be an object like {resource: pods}"))
    .refine((m) => m.resource !== undefined || m.kind !== undefined, "needs resource or kind")
    .refine((m) => m.resource === undefined || m.kind === undefined, "has both resource and kind; give one"),
  path: z.string(fieldError(PATH_MESSAGE)).refine((p) => compileFieldPath(p) !== null, PATH_MESSAGE),
  target: z.strictObject(
    {
      apiGroup: z.string(fieldError("must be a string (\"\" for the core group)")).regex(API_GROUP, "must be an API group like apps or example.com (\"\" for the core group)"),
      resource: z.string(fieldError("must be a string")).regex(RESOURCE, "must be a plural resource like configmaps"),
      namespace: z
        .string(fieldError("must be \"same\" or a namespace name"))
        .refine((ns) => ns === "same" || DNS_LABEL.test(ns), "must be \"same\" or a namespace name (absent: cluster-scoped)")
        .optional(),
      kind: z.string(fieldError("must be a string")).regex(/^[A-Z][A-Za-z0-9]*$/, "must be a kind like ConfigMap").optional(),
    },
    fieldError("must be an object like {apiGroup: \"\", resource: configmaps, namespace: same}"),
  ),
  relation: z.string(fieldError("must be a string")).regex(RELATION_KIND_PATTERN, "must be lowercase letters, digits and '-' (like mounts-configmap)"),
  role: z.enum(["parent", "child"], fieldError("must be parent or child (the role of the object the path names)")),
  hierarchical: z.boolean(fieldError("must be true or false")),
  description: z.string(fieldError("must be a string")).optional(),
});

export type LinkRule = z.infer<typeof ruleSchema>;

const fileSchema = z.union([z.array(z.unknown()), z.strictObject({ rules: z.array(z.unknown()) })], {
  error: "must be a list of rules, or an object with a rules list",
});

/** What a rules file declares: one linker per rule, and the relation kinds the rules use. */
export interface ParsedLinkRules {
  linkers: Linker[];
  relationKinds: Record<string, RelationKindInfo>;
}

/** Parses and validates a rules file's text (YAML, or JSON, which YAML reads too). Throws ConfigError naming `file`. */
export function parseLinkRules(text: string, file: string): ParsedLinkRules {
  const fail: (message: string) => never = (message) => {
    throw new ConfigError(`link rules file ${file}: ${message}`);
  };
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    fail(`not valid YAML or JSON: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return { linkers: [], relationKinds: {} };
  const top = fileSchema.safeParse(document);
  if (!top.success) fail(top.error.issues[0]?.message ?? "must be a list of rules");
  const items = Array.isArray(top.data) ? top.data : top.data.rules;

  const problems: string[] = [];
  const rules: LinkRule[] = [];
  items.forEach((item, index) => {
    const parsed = ruleSchema.safeParse(item);
    const name = isJsonObject(item as JsonValue) && typeof (item as JsonObject).name === "string" ? ` (rule "${(item as JsonObject).name}")` : "";
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`rules[${index}]${fieldOf(issue)}: ${messageOf(issue)}${name}`);
      return;
    }
    rules.push(parsed.data);
  });
  if (problems.length > 0) fail(problems.join("; "));

  const relationKinds: Record<string, RelationKindInfo & { rule: string }> = {};
  const names = new Set<string>();
  rules.forEach((rule, index) => {
    if (names.has(rule.name)) problems.push(`rules[${index}].name: "${rule.name}" is used by an earlier rule`);
    names.add(rule.name);
    const builtin = Object.hasOwn(BUILTIN_RELATION_KINDS, rule.relation) ? BUILTIN_RELATION_KINDS[rule.relation as BuiltinRelationKind] : null;
    if (builtin && builtin.hierarchical !== rule.hierarchical) {
      problems.push(`rules[${index}].hierarchical: relation "${rule.relation}" is built in with hierarchical: ${builtin.hierarchical} (rule "${rule.name}")`);
    }
    const earlier = relationKinds[rule.relation];
    if (earlier && earlier.hierarchical !== rule.hierarchical) {
      problems.push(`rules[${index}].hierarchical: relation "${rule.relation}" is hierarchical: ${earlier.hierarchical} in rule "${earlier.rule}" (rule "${rule.name}")`);
    }
    if (!builtin && !earlier) {
      relationKinds[rule.relation] = {
        hierarchical: rule.hierarchical,
        description: rule.description ?? `${rule.relation} (rule ${rule.name}: ${rule.path} names a ${rule.target.apiGroup ? `${rule.target.apiGroup}/` : ""}${rule.target.resource})`,
        rule: rule.name,
      };
    }
  });
  if (problems.length > 0) fail(problems.join("; "));

  return {
    linkers: rules.map(linkerOfRule),
    relationKinds: Object.fromEntries(Object.entries(relationKinds).map(([kind, { hierarchical, description }]) => [kind, { hierarchical, description }])),
  };
}

/** Reads, validates and registers the rules of `file` (their relation kinds become known to relationKindInfo). */
export function loadLinkRules(file: string): Linker[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`link rules file ${file}: cannot be read: ${(error as Error).message}`);
  }
  const parsed = parseLinkRules(text, file);
  try {
    registerRelationKinds(parsed.relationKinds, `link rules file ${file}`);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return parsed.linkers;
}

function fieldOf(issue: z.core.$ZodIssue): string {
  return issue.path.map((key) => (typeof key === "number" ? `[${key}]` : KEY.test(String(key)) ? `.${String(key)}` : `["${String(key)}"]`)).join("");
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return issue.message;
}

function matches(rule: LinkRule, body: JsonObject, self: ObjectIdentity): boolean {
  const { match } = rule;
  if (match.apiGroup !== undefined && match.apiGroup !== self.apiGroup) return false;
  if (match.resource !== undefined && match.resource !== self.resource) return false;
  if (match.kind !== undefined && match.kind !== (self.kind ?? (typeof body.kind === "string" ? body.kind : null))) return false;
  if (match.labels) {
    const labels = isJsonObject(body.metadata) && isJsonObject(body.metadata.labels) ? body.metadata.labels : {};
    for (const [key, value] of Object.entries(match.labels)) if (labels[key] !== value) return false;
  }
  return true;
}

function linkerOfRule(rule: LinkRule): Linker {
  const steps = compileFieldPath(rule.path)!;
  const { target } = rule;
  const kind = target.kind ?? kindForResource(target.apiGroup, target.resource);
  return {
    name: `rule:${rule.name}`,
    claims(body, self) {
      if (!matches(rule, body, self)) return [];
      const namespace = target.namespace === undefined ? "" : target.namespace === "same" ? self.namespace : target.namespace;
      return stringsAtPath(body, steps).map(
        (name): RelationClaim => ({
          kind: rule.relation,
          role: rule.role,
          other: { apiGroup: target.apiGroup, resource: target.resource, namespace, name, ...(kind ? { kind } : {}) },
        }),
      );
    },
  };
}
