import { describe, expect, it } from "vitest";
import { ambiguousPage, escapeHtml, notFoundPage } from "./redirectPage";

/** The hrefs of a page's links, unescaped as a browser reads them. */
const hrefs = (html: string) => [...html.matchAll(/<a href="([^"]*)"/g)].map((match) => match[1]!.replace(/&amp;/g, "&"));

// The names as the sample gives them (the Deployment openshift-apiserver/apiserver in two clusters),
// and a hostile one: a name is whatever the link says, and the message repeats it.
const HOSTILE = `<script>alert("x")</script>&'`;

describe("escapeHtml", () => {
  it("escapes what could end text or an attribute", () => {
    expect(escapeHtml(HOSTILE)).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
  });
});

describe("notFoundPage", () => {
  const search = { criteria: { cluster: "prod", namespace: "openshift-apiserver", kind: "deployments", name: "apiserver" }, href: "/search?cluster=prod&namespace=openshift-apiserver&kind=deployments&name=apiserver" };

  it("shows the message and offers the search at any time", () => {
    const html = notFoundPage("no object with cluster=prod, name=apiserver existed in 2021-09-13T14:28:00.000Z .. 2021-09-13T15:28:00.000Z", search);
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain("<title>No object found · Kubetrail</title>");
    expect(html).toContain("<h1>No object found</h1>");
    expect(html).toContain("no object with cluster=prod, name=apiserver existed in 2021-09-13T14:28:00.000Z .. 2021-09-13T15:28:00.000Z");
    expect(html).toContain(">Search for deployments openshift-apiserver/apiserver in cluster prod at any time</a>");
    expect(hrefs(html)).toEqual([search.href, "/"]);
    expect(html).not.toContain("<script");
  });

  it("escapes the name in the message, the label and the link", () => {
    const html = notFoundPage(`no object with name=${HOSTILE}`, { criteria: { kind: "pods", name: HOSTILE }, href: `/search?kind=pods&name=${encodeURIComponent(HOSTILE)}&x="y"` });
    expect(html).not.toContain("<script");
    expect(html).not.toContain('"y"');
    expect(html).toContain("no object with name=&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
    expect(html).toContain(">Search for pods &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39; at any time</a>");
    expect(html).toContain(`<a href="/search?kind=pods&amp;name=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E%26&#39;&amp;x=&quot;y&quot;">`);
  });
});

describe("ambiguousPage", () => {
  const candidate = (cluster: string, id: number) => ({
    cluster,
    service: "Deployment",
    namespace: "openshift-apiserver",
    name: "apiserver",
    uid: `uid-${cluster}`,
    objectHref: `/objects/${id}?from=2021-09-13T14%3A28%3A00.000Z&to=2021-09-13T15%3A28%3A00.000Z`,
    traceHref: `/jaeger/api/traces/${String(id).padStart(32, "0")}`,
  });

  it("lists each candidate, linking to its object page and its trace", () => {
    const html = ambiguousPage("2 objects with resource=deployments existed in …; add cluster, or pick one", [candidate("prod", 7), candidate("staging", 9)], { traceLabel: "Trace JSON" });
    expect(html).toContain("<title>Several objects match · Kubetrail</title>");
    expect(html).toContain("2 objects with resource=deployments existed in …; add cluster, or pick one");
    expect(html).toContain(">Deployment openshift-apiserver/apiserver in cluster prod</a>");
    expect(html).toContain(">Deployment openshift-apiserver/apiserver in cluster staging</a>");
    expect(html).toContain('aria-label="Trace JSON of Deployment openshift-apiserver/apiserver in cluster prod, uid uid-prod">Trace JSON</a>');
    expect(hrefs(html)).toEqual([candidate("prod", 7).objectHref, candidate("prod", 7).traceHref, candidate("staging", 9).objectHref, candidate("staging", 9).traceHref, "/"]);
  });

  it("leaves out a uid no source told", () => {
    const html = ambiguousPage("…", [{ ...candidate("prod", 7), uid: null }], { traceLabel: "Jaeger trace" });
    expect(html).not.toContain("uid");
    expect(html).toContain('aria-label="Jaeger trace of Deployment openshift-apiserver/apiserver in cluster prod">Jaeger trace</a>');
  });

  it("escapes every field of a candidate", () => {
    const hostile = { ...candidate("prod", 7), cluster: HOSTILE, namespace: HOSTILE, name: HOSTILE, uid: HOSTILE, service: HOSTILE };
    const html = ambiguousPage(HOSTILE, [hostile], { traceLabel: "Jaeger trace" });
    expect(html).not.toContain("<script");
    expect(html).not.toMatch(/"x"|&'/);
  });
});
