import type { z } from "zod";

/** The Standard Schema interface (standardschema.dev) that tRPC takes as a procedure's input parser. */
interface StandardSchema<Input, Output> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => { value: Output; issues?: undefined } | { issues: ReadonlyArray<{ message: string }> };
    readonly types?: { readonly input: Input; readonly output: Output };
  };
}

/** Each issue as `<field>: <message>`, joined: `from: expected an ISO 8601 instant…; depth: must be 1..15`. */
export function readableIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "input"}: ${issue.message}`).join("; ");
}

/**
 * `schema` as a procedure's input parser that rejects with one readable sentence naming every
 * problem. tRPC answers a rejected input with 400 BAD_REQUEST and a message: zod's own is its
 * issues as JSON, a Standard Schema's only its first issue's message. The types stay zod's: the
 * client sends the schema's input (ISO strings), the procedure gets its output (Dates).
 */
export function readableInput<Schema extends z.ZodType>(schema: Schema): StandardSchema<z.input<Schema>, z.output<Schema>> {
  return {
    "~standard": {
      version: 1,
      vendor: "kubetrail",
      validate(value) {
        const result = schema.safeParse(value);
        return result.success ? { value: result.data } : { issues: [{ message: readableIssues(result.error) }] };
      },
    },
  };
}
