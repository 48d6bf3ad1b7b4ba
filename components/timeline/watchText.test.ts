import { describe, expect, it } from "vitest";
import { markLabel } from "./eventText";
import { managersText, watchEventText, watchSummaryText, whyNoWatchDiff } from "./watchText";

/** Words for the watch entries of the OpenShift Deployment (server/testing/scenarios/watchedCascade.ts). */
const micros = (iso: string) => Date.parse(iso) * 1000;

describe("how the object page words a watch entry", () => {
  it("names each watch event, in a word or with why", () => {
    expect(["LISTED", "ADDED", "MODIFIED", "DELETED", "GONE", null].map((event) => watchEventText(event as never))).toEqual([
      "listed (it already existed)",
      "created",
      "updated",
      "deleted",
      "gone (deleted while not watched)",
      "reported",
    ]);
  });

  it("says in the tooltip that a watch saw it, what it saw, who wrote it, and on which subresource", () => {
    expect(watchSummaryText({ event: "MODIFIED", managers: ["kube-controller-manager"], subresource: "status" })).toBe("observed by a watch · updated · kube-controller-manager · status");
    expect(watchSummaryText({ event: "GONE", managers: [], subresource: null })).toBe("observed by a watch · gone (deleted while not watched)");
    expect(managersText({ managers: ["kubectl-client-side-apply", "helm"] })).toBe("kubectl-client-side-apply, helm");
    expect(managersText({ managers: [] })).toBeNull();
  });

  it("labels a mark for screen readers with what the watch saw, which its diamond shows to the eye", () => {
    const status = { title: "kube-controller-manager update status (watched)", startMicros: micros("2021-09-13T14:53:37.200Z"), event: null, watch: { event: "MODIFIED" as const, managers: ["kube-controller-manager"], subresource: "status" } };
    expect(markLabel(status)).toBe("Watched, updated: kube-controller-manager update status (watched), 2021-09-13 14:53:37.200000 UTC");
    expect(markLabel({ ...status, watch: null })).toBe("kube-controller-manager update status (watched), 2021-09-13 14:53:37.200000 UTC");
  });

  it("says why a watch entry lists no change, and where its body is", () => {
    expect(whyNoWatchDiff({ hasSnapshot: true, watch: { event: "ADDED" } })).toBe("Created: see the snapshot.");
    expect(whyNoWatchDiff({ hasSnapshot: true, watch: { event: "LISTED" } })).toBe("First seen by the watch (it already existed): see the snapshot.");
    expect(whyNoWatchDiff({ hasSnapshot: false, watch: { event: "LISTED" } })).toBe("None: the watch listed it as it had last seen it.");
    expect(whyNoWatchDiff({ hasSnapshot: true, watch: { event: "DELETED" } })).toBe("Deleted: see the snapshot.");
    expect(whyNoWatchDiff({ hasSnapshot: true, watch: { event: "GONE" } })).toBe("Deleted while not watched: the snapshot is the last version the watch saw.");
    expect(whyNoWatchDiff({ hasSnapshot: false, watch: { event: "MODIFIED" } })).toBe("None: the watch saw no change besides its resourceVersion.");
  });
});
