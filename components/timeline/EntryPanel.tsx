"use client";

import Link from "next/link";
import type { ReactNode, Ref } from "react";
import type { TimelineEntry, TimelineEntryDetails, TimelineEventDetails, TimelineEventSummary, TimelineRow, TimelineWatchDetails, TimelineWatchSummary } from "@/server/query/timeline/types";
import { countText, eventKindName, isWarning, objectReferenceText, reporterWhereText, timesText } from "./eventText";
import { formatCommand, formatDuration, formatInstant, OPEN_SESSION_TEXT } from "./format";
import { objectPageHref } from "./urlState";
import { OBSERVED_BY_WATCH, watchEventText, whyNoWatchDiff } from "./watchText";
import styles from "./EntryPanel.module.css";

export interface EntryPanelProps {
  /** The entry as its lane lists it, when it is in the range shown: drawn at once. */
  summary: TimelineEntry | undefined;
  /** The whole entry (objects.entry), once loaded. */
  details: TimelineEntryDetails | undefined;
  error: string | null;
  /** The row of the entry's object, when it is on the page: its related objects. */
  row: TimelineRow | undefined;
  /** The object the page is about: its own name is not linked. */
  currentObjectId: number;
  /** The heading, which the page scrolls to and focuses when the panel opens below the chart. */
  headingRef?: Ref<HTMLHeadingElement>;
  onClose(): void;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Why an entry lists no change: the reader should not take an empty list for "nothing happened". */
function whyNoDiff(entry: TimelineEntry): string {
  if (entry.watch) return whyNoWatchDiff({ hasSnapshot: entry.hasSnapshot, watch: entry.watch });
  if (entry.mark === "failed") return "None: the request failed.";
  if (entry.mark === "noop") return "None: the object did not change.";
  if (entry.mark === "connect") return `None: ${entry.subresource} opens a session through the object; it does not change it.`;
  if (entry.verb === "create" && entry.subresource === "") return entry.hasSnapshot ? "Created: see the snapshot." : "Created.";
  if (entry.verb === "delete" || entry.verb === "deletecollection") return entry.hasSnapshot ? "Deleted: see the snapshot." : "Deleted.";
  return "None recorded (the audit event had no body to compare).";
}

/** What the audit event said of a request: when, who (and who impersonated whom), from which client, what the apiserver answered. */
function AuditFields({ entry, details }: { entry: TimelineEntry; details: TimelineEntryDetails | undefined }) {
  return (
    <>
      <Field label="Time">
        {formatInstant(entry.startMicros)}
        <span className="muted">{entry.session === "open" ? ` · ${OPEN_SESSION_TEXT}` : ` · took ${formatDuration(entry.endMicros - entry.startMicros)}`}</span>
      </Field>
      <Field label="Actor">
        <code>{entry.actor}</code>
        {details && details.request.groups.length > 0 ? <div className="muted">{details.request.groups.join(", ")}</div> : null}
      </Field>
      {entry.impersonator ? (
        <Field label="Impersonated by">
          <code>{entry.impersonator}</code>
          {details && details.request.impersonatorGroups.length > 0 ? <div className="muted">{details.request.impersonatorGroups.join(", ")}</div> : null}
        </Field>
      ) : null}
      <Field label="User agent">{entry.userAgent ? <code>{entry.userAgent}</code> : <span className="muted">none recorded</span>}</Field>
      <Field label="Response">
        <span className={entry.failure ? "failed" : undefined}>
          {entry.statusCode ?? "no code"}
          {entry.failure?.reason ? ` ${entry.failure.reason}` : ""}
        </span>
        {entry.failure?.message ? <div className="failed">{entry.failure.message}</div> : null}
        {entry.failure?.causes.map((cause) => (
          <div key={cause} className="failed">
            {cause}
          </div>
        ))}
      </Field>
      {details && details.request.command.length > 0 ? (
        <Field label="Command">
          <code>{formatCommand(details.request.command)}</code>
        </Field>
      ) : null}
      {details?.request.requestUri ? (
        <Field label="Request">
          <code>{details.request.requestUri}</code>
          {details.request.sourceIps.length > 0 ? <div className="muted">from {details.request.sourceIps.join(", ")}</div> : null}
          {details.request.dryRun ? <div className="muted">dry run: nothing was stored</div> : null}
        </Field>
      ) : null}
      {details?.request.resourceVersionBefore || details?.request.resourceVersionAfter ? (
        <Field label="resourceVersion">
          {details.request.resourceVersionBefore ?? "?"} → {details.request.resourceVersionAfter ?? "?"}
        </Field>
      ) : null}
      {details?.request.arrivedAfterResourceVersion ? (
        <Field label="Arrived late">after version {details.request.arrivedAfterResourceVersion} was stored: no diff</Field>
      ) : null}
      {details?.request.auditId ? (
        <Field label="Audit ID">
          <code>{details.request.auditId}</code>
          {details.request.level ? <span className="muted"> · {details.request.level}</span> : null}
        </Field>
      ) : null}
    </>
  );
}

/**
 * What a watch reported: when it saw the object, which event, the field managers who wrote that
 * version (and when) and on which subresource, and the versions before and after. `watch` is
 * undefined until the whole entry is loaded; the lane's summary shows meanwhile.
 */
function WatchFields({ entry, summary, watch }: { entry: TimelineEntry; summary: TimelineWatchSummary; watch: TimelineWatchDetails | undefined }) {
  return (
    <>
      <Field label="Observed">{formatInstant(entry.startMicros)}</Field>
      <Field label="Watch event">
        {watchEventText(summary.event)}
        {summary.event ? <span className="muted"> · {summary.event}</span> : null}
      </Field>
      <Field label={summary.managers.length === 1 ? "Manager" : "Managers"}>
        {summary.managers.length === 0 ? (
          <span className="muted">none recorded</span>
        ) : (
          summary.managers.map((manager, i) => (
            <span key={manager}>
              {i > 0 ? ", " : ""}
              <code>{manager}</code>
            </span>
          ))
        )}
        {watch?.managedAtMicros != null ? <div className="muted">wrote it at {formatInstant(watch.managedAtMicros)}</div> : null}
      </Field>
      {summary.subresource ? (
        <Field label="Subresource">
          <code>{summary.subresource}</code>
        </Field>
      ) : null}
      {watch && (watch.resourceVersionBefore || watch.resourceVersionAfter) ? (
        <Field label="resourceVersion">
          {watch.resourceVersionBefore ?? "(first seen)"} → {watch.resourceVersionAfter ?? "?"}
        </Field>
      ) : null}
    </>
  );
}

/** What the request changed: its diff, or why there is none. */
function Changes({ entry, details }: { entry: TimelineEntry; details: TimelineEntryDetails | undefined }) {
  return (
    <>
      <h3>Changes</h3>
      {entry.diffFrom === "watch" && entry.diff.length > 0 ? (
        <p className="muted">
          As a watch saw the same write (resourceVersion {details?.request.resourceVersionAfter ?? "?"}): audit had no earlier version to compare with.
        </p>
      ) : null}
      {entry.diff.length > 0 ? (
        <ul className={styles.diff} aria-label="Changes">
          {entry.diff.map((line, i) => (
            <li key={i}>
              <code>{line}</code>
            </li>
          ))}
          {!details && entry.diffLineCount > entry.diff.length ? <li className="muted">… {entry.diffLineCount - entry.diff.length} more</li> : null}
        </ul>
      ) : (
        <p className="muted">{whyNoDiff(entry)}</p>
      )}
    </>
  );
}

/**
 * What a Kubernetes Event said: when it last happened and how often, why (reason, type, message),
 * who reported it from where, and what else it names. `event` is undefined until the whole entry
 * is loaded; the lane's summary shows meanwhile.
 */
function EventFields({ entry, summary, event }: { entry: TimelineEntry; summary: TimelineEventSummary; event: TimelineEventDetails | undefined }) {
  const where = event ? reporterWhereText(event) : null;
  return (
    <>
      <Field label="Reason">{summary.reason ? <code>{summary.reason}</code> : <span className="muted">none given</span>}</Field>
      <Field label="Type">{isWarning(summary) ? <strong className={styles.warning}>{summary.type}</strong> : (summary.type ?? <span className="muted">none given</span>)}</Field>
      {event ? (
        <Field label="Message">
          {event.message === null || event.message.trim() === "" ? (
            <span className="muted">none given</span>
          ) : (
            <div className={styles.message} aria-label="Message">
              {event.message}
            </div>
          )}
          {event.messageCutFromBytes !== null ? <div className="muted">cut at 8 KiB of its {event.messageCutFromBytes.toLocaleString("en-US")} bytes</div> : null}
        </Field>
      ) : null}
      <Field label="Count">{event ? countText(event, entry.startMicros) : `seen ${timesText(summary.count)}`}</Field>
      <Field label="Last seen">{formatInstant(entry.startMicros)}</Field>
      {event?.action ? <Field label="Action">{event.action}</Field> : null}
      <Field label="Reported by">
        <code>{entry.actor}</code>
        {where ? <div className="muted">{where}</div> : null}
      </Field>
      {event?.fieldPath ? (
        <Field label="Field path">
          <code>{event.fieldPath}</code>
        </Field>
      ) : null}
      {event?.related ? (
        <Field label="Related object">
          {objectReferenceText(event.related)}
          {event.related.uid ? <div className="muted">uid {event.related.uid}</div> : null}
        </Field>
      ) : null}
      {event?.eventObject.name ? (
        <Field label="Event object">
          <code>{objectReferenceText(event.eventObject)}</code>
        </Field>
      ) : null}
    </>
  );
}

/**
 * The selected entry: for a request, what happened, when, who did it (and who impersonated whom),
 * from which client, what the apiserver answered, what changed, and — collapsed — the object's
 * body; for a Kubernetes Event, what it said (EventFields); for what a watch observed, what it
 * reported (WatchFields), what changed and the body, as for a request.
 */
export function EntryPanel({ summary, details, error, row, currentObjectId, headingRef, onClose }: EntryPanelProps) {
  const entry: TimelineEntry | undefined = details ?? summary;
  return (
    <aside className={styles.panel} aria-label="Entry details">
      <div className={styles.head}>
        <h2 ref={headingRef} tabIndex={-1}>
          {entry ? entry.title : "Entry"}
        </h2>
        <button type="button" className={styles.close} onClick={onClose} aria-label="Close the details">
          ×
        </button>
      </div>
      {error ? (
        <p className={styles.error} role="alert">
          {error}
        </p>
      ) : null}
      {!entry ? (
        error ? null : <p className="muted">Loading…</p>
      ) : (
        <>
          {entry.event ? (
            <p>
              <span className={`${styles.pill} ${isWarning(entry.event) ? styles.pillWarning : styles["pill-event"]}`}>{eventKindName(entry.event)}</span>
              {entry.event.reason ?? <span className="muted">no reason given</span>}
            </p>
          ) : entry.watch ? (
            <p>
              <span className={`${styles.pill} ${styles[`pill-${entry.mark}`]}`}>{entry.mark === "noop" ? "no change" : entry.mark}</span>
              {OBSERVED_BY_WATCH}
            </p>
          ) : (
            <p>
              <span className={`${styles.pill} ${styles[`pill-${entry.mark}`]}`}>{entry.mark === "noop" ? "no change" : entry.mark}</span>
              {entry.verb}
              {entry.subresource ? ` ${entry.subresource}` : ""}
            </p>
          )}
          <dl className={styles.fields}>
            {details ? (
              <Field label="Object">
                {details.object.id === currentObjectId ? (
                  `${details.object.kind} ${details.object.namespace ? `${details.object.namespace}/` : ""}${details.object.name}`
                ) : (
                  <Link href={objectPageHref(details.object.id)}>
                    {details.object.kind} {details.object.namespace ? `${details.object.namespace}/` : ""}
                    {details.object.name}
                  </Link>
                )}{" "}
                <span className="muted">in {details.object.cluster}</span>
              </Field>
            ) : null}
            {entry.event ? (
              <EventFields entry={entry} summary={entry.event} event={details?.event ?? undefined} />
            ) : entry.watch ? (
              <WatchFields entry={entry} summary={entry.watch} watch={details?.watch ?? undefined} />
            ) : (
              <AuditFields entry={entry} details={details} />
            )}
          </dl>
          {entry.event ? null : <Changes entry={entry} details={details} />}
          {details && details.patch !== null ? (
            <details className={styles.collapsible}>
              <summary>Patch</summary>
              <pre>{json(details.patch)}</pre>
            </details>
          ) : null}
          {entry.hasSnapshot ? (
            <details className={styles.collapsible}>
              <summary>Snapshot of the object</summary>
              {details ? <pre aria-label="Snapshot">{json(details.snapshot)}</pre> : <p className="muted">Loading…</p>}
            </details>
          ) : null}
          {details && Object.keys(details.annotations).length > 0 ? (
            <>
              <h3>Annotations</h3>
              <dl className={styles.fields}>
                {Object.entries(details.annotations).map(([key, value]) => (
                  <Field key={key} label={key}>
                    {value === "" ? <span className="muted">(empty)</span> : value}
                  </Field>
                ))}
              </dl>
            </>
          ) : null}
          {details && Object.keys(details.other).length > 0 ? (
            <details className={styles.collapsible}>
              <summary>Also recorded</summary>
              <pre>{json(details.other)}</pre>
            </details>
          ) : null}
          {row && row.related.length > 0 ? (
            <>
              <h3>Related to {row.object.name}</h3>
              <ul className={styles.related}>
                {row.related.map((related) => (
                  <li key={`${related.relation}/${related.role}/${related.object.id}`}>
                    <span className="muted">{related.relation}</span>{" "}
                    <Link href={objectPageHref(related.object.id)}>
                      {related.object.kind} {related.object.namespace ? `${related.object.namespace}/` : ""}
                      {related.object.name}
                    </Link>
                  </li>
                ))}
                {row.relatedTruncated ? <li className="muted">… and more</li> : null}
              </ul>
            </>
          ) : null}
        </>
      )}
    </aside>
  );
}
