import { describe, expect, it } from "vitest";
import { loadHkermaEvents, parseCsv, partsOfResourceURI } from "./hkermaCsv";

describe("parseCsv", () => {
  it("splits rows and fields", () => {
    expect(parseCsv("a,b,c\n1,,3\n")).toEqual([
      ["a", "b", "c"],
      ["1", "", "3"],
    ]);
  });

  it("reads quoted fields with commas, doubled quotes and newlines", () => {
    expect(parseCsv('"{""name"":""x""}","a,b","line\nbreak"\r\nlast')).toEqual([
      ['{"name":"x"}', "a,b", "line\nbreak"],
      ["last"],
    ]);
  });

  it("keeps a trailing row without a newline, and empty trailing fields", () => {
    expect(parseCsv("a,b\nc,")).toEqual([["a", "b"], ["c", ""]]);
  });
});

describe("partsOfResourceURI", () => {
  it("reads the core group", () => {
    expect(partsOfResourceURI("/api/v1/namespaces/kube-system/configmaps?watch=true")).toEqual({
      apiGroup: "",
      apiVersion: "v1",
      namespace: "kube-system",
    });
    expect(partsOfResourceURI("/api/v1/nodes/k8s-node-1")).toEqual({ apiGroup: "", apiVersion: "v1", namespace: undefined });
  });

  it("reads named groups", () => {
    expect(partsOfResourceURI("/apis/apps/v1/namespaces/default/deployments/web/status")).toEqual({
      apiGroup: "apps",
      apiVersion: "v1",
      namespace: "default",
    });
    expect(partsOfResourceURI("/apis/storage.k8s.io/v1/csidrivers?limit=500")).toEqual({
      apiGroup: "storage.k8s.io",
      apiVersion: "v1",
      namespace: undefined,
    });
  });

  it("reads a Namespace's own URL as naming that namespace, as the apiserver does", () => {
    expect(partsOfResourceURI("/api/v1/namespaces/monitoring").namespace).toBe("monitoring");
  });

  it("tells nothing about non-resource URLs", () => {
    expect(partsOfResourceURI("/healthz")).toEqual({});
    expect(partsOfResourceURI("/apis")).toEqual({});
  });
});

describe("loadHkermaEvents", () => {
  const events = loadHkermaEvents() as Array<Record<string, unknown>>;

  it("rebuilds one event per row, including the truncated last row", () => {
    expect(events).toHaveLength(16_564);
  });

  it("rebuilds the first row as an audit.k8s.io/v1 event", () => {
    expect(events[0]).toEqual({
      kind: "Event",
      apiVersion: "audit.k8s.io/v1",
      level: "Metadata",
      auditID: "a1b86d5d-6f8f-4058-9710-19f5cc40a68a",
      stage: "ResponseStarted",
      requestURI:
        "/api/v1/namespaces/kube-flannel/configmaps?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dkube-flannel-cfg&resourceVersion=6577334&timeout=7m43s&timeoutSeconds=463&watch=true",
      verb: "watch",
      user: { username: "system:node:k8s-node-1-perfspec" },
      requestReceivedTimestamp: "2023-01-27T18:28:08.129781Z",
      stageTimestamp: "2023-01-27T18:28:08.129781Z",
      responseStatus: { metadata: {}, code: 403 },
      objectRef: { resource: "configmaps", name: "kube-flannel-cfg", namespace: "kube-flannel", apiGroup: "", apiVersion: "v1" },
    });
  });

  it("leaves objectRef out for non-resource requests", () => {
    const discovery = events.find((e) => e.requestURI === "/apis/apiregistration.k8s.io/v1?timeout=32s");
    expect(discovery).toBeDefined();
    expect(discovery).not.toHaveProperty("objectRef");
  });

  it("keeps the truncated last row as it is", () => {
    expect(events.at(-1)).toMatchObject({ auditID: "aa19a29f-4f4e-4f05-a756-235678", verb: "get" });
    expect(events.at(-1)).not.toHaveProperty("stage");
  });
});
