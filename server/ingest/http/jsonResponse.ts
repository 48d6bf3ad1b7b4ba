/** A JSON error answer: `{"error": {"code", "message", ...details}}`. */
export function errorResponse(status: number, code: string, message: string, extra: { headers?: Record<string, string>; details?: Record<string, unknown> } = {}): Response {
  return Response.json({ error: { code, message, ...extra.details } }, { status, headers: extra.headers });
}
