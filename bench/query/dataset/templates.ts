import { loadConfig } from "../../../server/config/config";
import { convertOptionsOf, createAuditIngestor } from "../../../server/ingest/audit/ingest";
import { hmacFingerprint } from "../../../server/model/redact/redact";
import type { Database } from "../../../server/store/database";
import { openshiftCascade } from "../../../server/testing/scenarios/openshiftCascade";
import { rolloutScenario } from "../../../server/testing/scenarios/rollout";
import { copyText } from "./copyText";
import { TEMPLATE_ENDPOINT_PODS, templateEvents } from "./templateEvents";

/**
 * Real history rows to copy from. The OpenShift rollout (server/testing/scenarios/
 * openshiftCascade.ts: the real Deployment, ReplicaSets and Pods of an OpenShift 4.8
 * must-gather), the rollout scenario (rollout.ts: the same Deployment scaled, updated, a no-op
 * update and a refused stale update) and the events of templateEvents.ts go through
 * Kubetrail's own audit ingestor, so every row's details, diff and snapshot is what Kubetrail
 * stores for such a write. Those rows stay in the database (three small clusters) and become
 * templates: each object's names, uids, Nodes, actor and dates are replaced by placeholders
 * that the generated rows fill in with their own.
 */

export const TEMPLATE_CLUSTERS = { openshift: "openshift", rollout: "openshift-rollout", templates: "templates" } as const;

/** What a generated row puts in place of the template object's own values. */
export const TOKENS = ["namespace", "name", "uid", "parentName", "parentUid", "node", "pod", "actor", "date"] as const;
export type TokenName = (typeof TOKENS)[number];
/** Each placeholder's index in TOKENS, and so in the values a row fills in. */
export const TOKEN_INDEX = Object.fromEntries(TOKENS.map((name, index) => [name, index])) as Record<TokenName, number>;

/** A JSON text cut at its placeholders: parts[0] value(tokens[0]) parts[1] … ; parts already escaped for COPY's text format. */
export interface TemplateText {
  parts: string[];
  tokens: number[];
}

/** One real history row, ready to be copied for another object. */
export interface EntryTemplate {
  /** `<resource>:<verb>[/<subresource>]:<actor class>[:failed][:noop]`, e.g. `pods:patch/status:kubelet`. */
  role: string;
  verb: string;
  subresource: string;
  statusCode: number | null;
  /** The actor of the template row; a generated row may have another. */
  actor: string;
  userAgent: string | null;
  /** The title after the actor (` update status`, ` update (Conflict)`). */
  titleSuffix: string;
  noop: boolean;
  stage: string | null;
  durationMicros: number;
  details: TemplateText;
  diff: TemplateText | null;
  snapshot: TemplateText | null;
}

/** Feeds the template sources through the real ingestor (what the webhook does with them). */
export async function ingestTemplateSources(db: Database): Promise<number> {
  const config = loadConfig({ KUBETRAIL_INGEST_TOKEN: "bench-query-0123456789abcdef" });
  const ingestor = createAuditIngestor(db, convertOptionsOf(config, hmacFingerprint("bench-query-redaction-key")));
  const sources: Array<[string, unknown[]]> = [
    [TEMPLATE_CLUSTERS.openshift, openshiftCascade().map((step) => step.event)],
    [TEMPLATE_CLUSTERS.rollout, rolloutScenario().map((step) => step.event)],
    [TEMPLATE_CLUSTERS.templates, templateEvents()],
  ];
  let history = 0;
  for (const [cluster, events] of sources) {
    const summary = await ingestor.ingest(cluster, events);
    if (summary.rejected.length > 0 || summary.history !== events.length) {
      throw new Error(`template events of ${cluster}: ${summary.history} of ${events.length} stored; rejected: ${JSON.stringify(summary.rejected)}`);
    }
    history += summary.history;
  }
  return history;
}

/** The class of an actor that a role names: the controller, kubelet, scheduler, or "user" for people and operators. */
function actorClass(actor: string): string {
  if (actor.startsWith("system:node:")) return "kubelet";
  if (actor === "system:kube-scheduler") return "scheduler";
  if (actor.startsWith("system:serviceaccount:kube-system:")) return actor.slice("system:serviceaccount:kube-system:".length).replace("generic-", "");
  return "user";
}

export function roleOf(row: { resource: string; verb: string; subresource: string; actor: string; statusCode: number | null; noop: boolean }): string {
  return (
    `${row.resource}:${row.verb}${row.subresource ? `/${row.subresource}` : ""}:${actorClass(row.actor)}` +
    `${row.statusCode !== null && row.statusCode >= 400 ? ":failed" : ""}${row.noop ? ":noop" : ""}`
  );
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Cuts `text` at the given values. Names match only as a whole path segment or JSON string
 * (`"apiserver"`, `/apiserver/`), so that a Deployment's name doesn't match inside its
 * ReplicaSets' names or its namespace's; uids and the actor match anywhere; dates are the
 * `YYYY-MM-DD` of RFC 3339 timestamps.
 */
function tokenize(text: string, values: Array<{ value: string; token: TokenName; whole: boolean }>): TemplateText {
  const alternatives = values
    .filter((v) => v.value !== "")
    .sort((a, b) => b.value.length - a.value.length)
    .map((v) => ({ ...v, source: v.whole ? `(?<=["/])${escapeRegExp(v.value)}(?=["/?])` : escapeRegExp(v.value) }));
  const pattern = new RegExp([...alternatives.map((a) => `(${a.source})`), "(\\d{4}-\\d{2}-\\d{2})(?=T\\d{2}:)"].join("|"), "g");
  const parts: string[] = [];
  const tokens: number[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const group = match.slice(1).findIndex((g) => g !== undefined);
    const token = group < alternatives.length ? alternatives[group]!.token : "date";
    parts.push(copyText(text.slice(last, match.index)));
    tokens.push(TOKEN_INDEX[token]);
    last = match.index + match[0].length;
  }
  parts.push(copyText(text.slice(last)));
  return { parts, tokens };
}

/** `template` with its placeholders filled in from `values` (indexed like TOKENS). */
export function render(template: TemplateText, values: readonly string[]): string {
  const { parts, tokens } = template;
  let out = parts[0]!;
  for (let i = 0; i < tokens.length; i++) out += values[tokens[i]!]! + parts[i + 1]!;
  return out;
}

interface TemplateRow {
  objectId: number;
  resource: string;
  namespace: string;
  name: string;
  uid: string | null;
  verb: string;
  subresource: string;
  statusCode: number | null;
  actor: string;
  userAgent: string | null;
  title: string;
  noop: boolean;
  stage: string | null;
  durationMicros: number;
  details: string;
  diff: string | null;
  snapshot: string | null;
}

/** The templates by role, each role with every real row that has it (variants). */
export class TemplateSet {
  constructor(readonly byRole: ReadonlyMap<string, readonly EntryTemplate[]>) {}

  /** A variant of `role`; throws when the sources have no row of that role. */
  pick(role: string, random: () => number): EntryTemplate {
    const variants = this.byRole.get(role);
    if (!variants || variants.length === 0) throw new Error(`no template row for ${role}; have ${[...this.byRole.keys()].join(", ")}`);
    return variants[Math.floor(random() * variants.length)]!;
  }

  get rows(): number {
    let count = 0;
    for (const variants of this.byRole.values()) count += variants.length;
    return count;
  }
}

/** Reads the template clusters' rows back and cuts them into templates. */
export async function loadTemplates(db: Database): Promise<TemplateSet> {
  const clusters = Object.values(TEMPLATE_CLUSTERS);
  const rows = (
    await db.query<TemplateRow>(
      `SELECT o.id AS "objectId", o.resource, o.namespace, o.name, o.uid, h.verb, h.subresource, h.status_code AS "statusCode",
              h.actor, h.user_agent AS "userAgent", h.title, h.noop, h.stage,
              (extract(epoch FROM h.end_time - h.start_time) * 1000000)::bigint AS "durationMicros",
              h.details::text AS details, h.diff::text AS diff, h.snapshot::text AS snapshot
         FROM history_entries h JOIN objects o ON o.id = h.object_id JOIN clusters c ON c.id = h.cluster_id
        WHERE c.name = ANY($1::text[]) ORDER BY h.id`,
      [clusters],
    )
  ).rows;
  const parents = new Map(
    (
      await db.query<{ childId: number; name: string; uid: string | null }>(
        `SELECT DISTINCT r.to_object_id AS "childId", p.name, p.uid FROM relations r JOIN objects p ON p.id = r.from_object_id
          WHERE r.kind = 'controller-owner' AND r.cluster_id IN (SELECT id FROM clusters WHERE name = ANY($1::text[]))`,
        [clusters],
      )
    ).rows.map((row) => [Number(row.childId), row]),
  );
  const nodeNames = (await db.query<{ name: string }>(`SELECT DISTINCT name FROM objects WHERE resource = 'nodes'`)).rows.map((row) => row.name);

  const byRole = new Map<string, EntryTemplate[]>();
  for (const row of rows) {
    const parent = parents.get(Number(row.objectId));
    const values = [
      { value: row.namespace, token: "namespace" as const, whole: true },
      { value: row.name, token: "name" as const, whole: true },
      { value: row.uid ?? "", token: "uid" as const, whole: false },
      { value: parent?.name ?? "", token: "parentName" as const, whole: true },
      { value: parent?.uid ?? "", token: "parentUid" as const, whole: false },
      { value: row.actor, token: "actor" as const, whole: false },
      ...nodeNames.filter((n) => n !== row.name).map((value) => ({ value, token: "node" as const, whole: true })),
      ...(row.resource === "endpointslices" ? TEMPLATE_ENDPOINT_PODS.map((value) => ({ value, token: "pod" as const, whole: true })) : []),
    ];
    const role = roleOf(row);
    const template: EntryTemplate = {
      role,
      verb: row.verb,
      subresource: row.subresource,
      statusCode: row.statusCode,
      actor: row.actor,
      userAgent: row.userAgent,
      titleSuffix: row.title.startsWith(row.actor) ? row.title.slice(row.actor.length) : ` ${row.verb}`,
      noop: row.noop,
      stage: row.stage,
      durationMicros: Math.max(1, Number(row.durationMicros)),
      details: tokenize(row.details, values),
      diff: row.diff === null ? null : tokenize(row.diff, values),
      snapshot: row.snapshot === null ? null : tokenize(row.snapshot, values),
    };
    const list = byRole.get(role);
    if (list) list.push(template);
    else byRole.set(role, [template]);
  }
  return new TemplateSet(byRole);
}

