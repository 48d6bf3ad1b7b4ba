import { z } from "zod";
import { MAX_ENCODABLE_DEPTH, MAX_ROOT_OBJECT_ID, MAX_SECONDS } from "../../query/trace/traceId";
import { RELATION_MODES } from "../../query/trace/types";

/** The inputs of the objects router's procedures (objects.ts), with messages that name the problem. */

const shown = (value: unknown) => JSON.stringify(value) ?? "nothing";

/** A whole number in [min, max], every way of missing it told the same way. */
function wholeNumber(min: number, max: number, expected: string) {
  const error = (issue: { input?: unknown }) => `must be ${expected}, got ${shown(issue.input)}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const objectId = (what: string) => wholeNumber(1, MAX_ROOT_OBJECT_ID, `${what} (a positive integer)`);

const INSTANT_EXAMPLE = "an ISO 8601 instant such as 2021-09-13T14:53:16Z";

/** An instant with its offset (`2021-09-13T14:53:16Z`, `…16.25+02:00`) that a trace ID can hold (1970..2106). */
const instant = z.string({ error: (issue) => `expected ${INSTANT_EXAMPLE}, got ${shown(issue.input)}` }).transform((value, ctx) => {
  const time = z.iso.datetime({ offset: true }).safeParse(value).success ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    ctx.addIssue({ code: "custom", message: `expected ${INSTANT_EXAMPLE}, got ${shown(value)}` });
    return z.NEVER;
  }
  if (time < 0 || time > MAX_SECONDS * 1000) {
    ctx.addIssue({ code: "custom", message: `must be between 1970 and 2106, got ${shown(value)}` });
    return z.NEVER;
  }
  return new Date(time);
});

const NOT_AN_OBJECT = { error: 'expected an object such as {"id": 123}' };

export const timelineInput = z
  .object(
    {
      id: objectId("an object id"),
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
    } else if (input.from && input.to && input.from.getTime() >= input.to.getTime()) {
      ctx.addIssue({ code: "custom", path: ["from"], message: `must be before to (${input.from.toISOString()} is not before ${input.to.toISOString()})` });
    }
  });

export const entryInput = z.object({ id: objectId("a history entry id") }, NOT_AN_OBJECT);
