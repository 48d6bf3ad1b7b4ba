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

const t = initTRPC.context<DashboardContext>().create();

export const router = t.router;
export const procedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
