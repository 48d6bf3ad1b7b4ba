import { describe, expect, it } from "vitest";
import { parseKubernetesVersion } from "./kubernetesVersion";
import { VersionTimeline } from "./kubernetesVersionTimeline";

const v = (text: string) => parseKubernetesVersion(text)!;
const at = (iso: string) => new Date(iso);

/** Sightings as a cluster upgraded from 1.34 to 1.35 would give them (kube-apiserver's own requests). */
function upgradedAt(iso: string): VersionTimeline {
  const timeline = new VersionTimeline();
  timeline.note(v("v1.34.2"), at("2026-01-10T08:00:00Z"));
  timeline.note(v("v1.35.0"), at(iso));
  return timeline;
}

describe("VersionTimeline", () => {
  it("knows no version until one is seen", () => {
    const timeline = new VersionTimeline();
    expect(timeline.isEmpty).toBe(true);
    expect(timeline.versionAt(at("2026-01-10T08:00:00Z"))).toBeNull();
    expect(timeline.newest()).toBeNull();
  });

  it("gives the newest version first seen at or before a time", () => {
    const timeline = upgradedAt("2026-01-10T09:00:00Z");
    expect(timeline.versionAt(at("2026-01-10T08:30:00Z"))).toEqual(v("v1.34.2"));
    expect(timeline.versionAt(at("2026-01-10T09:00:00Z"))).toEqual(v("v1.35.0"));
    expect(timeline.versionAt(at("2026-01-11T00:00:00Z"))).toEqual(v("v1.35.0"));
    expect(timeline.newest()).toEqual(v("v1.35.0"));
  });

  it("gives the oldest version known before every sighting", () => {
    expect(upgradedAt("2026-01-10T09:00:00Z").versionAt(at("2026-01-01T00:00:00Z"))).toEqual(v("v1.34.2"));
  });

  it("counts the newer version from its first sighting while an upgrade interleaves both", () => {
    // An apiserver not yet upgraded still answers after the first upgraded one did.
    const timeline = upgradedAt("2026-01-10T09:00:00Z");
    expect(timeline.note(v("v1.34.2"), at("2026-01-10T09:05:00Z"))).toBe(false);
    expect(timeline.versionAt(at("2026-01-10T09:06:00Z"))).toEqual(v("v1.35.0"));
  });

  it("keeps each version's earliest sighting, and says when one is news", () => {
    const timeline = upgradedAt("2026-01-10T09:00:00Z");
    expect(timeline.note(v("v1.35.0"), at("2026-01-10T10:00:00Z"))).toBe(false);
    expect(timeline.note(v("v1.35.0"), at("2026-01-10T08:30:00Z"))).toBe(true);
    expect(timeline.versionAt(at("2026-01-10T08:45:00Z"))).toEqual(v("v1.35.0"));
    // A patch release is a version of its own, as stored.
    expect(timeline.note(v("v1.35.1"), at("2026-02-01T00:00:00Z"))).toBe(true);
    expect(timeline.sightings()).toHaveLength(3);
  });

  it("tells which sightings a stored timeline lacks", () => {
    const stored = upgradedAt("2026-01-10T09:00:00Z");
    const known = upgradedAt("2026-01-10T09:00:00Z");
    expect(known.newerThan(stored)).toEqual([]);
    known.note(v("v1.35.0"), at("2026-01-10T08:30:00Z"));
    known.note(v("v1.34.2"), at("2026-01-10T12:00:00Z"));
    known.note(v("v1.36.0"), at("2026-05-01T00:00:00Z"));
    expect(known.newerThan(stored)).toEqual([
      { version: v("v1.35.0"), firstSeen: at("2026-01-10T08:30:00Z") },
      { version: v("v1.36.0"), firstSeen: at("2026-05-01T00:00:00Z") },
    ]);
  });
});
