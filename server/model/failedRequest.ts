import type { JsonValue } from "../ingest/audit/types";

/**
 * Whether a stored history entry is a failed request (the write did not happen). Mostly its code
 * says so (300 or more), but a REST storage may return a failed Status as its result instead of
 * as an error, which the handler answers with its success code (kube-apiserver's eviction REST
 * for a Pod under two PodDisruptionBudgets: 201). Ingest tells those apart (convert.ts) and keeps
 * their failure in the details, as it does every failure's, and no success has one.
 */
export function isFailedRequest(statusCode: number | null, details: { readonly failure?: JsonValue; readonly [key: string]: JsonValue | undefined } | null | undefined): boolean {
  return (statusCode !== null && statusCode >= 300) || (details?.failure !== undefined && details.failure !== null);
}
