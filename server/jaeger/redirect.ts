import { z } from "zod";
import type { Sql } from "../store/database";
import type { ObjectRow } from "../query/history";
import { encodeTraceId, MAX_SECONDS, traceQueryOf } from "../query/trace/traceId";
import { answer, jsonResponse, parseRfc3339Micros, parseQuery, readQuery, verbatim } from "./params";
import { parseResource } from "./searchTags";
import { serviceNameOf } from "../query/trace/display/common";
import { prefersHtml } from "./prefersHtml";
import { ambiguousPage, htmlResponse, notFoundPage, type SearchCriteria } from "./redirectPage";

/**
 * `GET /redirect?cluster=&resource=&namespace=&name=&ts=`: a stable link for alerts and chat
 * messages. Finds the object that existed around `ts` (RFC 3339 or unix seconds; default now)
 * and answers 302 to its trace — tracing, full tree, ts ± 30 minutes — in the Jaeger UI when
 * it is served, else in the v1 API. 404 when no object matches, 409 listing the candidates
 * when several do (a name in several namespaces or clusters, or deleted and recreated). A browser
 * (prefersHtml) gets those two as pages with a way on (redirectPage), API clients as JSON.
 */

export const REDIRECT_WINDOW_MS = 30 * 60_000;
const CANDIDATE_LIMIT = 20;

export interface RedirectDeps {
  db: Sql;
  basePath: string;
  /** Whether the Jaeger UI is served (JAEGER_UI_DIR): then links open it, else the API. */
  uiServed: boolean;
  /** The dashboard's URLs, which the pages for a browser link to. */
  dashboard: DashboardLinks;
}

/** The dashboard's URLs (components/), given by the route, as server/ code does not import the UI's. */
export interface DashboardLinks {
  /** The search page for these criteria over any time. */
  search(criteria: SearchCriteria): string;
  /** The object page of `objectId` over [from, to) (ISO-8601 instants). */
  object(objectId: number, range: { from: string; to: string }): string;
}

const timestamp = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return Date.now();
    const micros = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1e6 : parseRfc3339Micros(value);
    if (micros === null) {
      ctx.addIssue({ code: "custom", message: `expected an RFC 3339 time or unix seconds, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    const ms = Math.floor(micros / 1000);
    // The window around it must fit a trace ID (1970..2106).
    if (ms < REDIRECT_WINDOW_MS || ms + REDIRECT_WINDOW_MS > MAX_SECONDS * 1000) {
      ctx.addIssue({ code: "custom", message: `must be between 1970 and 2106, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });

const required = (name: string) => z.string({ error: verbatim(`parameter '${name}' is required`) });

const redirectSchema = z.object({
  cluster: z.string().optional(),
  resource: required("resource"),
  namespace: z.string().optional(),
  name: required("name"),
  ts: timestamp,
});

type Candidate = Pick<ObjectRow, "id" | "cluster" | "apiGroup" | "resource" | "kind" | "namespace" | "name" | "uid">;

/** Objects that existed at some time in [$6, $7): seen before its end, not deleted before its start. */
export const REDIRECT_CANDIDATES_SQL = `
  SELECT o.id, c.name AS cluster, o.api_group AS "apiGroup", o.resource, o.kind, o.namespace, o.name, o.uid
    FROM objects o JOIN clusters c ON c.id = o.cluster_id
   WHERE o.name = $1
     AND (o.resource = $2 OR lower(o.kind) = lower($2))
     AND ($3::text IS NULL OR o.api_group = $3)
     AND ($4::text IS NULL OR o.namespace = $4)
     AND ($5::text IS NULL OR c.name = $5)
     AND o.first_seen < $7 AND (o.deleted_at IS NULL OR o.deleted_at >= $6)
   ORDER BY o.last_seen DESC, o.id DESC
   LIMIT ${CANDIDATE_LIMIT}`;

/**
 * The trace of object `objectId` around `ts` (ms), as /redirect answers it: tracing, full tree,
 * ts ± 30 minutes, in the Jaeger UI when it is served, else in the v1 API. For a page that knows
 * the object, not only its name, which a recreated object shares with the ones before it.
 */
export function traceLinkOf(objectId: number, ts: number, deps: Pick<RedirectDeps, "basePath" | "uiServed">): { traceId: string; location: string } {
  const traceId = encodeTraceId(traceQueryOf({ rootObjectId: objectId, start: new Date(ts - REDIRECT_WINDOW_MS), end: new Date(ts + REDIRECT_WINDOW_MS) }));
  return { traceId, location: traceLocationOf(traceId, deps) };
}

/** Where trace `traceId` is shown: its page in the Jaeger UI when it is served, else the v1 API. */
export function traceLocationOf(traceId: string, deps: Pick<RedirectDeps, "basePath" | "uiServed">): string {
  return deps.uiServed ? `${deps.basePath}/trace/${traceId}` : `${deps.basePath}/api/traces/${traceId}`;
}

/**
 * What would tell apart the objects that a /redirect matched: the parameters not given in which
 * they differ, or, when they share cluster, group and namespace, that the name was deleted and
 * created again in the window and only picking one of them (or another `ts`) helps.
 */
export function ambiguityHint(candidates: ReadonlyArray<Pick<Candidate, "cluster" | "apiGroup" | "resource" | "namespace">>, given: { cluster?: string; namespace?: string }): string {
  const differ = (key: "cluster" | "apiGroup" | "namespace") => new Set(candidates.map((candidate) => candidate[key])).size > 1;
  const grouped = candidates.find((candidate) => candidate.apiGroup !== "");
  const narrowing = [
    ...(given.cluster === undefined && differ("cluster") ? ["cluster"] : []),
    ...(differ("apiGroup") && grouped ? [`the API group to resource (${grouped.resource}.${grouped.apiGroup})`] : []),
    ...(given.namespace === undefined && differ("namespace") ? ["namespace"] : []),
  ];
  if (narrowing.length > 0) return `add ${narrowing.join(" or ")}, or pick one`;
  return "the name was deleted and created again in this window: pick one, or give another ts";
}

function error(status: number, code: string, message: string, details: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return jsonResponse({ error: { code, message, ...details } }, { status, headers });
}

/** On the answers that depend on prefersHtml: a cache must not give a browser's page to an API client, or the other way round. */
const NEGOTIATED = { vary: "Accept" };

export function handleRedirect(request: Request, deps: RedirectDeps): Promise<Response> {
  return answer(request, () => redirect(request, deps), (status, message) => error(status, status === 400 ? "bad_parameter" : "internal", message));
}

async function redirect(request: Request, deps: RedirectDeps): Promise<Response> {
  const query = parseQuery(redirectSchema, readQuery(new URL(request.url).searchParams, ["cluster", "resource", "namespace", "name", "ts"]), (param, reason) => `parameter '${param}': ${reason}`);
  const { resource, apiGroup } = parseResource(query.resource.trim());
  const start = new Date(query.ts - REDIRECT_WINDOW_MS);
  const end = new Date(query.ts + REDIRECT_WINDOW_MS);
  const rows = (
    await deps.db.query<Candidate>(REDIRECT_CANDIDATES_SQL, [query.name, resource, apiGroup ?? null, query.namespace ?? null, query.cluster ?? null, start, end])
  ).rows;
  const described = Object.entries({ cluster: query.cluster, resource: query.resource, namespace: query.namespace, name: query.name })
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
  const around = `${start.toISOString()} .. ${end.toISOString()}`;
  const browser = prefersHtml(request.headers.get("accept"));
  if (rows.length === 0) {
    const message = `no object with ${described} existed in ${around}`;
    if (!browser) return error(404, "not_found", message, {}, NEGOTIATED);
    // The resource as the search's kind takes it (a kind or plural resource, without a group).
    const criteria = { cluster: query.cluster, namespace: query.namespace, kind: resource, name: query.name };
    return htmlResponse(404, notFoundPage(message, { criteria, href: deps.dashboard.search(criteria) }), NEGOTIATED);
  }

  const linkOf = (row: Candidate) => traceLinkOf(Number(row.id), query.ts, deps);
  if (rows.length > 1) {
    const candidates = rows.map((row) => ({
      cluster: row.cluster,
      service: serviceNameOf(row),
      apiGroup: row.apiGroup,
      resource: row.resource,
      namespace: row.namespace,
      name: row.name,
      uid: row.uid,
      ...linkOf(row),
    }));
    const message = `${rows.length}${rows.length === CANDIDATE_LIMIT ? "+" : ""} objects with ${described} existed in ${around}; ${ambiguityHint(rows, query)}`;
    if (!browser) return error(409, "ambiguous", message, { candidates }, NEGOTIATED);
    // Each object page opens on the window the trace would have shown.
    const range = { from: start.toISOString(), to: end.toISOString() };
    const links = rows.map((row, index) => ({ ...candidates[index]!, objectHref: deps.dashboard.object(Number(row.id), range), traceHref: candidates[index]!.location }));
    return htmlResponse(409, ambiguousPage(message, links, { traceLabel: deps.uiServed ? "Jaeger trace" : "Trace JSON" }), NEGOTIATED);
  }
  const { traceId, location } = linkOf(rows[0]!);
  return new Response(JSON.stringify({ traceId, location }), { status: 302, headers: { location, "content-type": "application/json" } });
}
