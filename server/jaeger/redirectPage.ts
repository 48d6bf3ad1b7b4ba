/**
 * The pages /redirect answers a browser with when it cannot redirect: the same status and message
 * as its JSON error, and a way on — a search over any time when no object matched, the candidates
 * when several did. Plain server-rendered HTML without script: a person who clicked a link in an
 * alert reads it once and follows a link.
 */

/** What a search for the object that was not found asks (the dashboard's /search criteria). */
export interface SearchCriteria {
  cluster?: string;
  namespace?: string;
  kind: string;
  name: string;
}

/** One object a /redirect matched, with where to see it. */
export interface CandidateLinks {
  cluster: string;
  /** Its kind as Jaeger names services: `Deployment`, `deployments.apps` when no kind is known. */
  service: string;
  namespace: string;
  name: string;
  /** Null when no source told it. */
  uid: string | null;
  objectHref: string;
  traceHref: string;
}

/** Text made safe in HTML content and in double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const STYLE = `body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24}
main{max-width:46rem;margin:0 auto;padding:1.5rem}h1{font-size:1.4rem}a{color:#2563eb}
.message{color:#5b6672;overflow-wrap:anywhere}li{margin:.5rem 0;overflow-wrap:anywhere}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Kubetrail</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<p><a href="/">Kubetrail home</a></p>
</main>
</body>
</html>
`;
}

/** `Deployment openshift-apiserver/apiserver`, `ClusterRole some-reader` for a cluster-scoped one. */
function objectName(kind: string, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

/** The 404 page: the message, and a search for the same object at any time, since it may have existed outside the window. */
export function notFoundPage(message: string, search: { criteria: SearchCriteria; href: string }): string {
  const { cluster, namespace, kind, name } = search.criteria;
  const label = `Search for ${objectName(kind, namespace, name)}${cluster ? ` in cluster ${cluster}` : ""} at any time`;
  return page(
    "No object found",
    `<h1>No object found</h1>
<p class="message">${escapeHtml(message)}</p>
<p>It may have existed at another time than the link says (without <code>ts</code>, the link looks around now).</p>
<p><a href="${escapeHtml(search.href)}">${escapeHtml(label)}</a></p>`,
  );
}

/** The 409 page: the message, and each candidate linking to its object page and its trace. */
export function ambiguousPage(message: string, candidates: readonly CandidateLinks[], options: { traceLabel: string }): string {
  const items = candidates.map((candidate) => {
    const what = `${objectName(candidate.service, candidate.namespace, candidate.name)} in cluster ${candidate.cluster}`;
    // The uid tells apart a name deleted and created again; the trace link's label says whose it is.
    const uid = candidate.uid === null ? "" : `uid ${candidate.uid}`;
    const uidText = uid === "" ? "" : ` <span class="message">${escapeHtml(uid)}</span>`;
    const traceName = `${options.traceLabel} of ${what}${uid === "" ? "" : `, ${uid}`}`;
    return `<li><a href="${escapeHtml(candidate.objectHref)}">${escapeHtml(what)}</a>${uidText} · <a href="${escapeHtml(candidate.traceHref)}" aria-label="${escapeHtml(traceName)}">${escapeHtml(options.traceLabel)}</a></li>`;
  });
  return page(
    "Several objects match",
    `<h1>Several objects match</h1>
<p class="message">${escapeHtml(message)}</p>
<p>Pick one:</p>
<ul>
${items.join("\n")}
</ul>`,
  );
}

/** An HTML page as a response with `status`. */
export function htmlResponse(status: number, html: string, headers: Record<string, string> = {}): Response {
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", ...headers } });
}
