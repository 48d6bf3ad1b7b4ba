/**
 * What an unexpected failure says to a client of any of Kubetrail's APIs (the dashboard's, the
 * Jaeger-compatible ones): the details (a database's message naming tables and values, a stack)
 * go to the server's log, never into an answer.
 */
export const INTERNAL_ERROR_MESSAGE = "internal error: the server's log has the details";
