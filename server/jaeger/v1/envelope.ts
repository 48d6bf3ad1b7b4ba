import { answer, jsonResponse, wantsPrettyPrint } from "../params";

/**
 * The v1 envelope, as Jaeger's query service writes it (`structuredResponse` in
 * http_handler.go): `{data, total, limit, offset, errors}`; on failure `data` is null and
 * `errors` is `[{code, msg}]`; on success `errors` is null.
 */
export interface V1Error {
  code?: number;
  msg: string;
  traceID?: string;
}

export interface V1Envelope<T> {
  data: T | null;
  total: number;
  limit: number;
  offset: number;
  errors: V1Error[] | null;
}

export function v1Data<T>(request: Request, data: T, options: { total?: number; errors?: V1Error[] } = {}): Response {
  const body: V1Envelope<T> = { data, total: options.total ?? 0, limit: 0, offset: 0, errors: options.errors ?? null };
  return jsonResponse(body, { pretty: wantsPrettyPrint(new URL(request.url).searchParams) });
}

export function v1Error(request: Request, status: number, msg: string): Response {
  const body: V1Envelope<never> = { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: status, msg }] };
  return jsonResponse(body, { status, pretty: wantsPrettyPrint(new URL(request.url).searchParams) });
}

/** Runs a v1 handler: a bad parameter is a 400 naming it, anything else a 500, in the envelope. Never throws. */
export function v1Handle(request: Request, work: () => Promise<Response>): Promise<Response> {
  return answer(request, work, (status, message) => v1Error(request, status, message));
}
