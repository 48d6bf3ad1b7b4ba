import { REDACTED } from "../../ingest/audit/types";
import { redactCommandLine } from "./commandLine";
import { readParameter, redactQuery } from "./urlSecrets";

/** The marker as a query value: `%3Credacted%3E`, so that the URI stays a valid one. */
const REDACTED_IN_QUERY = encodeURIComponent(REDACTED);

/**
 * A request URI as Kubetrail keeps and shows it: the values of the query's parameters whose
 * names are sensitive (`?token=`, `X-Amz-Signature=`: a proxied request's) shown as REDACTED,
 * and the `command` parameters of an exec (`?command=mysql&command=-pS3cret`, one argument
 * each) read together as a command line with its secrets cut out (commandLine.ts). The path,
 * and every part of the query that had nothing to cut, stay byte for byte as they were; a
 * parameter that did is written again as client-go encodes one. Applying it again changes nothing.
 */
export function redactRequestUri(requestUri: string): string {
  const queryStart = requestUri.indexOf("?");
  if (queryStart < 0) return requestUri;
  const parts = redactQuery(requestUri.slice(queryStart + 1), REDACTED_IN_QUERY).split("&");
  const commandAt = parts.flatMap((part, at) => (readParameter(part).name === "command" ? [at] : []));
  if (commandAt.length > 0) {
    const args = commandAt.map((at) => readParameter(parts[at]!).value);
    const redacted = redactCommandLine(args);
    commandAt.forEach((at, i) => {
      if (redacted[i] !== args[i]) parts[at] = `${readParameter(parts[at]!).writtenName}${queryEncoded(redacted[i]!)}`;
    });
  }
  return `${requestUri.slice(0, queryStart + 1)}${parts.join("&")}`;
}

/** A query value encoded as Go's url.QueryEscape does it (which kubectl's exec uses): a space as `+`. */
function queryEncoded(value: string): string {
  return encodeURIComponent(value).replaceAll("%20", "+");
}
