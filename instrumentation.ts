/**
 * Runs once when the Next.js server starts: opens the store (applying migrations) and
 * prepares ingestion, so that a wrong setting stops the server at once with a message
 * that names it, rather than at the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { getAppContext } = await import("./server/app/context");
  try {
    await getAppContext();
  } catch (error) {
    console.error(`kubetrail: cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
}
