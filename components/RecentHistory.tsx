import type { RecentEntry } from "@/server/query/overview";
import { objectPageAround } from "@/components/timeline/urlState";

/**
 * The latest history entries, newest first: one row each, failed requests marked, the object
 * linked to its page around the entry (the entry selected), and the entry to its object's trace
 * around it (`traceLink`: the Jaeger UI when it is served, else the API).
 */
export function RecentHistory({ entries, traceOpensUi }: { entries: Array<RecentEntry & { traceLink: string }>; traceOpensUi: boolean }) {
  if (entries.length === 0) {
    return <p className="muted">No history yet. Point an apiserver's audit webhook here or import an audit log (see the README).</p>;
  }
  return (
    // On a phone the table scrolls sideways in its box rather than widen the page.
    <div className="recent-scroll">
      <table className="recent">
        <thead>
          <tr>
            <th>Time</th>
            <th>Cluster</th>
            <th>Object</th>
            <th>What</th>
            <th>Changes</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} className={entry.failed ? "failed" : undefined}>
              <td className="time"><code>{entry.startTime.toISOString()}</code></td>
              <td>{entry.cluster}</td>
              <td className="object">
                <a href={objectPageAround(entry.objectId, entry.startTime, entry.id)} title="The object's page around this change">
                  <code>
                    {entry.kind ?? entry.resource} {entry.namespace ? `${entry.namespace}/` : ""}
                    {entry.name}
                  </code>
                </a>
              </td>
              <td className="what">
                {entry.title}
                {entry.noop ? <span className="muted"> (no change)</span> : null}
              </td>
              <td className="changes">
                {entry.changes.map((line) => (
                  <div key={line}><code>{line}</code></div>
                ))}
              </td>
              <td className="link">
                <a
                  href={entry.traceLink}
                  title={traceOpensUi ? "The object's trace around this time, in the Jaeger UI" : "The object's trace around this time, as the Jaeger API's JSON (set JAEGER_UI_DIR to open it in the Jaeger UI)"}
                >
                  {traceOpensUi ? "trace" : "trace JSON"}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
