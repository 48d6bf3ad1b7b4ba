import { TRPCError } from "@trpc/server";
import { loadTimeline, loadTimelineEntry } from "../../query/timeline/load";
import { procedure, router } from "../init";
import { entryInput, timelineInput } from "./objects.schema";

/** One object's page: its hierarchy over a range as a timeline, and one history entry whole for the side panel. */
export const objectsRouter = router({
  timeline: procedure.input(timelineInput).query(async ({ ctx, input }) => {
    const timeline = await loadTimeline(ctx.sql, input, {
      maxDepth: ctx.config.traceMaxDepth,
      jaeger: { basePath: ctx.config.jaegerBasePath, uiServed: ctx.config.jaegerUiDir !== null },
    });
    if (!timeline) throw new TRPCError({ code: "NOT_FOUND", message: `no object ${input.id}` });
    return timeline;
  }),
  entry: procedure.input(entryInput).query(async ({ ctx, input }) => {
    const entry = await loadTimelineEntry(ctx.sql, input.id);
    if (!entry) throw new TRPCError({ code: "NOT_FOUND", message: `no history entry ${input.id}` });
    return entry;
  }),
});
