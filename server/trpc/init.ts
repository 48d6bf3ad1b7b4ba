import { initTRPC, type TRPCError } from "@trpc/server";
import type { Config } from "../config/config";
import type { Sql } from "../store/database";
import { INTERNAL_ERROR_MESSAGE } from "../app/internalError";

/**
 * What every dashboard procedure may use: the store and the configuration. Procedures stay
 * thin: they validate their input (zod) and call the plain query modules in server/query.
 */
export interface DashboardContext {
  sql: Sql;
  config: Pick<Config, "jaegerBasePath" | "jaegerUiDir" | "traceMaxDepth">;
}

/** A validation problem as zod (or any Standard Schema validator, whose issues may have no path) reports it. */
interface Issue {
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  message: string;
}

function issuesOf(cause: unknown): Issue[] | null {
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) && issues.length > 0 ? (issues as Issue[]) : null;
}

/** `field: problem` for each issue, e.g. `limit: must be from 1 to 500; from: must be before to`. */
function describeIssues(issues: Issue[]): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((part) => String(typeof part === "object" ? part.key : part)).join(".");
      // The input as a whole (null, an array): named too, so that every message says what it is about.
      return `${path === "" ? "input" : path}: ${issue.message}`;
    })
    .join("; ");
}

/** The message a client sees for `error`: each refused field and its problem, or nothing of the server's internals. */
function messageOf(error: TRPCError): string {
  if (error.code === "INTERNAL_SERVER_ERROR") return INTERNAL_ERROR_MESSAGE;
  if (error.code !== "BAD_REQUEST") return error.message;
  // zod's own message is its issues as JSON.
  const issues = issuesOf(error.cause);
  if (issues !== null) return describeIssues(issues);
  // A GET's ?input= that is not JSON (tRPC's message is JSON.parse's alone).
  if (error.cause instanceof SyntaxError) return `input: must be JSON (${error.cause.message})`;
  return error.message;
}

const t = initTRPC.context<DashboardContext>().create({
  // A message the dashboard can show as it is, and never a stack: tRPC adds the server's stack
  // to every error outside production, which would show paths and SQL to any client.
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message: messageOf(error), data };
  },
});

export const router = t.router;
export const procedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
