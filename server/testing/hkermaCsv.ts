import fs from "node:fs";
import path from "node:path";
import { FIXTURES_DIR } from "./fixtures";

export const HKERMA_CSV = path.join(FIXTURES_DIR, "hkerma-kubernetes-event-dataset", "audit-logs.csv");

/**
 * The audit events of hkerma/kubernetes-event-dataset as audit.k8s.io/v1 Event JSON objects.
 *
 * The dataset's authors flattened each real (Metadata-level) event into one CSV row with
 * Logstash; this rebuilds the event shape from those columns (see PROVENANCE.md for the 15
 * positional columns). What the CSV lost is derived or left out, as marked below. The file's
 * last row is cut short (its auditID is truncated and it has no stage): it is returned as it
 * stands, so it fails validation like any broken event would.
 */
export function loadHkermaEvents(): unknown[] {
  return parseCsv(fs.readFileSync(HKERMA_CSV, "utf8")).map(eventFromRow);
}

/** Positions of the columns we use (0: the Logstash host, 12–14: unused). */
const COLUMN = {
  requestReceivedTimestamp: 1,
  username: 2,
  verb: 3,
  resource: 4,
  subresource: 5,
  name: 6,
  namespace: 7,
  requestURI: 8,
  auditID: 9,
  stage: 10,
  code: 11,
} as const;

function eventFromRow(row: string[]): Record<string, unknown> {
  const column = (key: keyof typeof COLUMN): string | undefined => nonEmpty(row[COLUMN[key]]);
  const requestURI = column("requestURI") ?? "";
  const received = column("requestReceivedTimestamp");
  const code = column("code");
  const event: Record<string, unknown> = {
    kind: "Event",
    apiVersion: "audit.k8s.io/v1",
    // The recording policy logged everything at Metadata (audit-policy.yaml beside the CSV).
    level: "Metadata",
    auditID: column("auditID"),
    stage: column("stage"),
    requestURI,
    verb: column("verb"),
    // Groups, source IPs and the user agent are not in the CSV.
    user: { username: column("username") },
    requestReceivedTimestamp: received,
    // Not in the CSV: the receive time stands in, so requests read as instantaneous.
    stageTimestamp: received,
    responseStatus: code === undefined ? undefined : { metadata: {}, code: Number(code) },
  };
  const resource = column("resource");
  if (resource !== undefined) {
    const { apiGroup, apiVersion, namespace } = partsOfResourceURI(requestURI);
    event.objectRef = withoutUndefined({
      resource,
      subresource: column("subresource"),
      name: column("name"),
      // The namespace column is empty in every row; the apiserver took it from the URL, so do we.
      namespace: column("namespace") ?? namespace,
      apiGroup,
      apiVersion,
    });
  }
  return withoutUndefined(event);
}

/**
 * The group, version and namespace a resource URL names, as the apiserver reads them:
 * `/api/v1/namespaces/<ns>/...` (core group "") or `/apis/<group>/<version>/namespaces/<ns>/...`.
 * The objectRef's apiGroup is not in the CSV, so this is where it comes from.
 */
export function partsOfResourceURI(requestURI: string): { apiGroup?: string; apiVersion?: string; namespace?: string } {
  const segments = (requestURI.split("?", 1)[0] ?? "").split("/").filter((s) => s !== "");
  let rest: string[];
  let apiGroup: string;
  let apiVersion: string | undefined;
  if (segments[0] === "api") {
    apiGroup = "";
    apiVersion = segments[1];
    rest = segments.slice(2);
  } else if (segments[0] === "apis" && segments.length >= 3) {
    apiGroup = segments[1]!;
    apiVersion = segments[2];
    rest = segments.slice(3);
  } else {
    return {};
  }
  const namespace = rest[0] === "namespaces" && rest[1] !== undefined ? decodeURIComponent(rest[1]) : undefined;
  return { apiGroup, apiVersion, namespace };
}

/** RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += char;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : text;
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
