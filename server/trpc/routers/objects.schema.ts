import { z } from "zod";
import { isoOfMicros } from "../../model/time/instant";
import { INSTANT_FORMAT, instantInputMicros } from "../instantInput";
import { MAX_ENCODABLE_DEPTH } from "../../query/trace/traceId";
import { RELATION_MODES } from "../../query/trace/types";

/** The inputs of the objects router's procedures (objects.ts), with messages that name the problem. */

/** Values quoted in a message at most this long: a message names what was sent, it doesn't send it back. */
const MAX_SHOWN_CHARS = 64;

/** A value as a message quotes it: JSON, cut at MAX_SHOWN_CHARS. */
function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? "nothing";
  return json.length <= MAX_SHOWN_CHARS ? json : `${json.slice(0, MAX_SHOWN_CHARS)}… (${json.length} characters)`;
}

/** A whole number in [min, max], every way of missing it told the same way, once (1e20 misses two of zod's checks). */
function wholeNumber(min: number, max: number, expected: string) {
  const error = (issue: { input?: unknown }) => `must be ${expected}, got ${shown(issue.input)}`;
  return z.number({ error }).refine((n) => Number.isSafeInteger(n) && n >= min && n <= max, { error });
}

/**
 * A row's id (bigint in the store) as JSON can carry it exactly: up to 2^53 - 1. Not limited to
 * what a trace ID holds (2^48 - 1): an object beyond has a page, only no Jaeger link.
 */
const rowId = (what: string) => wholeNumber(1, Number.MAX_SAFE_INTEGER, `${what} (a positive integer)`);

/**
 * An instant with its offset (`2021-09-13T14:53:16Z`, `…16.005855Z`, `…16.25+02:00`) in the years
 * the store holds, as µs since the epoch: the page zooms to milliseconds, and writes its URL to the µs.
 */
const instant = z.string(INSTANT_FORMAT).transform((text, ctx) => instantInputMicros(text, ctx) ?? z.NEVER);

const NOT_AN_OBJECT = { error: 'expected an object such as {"id": 123}' };

export const timelineInput = z
  .object(
    {
      id: rowId("an object id"),
      relations: z.enum(RELATION_MODES, { error: (issue) => `must be one of ${RELATION_MODES.join(", ")}, got ${shown(issue.input)}` }).default("full"),
      from: instant.optional(),
      to: instant.optional(),
      depth: wholeNumber(1, MAX_ENCODABLE_DEPTH, `1..${MAX_ENCODABLE_DEPTH}`).optional(),
    },
    NOT_AN_OBJECT,
  )
  .superRefine((input, ctx) => {
    if ((input.from === undefined) !== (input.to === undefined)) {
      ctx.addIssue({ code: "custom", path: [input.from === undefined ? "from" : "to"], message: "give both from and to, or neither (the object's lifetime)" });
    } else if (input.from !== undefined && input.to !== undefined && input.from >= input.to) {
      ctx.addIssue({ code: "custom", path: ["from"], message: `must be before to (${isoOfMicros(input.from)} is not before ${isoOfMicros(input.to)})` });
    }
  })
  .transform(({ from, to, ...rest }) => ({ ...rest, range: from !== undefined && to !== undefined ? { startMicros: from, endMicros: to } : undefined }));

export const entryInput = z.object({ id: rowId("a history entry id") }, NOT_AN_OBJECT);
