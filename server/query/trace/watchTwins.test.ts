import { describe, expect, it } from "vitest";
import type { DiffEntry, JsonObject } from "../../ingest/audit/types";
import type { TraceEntry } from "./assembled";
import type { EpochMicros } from "./types";
import { candidateOf, foldWatchTwins, mayHaveTwinOutside, TWIN_WINDOW_MICROS } from "./watchTwins";

/**
 * The pairing rule on hand-made entries of one Deployment (the integration test runs it on the
 * real rollout): which entries are twins, which stay, which diff an audit entry shows.
 */
const T0 = Date.parse("2021-09-13T14:57:13.800Z") * 1000;
const STATUS_DIFF: DiffEntry[] = [{ path: "status.observedGeneration", old: 1, new: 2 }];
const SPEC_DIFF: DiffEntry[] = [{ path: "metadata.generation", old: 1, new: 2 }];

let nextId = 1;
function entry(source: TraceEntry["source"], offsetMicros: number, details: JsonObject, more: Partial<TraceEntry> = {}): TraceEntry {
  const at = (T0 + offsetMicros) as EpochMicros;
  return { id: nextId++, objectId: 5, source, start: at, end: at, actor: source === "watch" ? "kube-controller-manager" : "system:serviceaccount:kube-system:deployment-controller", verb: "update", subresource: "status", statusCode: source === "audit" ? 200 : null, title: "t", auditId: null, stage: null, userAgent: null, details, diff: null, snapshot: null, noop: false, ...more };
}
const audit = (offset: number, rv: string, more: Partial<TraceEntry> = {}) => entry("audit", offset, { resourceVersionAfter: rv, level: "RequestResponse" }, more);
const watch = (offset: number, rv: string, event = "MODIFIED", more: Partial<TraceEntry> = {}) => entry("watch", offset, { watchEvent: event, resourceVersionAfter: rv }, { diff: STATUS_DIFF, ...more });
const ids = (entries: TraceEntry[]) => entries.map((e) => e.id);

describe("folding watch entries into their audit twins", () => {
  it("leaves out a watch entry with an audit twin and lends its diff to the twin that has none", () => {
    const a = audit(0, "9127");
    const w = watch(150_000, "9127");
    const folded = foldWatchTwins([a, w]);
    expect(ids(folded)).toEqual([a.id]);
    expect(folded[0]).toMatchObject({ diff: STATUS_DIFF, details: { diffFrom: "watch", diffFromEntryId: w.id, resourceVersionAfter: "9127" } });
    // Not changed in place: the loaded entry is as stored.
    expect(a.diff).toBeNull();
  });

  it("keeps the audit entry's own diff", () => {
    const a = audit(0, "9120", { diff: SPEC_DIFF });
    const folded = foldWatchTwins([a, watch(100_000, "9120")]);
    expect(folded).toEqual([a]);
  });

  it("keeps watch entries without a twin: another version, another object, a GONE, or too far apart", () => {
    const a = audit(0, "9162");
    const other = watch(100_000, "9163");
    const otherObject = { ...watch(100_000, "9162"), objectId: 6 };
    // GONE's version is the last one the watch knew, the last write's: it reports a deletion, not that write.
    const gone = watch(200_000, "9162", "GONE", { diff: null, verb: "delete" });
    const late = watch(TWIN_WINDOW_MICROS + 1, "9162");
    expect(ids(foldWatchTwins([a, other, otherObject, gone]))).toEqual([a.id, other.id, otherObject.id, gone.id]);
    expect(ids(foldWatchTwins([a, late]))).toEqual([a.id, late.id]);
    expect(foldWatchTwins([a, late])[0]!.diff).toBeNull();
  });

  it("does not pair with an audit no-op, whose version is the previous write's", () => {
    const write = audit(0, "9146", { diff: STATUS_DIFF });
    const noop = audit(30_000_000, "9146", { noop: true });
    const w = watch(30_100_000, "9146", "MODIFIED", { diff: SPEC_DIFF });
    const folded = foldWatchTwins([write, noop, w]);
    expect(ids(folded)).toEqual([write.id, noop.id]);
    expect(folded[1]!.diff).toBeNull();
  });

  it("pairs with twins outside the loaded entries, which it never returns", () => {
    const a = audit(0, "9109");
    const outsideWatch = watch(1_200_000, "9109");
    expect(foldWatchTwins([a], [candidateOf(outsideWatch)])).toEqual([{ ...a, diff: STATUS_DIFF, details: { ...a.details, diffFrom: "watch", diffFromEntryId: outsideWatch.id } }]);
    const w = watch(0, "9119");
    const outsideAudit = audit(-500_000, "9119");
    expect(foldWatchTwins([w], [candidateOf(outsideAudit)])).toEqual([]);
    // A candidate also loaded counts once.
    expect(ids(foldWatchTwins([a, outsideWatch], [candidateOf(outsideWatch)]))).toEqual([a.id]);
  });

  it("lends the diff of the nearest of two watch entries of one version, in whichever order they are loaded", () => {
    // Two replicas watching the same object: each reports the version (the side panel loads them in the database's order).
    const a = audit(0, "9135");
    const far = watch(900_000, "9135", "MODIFIED", { diff: SPEC_DIFF });
    const near = watch(300_000, "9135");
    for (const loaded of [[a, far, near], [a, near, far]]) {
      const folded = foldWatchTwins(loaded);
      expect(ids(folded)).toEqual([a.id]);
      expect(folded[0]).toMatchObject({ diff: STATUS_DIFF, details: { diffFromEntryId: near.id } });
    }
  });

  it("entries that may have a twin outside a range: watch entries and audit entries that lack a diff, near an edge", () => {
    const start = T0;
    const end = T0 + 10 * TWIN_WINDOW_MICROS;
    expect(mayHaveTwinOutside(watch(1, "1"), start, end)).toBe(true);
    expect(mayHaveTwinOutside(watch(10 * TWIN_WINDOW_MICROS - 1, "1"), start, end)).toBe(true);
    expect(mayHaveTwinOutside(watch(5 * TWIN_WINDOW_MICROS, "1"), start, end)).toBe(false);
    expect(mayHaveTwinOutside(audit(1, "1"), start, end)).toBe(true);
    expect(mayHaveTwinOutside(audit(1, "1", { diff: SPEC_DIFF }), start, end)).toBe(false);
    expect(mayHaveTwinOutside(watch(1, "1", "GONE"), start, end)).toBe(false);
    expect(mayHaveTwinOutside(entry("event", 1, { resourceVersionAfter: "1" }), start, end)).toBe(false);
  });
});
