import { z } from "zod";
import { instantMicros, isStorableInstant } from "../model/time/instant";

/** How every dashboard procedure refuses an instant, whatever the field: one wording for each problem. */
export const INSTANT_FORMAT = "must be an ISO-8601 instant with a time zone, e.g. 2021-09-13T14:00:00Z";
export const INSTANT_YEARS = "must be in the years 0001–9999 (UTC), the instants the store holds";

/** Longer, and it is no instant: read no further. */
const MAX_INSTANT_CHARS = 64;

/**
 * An instant as a procedure's input gives it (ISO 8601 with an offset, to the µs:
 * server/model/time/instant.ts), as µs since the epoch; null, with the problem added to `ctx`,
 * when it is not one or outside the years the store holds (Postgres has no year 0, and reads no
 * year of five digits: such a parameter failed the statement).
 */
export function instantInputMicros(text: string, ctx: z.RefinementCtx): number | null {
  const micros = text.length <= MAX_INSTANT_CHARS ? instantMicros(text) : null;
  if (micros === null) {
    ctx.addIssue({ code: "custom", message: INSTANT_FORMAT });
    return null;
  }
  if (!isStorableInstant(text)) {
    ctx.addIssue({ code: "custom", message: INSTANT_YEARS });
    return null;
  }
  return micros;
}
