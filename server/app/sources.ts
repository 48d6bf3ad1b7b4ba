import { sourceStatusSnapshot, type SourceStatus } from "../ingest/sources/sourceStatus";
import { INTERNAL_ERROR_MESSAGE } from "./internalError";

/**
 * `GET /api/sources`: each cluster watched for Events (KUBETRAIL_CLUSTERS), each resource watched
 * in it (KUBETRAIL_WATCH_RESOURCES), and how each is doing:
 * listing, watching, or backing off after a failure, with the last failure's message and the
 * counts of lists, watches and changes taken. Says nothing secret: server URLs and counts, no
 * credentials. Plugins' sources report through the log only.
 */
export async function handleSources(subject: () => Promise<{ sources: SourceStatus[] }>): Promise<Response> {
  try {
    const context = await subject();
    return Response.json({ sources: sourceStatusSnapshot(context.sources) });
  } catch (error) {
    console.error("kubetrail: GET /api/sources failed:", error);
    return Response.json({ error: { code: "internal", message: INTERNAL_ERROR_MESSAGE } }, { status: 500 });
  }
}
