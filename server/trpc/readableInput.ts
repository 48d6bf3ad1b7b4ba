import type { z } from "zod";

/**
 * A procedure's input parser that rejects with one readable sentence per problem, naming the
 * field: `from: expected an ISO 8601 instant…; depth: must be 1..15`. tRPC answers a parser's
 * error with 400 BAD_REQUEST and the error's message; zod's own message is its issues as JSON.
 */
export function readableInput<Schema extends z.ZodType>(schema: Schema): (raw: unknown) => z.output<Schema> {
  return (raw) => {
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    throw new Error(result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "input"}: ${issue.message}`).join("; "));
  };
}
