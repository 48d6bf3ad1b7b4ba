import { initTRPC } from "@trpc/server";
import type { Config } from "../config/config";
import type { Sql } from "../store/database";

/**
 * What every dashboard procedure may use: the store and the configuration. Procedures stay
 * thin: they validate their input (zod) and call the plain query modules in server/query.
 */
export interface DashboardContext {
  sql: Sql;
  config: Pick<Config, "jaegerBasePath" | "jaegerUiDir" | "traceMaxDepth">;
}

/** A validation problem as zod (or any Standard Schema validator) reports it. */
interface Issue {
  path: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
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
      const path = issue.path.map((part) => String(typeof part === "object" ? part.key : part)).join(".");
      return path === "" ? issue.message : `${path}: ${issue.message}`;
    })
    .join("; ");
}

const t = initTRPC.context<DashboardContext>().create({
  // Input the validator refused: a message that names each field and its problem (zod's own is
  // its issues as JSON), so the dashboard can show it as it is.
  errorFormatter({ shape, error }) {
    const issues = error.code === "BAD_REQUEST" ? issuesOf(error.cause) : null;
    return issues === null ? shape : { ...shape, message: describeIssues(issues) };
  },
});

export const router = t.router;
export const procedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
