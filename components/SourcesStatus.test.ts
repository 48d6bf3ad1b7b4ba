import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { newReflectorStats } from "@/server/k8s/reflector";
import type { SourceStatus } from "@/server/ingest/sources/sourceStatus";
import { clusterSources, SourcesStatus } from "./SourcesStatus";

function source(name: string, cluster: string, state: SourceStatus["stats"]["state"], lastError: SourceStatus["stats"]["lastError"] = null): SourceStatus {
  return { name, cluster, kind: "events", server: `https://${cluster}.example:6443`, stats: { ...newReflectorStats(), state, lastError } };
}

// How a watcher whose token the apiserver refuses reports it (reflector.test.ts, eventsSource.integration-test.ts).
const REFUSED = { message: "LIST /api/v1/events: HTTP 401 Unauthorized", at: "2026-12-07T10:00:00.000Z" };

describe("the home page's watched clusters", () => {
  it("groups the sources by cluster and names the failing ones with their last failure", () => {
    const sources = [source("events/staging", "staging", "backing-off", REFUSED), source("events/prod", "prod", "watching")];
    expect(clusterSources(sources)).toEqual([
      { cluster: "prod", server: "https://prod.example:6443", states: [{ state: "watching", count: 1 }], troubled: [] },
      {
        cluster: "staging",
        server: "https://staging.example:6443",
        states: [{ state: "backing-off", count: 1 }],
        troubled: [{ label: "Events", state: "backing-off", lastError: REFUSED }],
      },
    ]);
    const html = renderToStaticMarkup(createElement(SourcesStatus, { sources }));
    expect(html).toContain("Events backing-off");
    expect(html).toContain("HTTP 401 Unauthorized");
    // A failure that is over (the source watches again) is not shown as one.
    expect(renderToStaticMarkup(createElement(SourcesStatus, { sources: [source("events/prod", "prod", "watching", REFUSED)] }))).not.toContain("HTTP 401");
  });

  it("shows nothing when no cluster is watched", () => {
    expect(renderToStaticMarkup(createElement(SourcesStatus, { sources: [] }))).toBe("");
  });
});
