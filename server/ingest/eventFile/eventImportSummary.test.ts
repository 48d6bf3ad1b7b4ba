import { describe, expect, it } from "vitest";
import { addRejectedValue, addSkippedValue, addStoreResult, createEventImportSummary, formatEventImportSummary, nothingStorable } from "./eventImportSummary";

const run = { source: "events.yaml", cluster: "must-gather", elapsedMs: 2_300, interrupted: false };

describe("formatEventImportSummary", () => {
  it("says what was read and what became of it, rejections grouped with their lines and an example", () => {
    const summary = createEventImportSummary();
    addStoreResult(summary, { received: 160, stored: 150, duplicates: 10, rejected: [], placeholders: 15 }, []);
    for (const line of [40, 90]) {
      addRejectedValue(summary, { reason: "involvedObject.name: required", line, example: "Event (v1) openshift-apiserver/apiserver.16a4", found: "Event (v1)" });
    }
    addSkippedValue(summary);
    expect(formatEventImportSummary(summary, run)).toBe(
      [
        'Imported events.yaml into cluster "must-gather" in 2s',
        "  read        163  values (Events, and whatever else the file held)",
        "  stored      150  new history entries",
        "  duplicates   10  already stored, unchanged",
        "  rejected      2",
        "    2 × involvedObject.name: required (lines 40, 90)",
        "        e.g. Event (v1) openshift-apiserver/apiserver.16a4",
        "  skipped       1  watch bookmarks, which hold no Event",
        "  new objects  15  first seen through these Events (known by their reference until their own history arrives)",
      ].join("\n"),
    );
    expect(nothingStorable(summary)).toBe(false);
  });

  it("says a second import found only duplicates, and leaves out skipped when there were none", () => {
    const summary = createEventImportSummary();
    addStoreResult(summary, { received: 163, stored: 0, duplicates: 163, rejected: [], placeholders: 0 }, []);
    const text = formatEventImportSummary(summary, run);
    expect(text).toContain("  duplicates  163  already stored, unchanged");
    expect(text).not.toContain("skipped");
    expect(nothingStorable(summary)).toBe(false);
  });

  it("names what a file of which nothing could be stored holds: another kind of object, with the formats read", () => {
    const summary = createEventImportSummary();
    addRejectedValue(summary, { reason: 'apiVersion: expected v1, …, got "apps/v1"', line: 1, example: null, found: "Deployment (apps/v1)" });
    expect(nothingStorable(summary)).toBe(true);
    const lines = formatEventImportSummary(summary, run).split("\n");
    expect(lines[0]).toBe('Imported nothing from events.yaml into cluster "must-gather" in 2s');
    expect(lines.at(-2)).toBe("Nothing in events.yaml could be stored. It holds 1 × Deployment (apps/v1).");
    expect(lines.at(-1)).toMatch(/^Kubetrail reads Kubernetes Events \(core\/v1 and events\.k8s\.io\): kubectl get events -o json or -o yaml, a must-gather's events\.yaml/);
  });

  it("points an audit log to npm run import, and says no more than the reasons of Events that are all broken", () => {
    const audit = createEventImportSummary();
    for (let line = 1; line <= 4; line++) addRejectedValue(audit, { reason: "apiVersion: …", line, example: null, found: "Event (audit.k8s.io/v1)" });
    addRejectedValue(audit, { reason: "invalid JSON", line: 5, example: "line 5 (byte 9): invalid JSON", found: "invalid JSON" });
    const auditLines = formatEventImportSummary(audit, run).split("\n");
    expect(auditLines.at(-2)).toBe("Nothing in events.yaml could be stored. It holds 4 × Event (audit.k8s.io/v1), 1 × invalid JSON.");
    expect(auditLines.at(-1)).toBe("That is a kube-apiserver audit log: import it with npm run import.");

    const broken = createEventImportSummary();
    addRejectedValue(broken, { reason: "lastTimestamp: required", line: 3, example: null, found: "Event (v1)" });
    expect(formatEventImportSummary(broken, run).split("\n").at(-1)).toBe("Nothing in events.yaml could be stored. It holds 1 × Event (v1).");
  });

  it("says how to finish an interrupted import", () => {
    const summary = createEventImportSummary();
    addStoreResult(summary, { received: 500, stored: 500, duplicates: 0, rejected: [], placeholders: 3 }, []);
    const lines = formatEventImportSummary(summary, { ...run, interrupted: true }).split("\n");
    expect(lines[0]).toBe('Interrupted importing events.yaml into cluster "must-gather" in 2s');
    expect(lines.at(-1)).toBe("The rest of events.yaml was not read. Import it again to finish: Events already stored count as duplicates.");
  });
});
