/**
 * Runs once when the Next.js server starts. The Node.js part opens the store (applying
 * migrations) and prepares ingestion, so that a wrong setting stops the server at once
 * with a message that names it, rather than at the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    const { startKubetrail } = await import("./server/app/startup");
    await startKubetrail();
  }
}
