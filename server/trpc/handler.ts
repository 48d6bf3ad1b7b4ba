import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { DashboardContext } from "./init";
import { appRouter } from "./router";

/** Where the dashboard's API is served (app/api/trpc/[trpc]/route.ts). */
const DASHBOARD_API_ENDPOINT = "/api/trpc";

/**
 * Answers one request to the dashboard's API. An unexpected failure answers 500 with a message
 * that says nothing of it (init.ts), so it is logged here, whole, for whoever runs the server.
 */
export function handleDashboardApi(request: Request, createContext: () => Promise<DashboardContext>): Promise<Response> {
  return fetchRequestHandler({
    endpoint: DASHBOARD_API_ENDPOINT,
    req: request,
    router: appRouter,
    createContext,
    onError({ error, path }) {
      if (error.code !== "INTERNAL_SERVER_ERROR") return;
      const cause = error.cause ?? error;
      console.error(`kubetrail: dashboard API ${path ?? "(no procedure)"} failed: ${cause.stack ?? cause.message}`);
    },
  });
}
