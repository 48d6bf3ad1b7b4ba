import { z } from "zod";
import { listKindNames } from "../../query/kinds";
import { listNamespaces } from "../../query/namespaces";
import { TRPCError } from "@trpc/server";
import { searchObjects, SearchCriterionError, type ObjectSearch, type ObjectSearchResult } from "../../query/objectSearch";
import type { Sql } from "../../store/database";
import { INSTANT_FORMAT, instantInputMicros } from "../instantInput";
import { procedure, router } from "../init";

/** Objects listed at most by one search, and by default. */
export const MAX_SEARCH_OBJECTS = 500;
export const DEFAULT_SEARCH_OBJECTS = 100;

/**
 * A criterion: optional, trimmed, "" the same as absent. Only names take `*` patterns
 * (findTraceRoots matches the others exactly): a `*` elsewhere would silently find nothing.
 */
function criterion(maxLength: number, options: { pattern?: boolean } = {}) {
  return z
    .string()
    .trim()
    .max(maxLength, `at most ${maxLength} characters`)
    // Postgres's text holds no NUL character: a parameter with one fails the whole statement.
    .refine((text) => !text.includes("\u0000"), "must not contain a NUL character (\\u0000)")
    .refine((text) => options.pattern === true || !text.includes("*"), "matched exactly: only name takes * patterns")
    .optional()
    .transform((text) => (text === "" ? undefined : text));
}

/** An optional ISO-8601 instant ("" the same as absent) the store can compare with, as a Date. */
const instant = z
  .string(INSTANT_FORMAT)
  .trim()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text === "") return undefined;
    const micros = instantInputMicros(text, ctx);
    return micros === null ? z.NEVER : new Date(Math.floor(micros / 1000));
  });

const LIMIT_RANGE = `must be a whole number from 1 to ${MAX_SEARCH_OBJECTS}`;

const SCOPE = 'must be "cluster" (cluster-scoped objects only) or absent';
/** "cluster": cluster-scoped objects only; "" the same as absent. Text, as the URL has it: the API says what is wrong with other text. */
const scope = z
  .string(SCOPE)
  .trim()
  .refine((text) => text === "" || text === "cluster", SCOPE)
  .optional()
  .transform((text) => (text === "cluster" ? ("cluster" as const) : undefined));

/**
 * What the search page asks. Lengths follow Kubernetes' own bounds: names of objects and
 * clusters up to 253 characters (DNS subdomains), namespaces 63 (DNS labels), kinds 63; user
 * names have no bound of their own (a ServiceAccount's is up to 339), 512 here.
 */
export const objectSearchInput = z
  .strictObject({
    cluster: criterion(253),
    namespace: criterion(63),
    kind: criterion(63),
    name: criterion(253, { pattern: true }),
    user: criterion(512),
    from: instant,
    to: instant,
    scope,
    limit: z.number(LIMIT_RANGE).int(LIMIT_RANGE).min(1, LIMIT_RANGE).max(MAX_SEARCH_OBJECTS, LIMIT_RANGE).default(DEFAULT_SEARCH_OBJECTS),
  })
  .superRefine((input, ctx) => {
    if (input.scope === "cluster" && input.namespace !== undefined) {
      ctx.addIssue({ code: "custom", path: ["namespace"], message: `must be empty with scope cluster: cluster-scoped objects have none (${input.namespace} given)` });
    }
    if (input.from !== undefined && input.to !== undefined && input.from.getTime() >= input.to.getTime()) {
      ctx.addIssue({ code: "custom", path: ["from"], message: `must be before to (${input.from.toISOString()} is not before ${input.to.toISOString()})` });
    }
  })
  // No input at all: every object, any time.
  .prefault({});

/** The namespace suggestions' question: one cluster's, or (no input) every cluster's. */
export const namespacesInput = z.strictObject({ cluster: criterion(253) }).prefault({});

/** searchObjects, with a criterion it cannot tell apart answered as the client's mistake (400). */
async function searchOrRefuse(sql: Sql, input: ObjectSearch): Promise<ObjectSearchResult> {
  try {
    return await searchObjects(sql, input);
  } catch (error) {
    if (error instanceof SearchCriterionError) throw new TRPCError({ code: "BAD_REQUEST", message: error.message, cause: error });
    throw error;
  }
}

/** The dashboard's search page: objects by cluster, namespace or cluster scope, kind, name, user and time range, and the form's choices. */
export const searchRouter = router({
  objects: procedure.input(objectSearchInput).query(({ ctx, input }) => searchOrRefuse(ctx.sql, input)),
  /** The kinds of object in the store, for the kind field's suggestions (objects_kinds_idx). */
  kinds: procedure.query(({ ctx }) => listKindNames(ctx.sql)),
  /**
   * The namespaces of the objects in the store, for the namespace field's suggestions: every
   * cluster's (objects_namespace_first_seen_idx), or the chosen cluster's (objects_identity_idx).
   */
  namespaces: procedure.input(namespacesInput).query(({ ctx, input }) => listNamespaces(ctx.sql, input.cluster === undefined ? {} : { cluster: input.cluster })),
});
