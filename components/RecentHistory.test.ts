import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { RecentHistory } from "./RecentHistory";

/**
 * The home page's rows link to the object page. The entry: the admin's scale of the Deployment
 * openshift-apiserver/apiserver in the rollout scenario (server/testing/scenarios/rollout.ts).
 */
const SCALE = {
  id: 345,
  objectId: 12,
  cluster: "prod",
  resource: "deployments",
  kind: "Deployment",
  namespace: "openshift-apiserver",
  name: "apiserver",
  title: "kube:admin patch",
  startTime: new Date("2021-09-13T14:55:16.000Z"),
  failed: false,
  noop: false,
  changes: ["spec.replicas 3 -> 5"],
  traceLink: "/jaeger/api/traces/1030000000000000c613f6c88613f7a6c",
};

describe("the home page's latest changes", () => {
  it("links each object to its page around the change, the change selected, and keeps the trace link", () => {
    const html = renderToStaticMarkup(createElement(RecentHistory, { entries: [SCALE], traceOpensUi: true }));
    expect(html).toContain('href="/objects/12?from=2021-09-13T14%3A40%3A16.000Z&amp;to=2021-09-13T15%3A10%3A16.000Z&amp;entry=345"');
    expect(html).toContain(`href="${SCALE.traceLink}"`);
    expect(html).toMatch(/<a [^>]*href="\/objects\/12[^"]*"[^>]*><code>Deployment openshift-apiserver\/apiserver<\/code><\/a>/);
  });

  it("calls the trace link what it opens: the Jaeger UI when it is served, else the API's JSON", () => {
    const link = (traceOpensUi: boolean) => /<a href="\/jaeger\/[^"]*"[^>]*>([^<]*)<\/a>/.exec(renderToStaticMarkup(createElement(RecentHistory, { entries: [SCALE], traceOpensUi })))![1];
    expect(link(true)).toBe("trace");
    expect(link(false)).toBe("trace JSON");
  });
});
