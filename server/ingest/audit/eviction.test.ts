import { describe, expect, it } from "vitest";
import { realApiserverPod } from "../../testing/fixtures";
import { evictedPod, secondOf, type EvictionEffect, type EvictionRules } from "./eviction";
import type { JsonObject } from "./types";

type Loose = Record<string, any>;

/**
 * The real Pod openshift-apiserver/apiserver-5d887d5fcd-mrn5h (OpenShift 4.8 must-gather:
 * Running on master-0, terminationGracePeriodSeconds 70, no finalizers, conditions Initialized,
 * Ready, ContainersReady and PodScheduled), evicted as kube-apiserver's eviction REST does it.
 */
const realPod = () => realApiserverPod() as Loose;

const EVICTION: EvictionEffect = { kind: "eviction", gracePeriodSeconds: null };
/** kube-apiserver 1.26 and later (PodDisruptionConditions on), and before. */
const SINCE_1_26: EvictionRules = { setsDisruptionTarget: true };
const BEFORE_1_26: EvictionRules = { setsDisruptionTarget: false };
/** A request received and answered within one second (12 ms, a drain's eviction). */
const WITHIN_A_SECOND = { from: new Date("2021-09-13T15:10:05.204123Z"), to: new Date("2021-09-13T15:10:05.216789Z") };
/** A request that ran from one second into the next. */
const ACROSS_SECONDS = { from: new Date("2021-09-13T15:10:05.994123Z"), to: new Date("2021-09-13T15:10:06.006789Z") };

const disruptionTarget = (lastTransitionTime: string) => ({
  type: "DisruptionTarget",
  status: "True",
  reason: "EvictionByEvictionAPI",
  message: "Eviction API: evicting",
  lastProbeTime: null,
  lastTransitionTime,
});

describe("the second an eviction ran in", () => {
  it("is known when the request was received and answered in the same second", () => {
    expect(secondOf(WITHIN_A_SECOND)).toBe("2021-09-13T15:10:05Z");
    expect(secondOf(ACROSS_SECONDS)).toBeNull();
  });
});

describe("a Pod evicted", () => {
  it("is made a disruption target and deleted gracefully, with its own grace period", () => {
    const before = realPod();
    const { state, removed } = evictedPod(before as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26);
    expect(removed).toBe(false);
    const after = state as Loose;
    expect(after.metadata.deletionTimestamp).toBe("2021-09-13T15:11:15Z");
    expect(after.metadata.deletionGracePeriodSeconds).toBe(70);
    expect(after.status.conditions).toEqual([...before.status.conditions, disruptionTarget("2021-09-13T15:10:05Z")]);
    // The answer is a Status: no version is told. The Pod (real, Kubernetes 1.21) has no generation.
    expect(after.metadata.resourceVersion).toBeUndefined();
    expect(after.metadata.generation).toBeUndefined();
    // The rest is the Pod's, which is not changed in place (it may be a cached state).
    expect({ ...after, metadata: {}, status: {} }).toEqual({ ...before, metadata: {}, status: {} });
    expect(before).toEqual(realPod());
  });

  it("takes the grace period its DeleteOptions ask for, a negative one as 1 second", () => {
    const after = (grace: number) => evictedPod(realPod() as JsonObject, { kind: "eviction", gracePeriodSeconds: grace }, WITHIN_A_SECOND, SINCE_1_26).state as Loose;
    expect(after(10).metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:10:15Z", deletionGracePeriodSeconds: 10 });
    expect(after(-1).metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:10:06Z", deletionGracePeriodSeconds: 1 });
  });

  it("bumps the generation of a Pod that has one (Kubernetes 1.33 and later)", () => {
    const pod = realPod();
    pod.metadata.generation = 1;
    expect((evictedPod(pod as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26).state as Loose).metadata.generation).toBe(2);
  });

  it("keeps the transition time of a DisruptionTarget condition already true", () => {
    const pod = realPod();
    pod.status.conditions.push({ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: "preempted", lastProbeTime: null, lastTransitionTime: "2021-09-13T15:09:00Z" });
    const conditions = (evictedPod(pod as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26).state as Loose).status.conditions;
    expect(conditions).toHaveLength(5);
    expect(conditions[4]).toEqual(disruptionTarget("2021-09-13T15:09:00Z"));
  });

  it("keeps the observedGeneration of a DisruptionTarget condition it replaces, as the Pod's status update does", () => {
    // Preempted by the scheduler, which stamps the generation its condition observed
    // (PodObservedGenerationTracking, Kubernetes 1.33 and later), and being deleted; then
    // evicted. The eviction's condition carries none, and podStatusStrategy.PrepareForUpdate
    // (preserveOldObservedGeneration) keeps the one the condition of its type had.
    const pod = realPod();
    pod.metadata.generation = 2;
    pod.metadata.deletionTimestamp = "2021-09-13T15:11:00Z";
    pod.metadata.deletionGracePeriodSeconds = 70;
    pod.status.conditions.push({ type: "DisruptionTarget", status: "True", observedGeneration: 1, reason: "PreemptionByScheduler", message: "default-scheduler: preempting to accommodate a higher priority pod", lastProbeTime: null, lastTransitionTime: "2021-09-13T15:09:50Z" });
    const state = evictedPod(pod as JsonObject, EVICTION, ACROSS_SECONDS, SINCE_1_26).state as Loose;
    expect(state.status.conditions[4]).toEqual({ ...disruptionTarget("2021-09-13T15:09:50Z"), observedGeneration: 1 });
    // A condition that had none gets none.
    expect((evictedPod(realPod() as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26).state as Loose).status.conditions[4]).not.toHaveProperty("observedGeneration");
  });

  it("is not made up when the request spanned two seconds: its deletion time is then unknowable", () => {
    expect(evictedPod(realPod() as JsonObject, EVICTION, ACROSS_SECONDS, SINCE_1_26)).toEqual({ state: null, removed: false });
  });

  it("is removed at once when it is on no node or terminal, graceful or not", () => {
    const pending = realPod();
    delete pending.spec.nodeName;
    pending.status = { phase: "Pending", qosClass: "Burstable" };
    const unscheduled = evictedPod(pending as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26);
    expect(unscheduled.removed).toBe(true);
    // As it was removed: a disruption target, its deletion now.
    expect((unscheduled.state as Loose).metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:10:05Z", deletionGracePeriodSeconds: 0 });
    expect((unscheduled.state as Loose).status.conditions).toEqual([disruptionTarget("2021-09-13T15:10:05Z")]);
    const succeeded = realPod();
    succeeded.status.phase = "Succeeded";
    expect(evictedPod(succeeded as JsonObject, { kind: "eviction", gracePeriodSeconds: 30 }, WITHIN_A_SECOND, SINCE_1_26).removed).toBe(true);
    // Removed whenever it ran; what it was as it went is then not known to the second.
    expect(evictedPod(pending as JsonObject, EVICTION, ACROSS_SECONDS, SINCE_1_26)).toEqual({ state: null, removed: true });
  });

  it("stays, marked as deleting, while finalizers hold it", () => {
    const pending = realPod();
    delete pending.spec.nodeName;
    pending.metadata.finalizers = ["example.com/cleanup"];
    const { state, removed } = evictedPod(pending as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26);
    expect(removed).toBe(false);
    expect((state as Loose).metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:10:05Z", deletionGracePeriodSeconds: 0, finalizers: ["example.com/cleanup"] });
  });

  it("already being deleted keeps its deletion, unless its grace period is shortened", () => {
    const deleting = realPod();
    deleting.metadata.deletionTimestamp = "2021-09-13T15:11:00Z";
    deleting.metadata.deletionGracePeriodSeconds = 70;
    const kept = evictedPod(deleting as JsonObject, EVICTION, ACROSS_SECONDS, SINCE_1_26);
    // Its deletion does not depend on the second the eviction ran in; the new condition's time does.
    expect(kept).toEqual({ state: null, removed: false });
    const within = evictedPod(deleting as JsonObject, { kind: "eviction", gracePeriodSeconds: 90 }, WITHIN_A_SECOND, SINCE_1_26).state as Loose;
    expect(within.metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:11:00Z", deletionGracePeriodSeconds: 70 });
    // 70 → 30: 40 seconds earlier, still ahead.
    const shortened = evictedPod(deleting as JsonObject, { kind: "eviction", gracePeriodSeconds: 30 }, WITHIN_A_SECOND, SINCE_1_26).state as Loose;
    expect(shortened.metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:10:20Z", deletionGracePeriodSeconds: 30 });
    // 70 → 5: in the past, so now, and a second's grace for the kubelet to finish it.
    const past = evictedPod(deleting as JsonObject, { kind: "eviction", gracePeriodSeconds: 5 }, WITHIN_A_SECOND, SINCE_1_26).state as Loose;
    expect(past.metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:10:05Z", deletionGracePeriodSeconds: 1 });
    // 0: removed.
    expect(evictedPod(deleting as JsonObject, { kind: "eviction", gracePeriodSeconds: 0 }, WITHIN_A_SECOND, SINCE_1_26).removed).toBe(true);
  });

  it("already a disruption target and being deleted is known whenever the eviction ran: it changed nothing that depends on the time", () => {
    const deleting = realPod();
    deleting.metadata.deletionTimestamp = "2021-09-13T15:11:00Z";
    deleting.metadata.deletionGracePeriodSeconds = 70;
    deleting.status.conditions.push(disruptionTarget("2021-09-13T15:09:50Z"));
    const { state } = evictedPod(deleting as JsonObject, EVICTION, ACROSS_SECONDS, SINCE_1_26);
    const { resourceVersion: _, ...metadata } = deleting.metadata;
    expect(state).toEqual({ ...deleting, metadata });
  });

  it("whose grace period has run out is removed, or marked as deleting now while finalizers hold it", () => {
    const expired = realPod();
    expired.metadata.deletionTimestamp = "2021-09-13T15:09:00Z";
    expired.metadata.deletionGracePeriodSeconds = 0;
    expect(evictedPod(expired as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26).removed).toBe(true);
    expired.metadata.finalizers = ["example.com/cleanup"];
    const held = evictedPod(expired as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26);
    expect(held.removed).toBe(false);
    expect((held.state as Loose).metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:09:00Z", deletionGracePeriodSeconds: 0 });
  });
});

describe("a Pod evicted with a grace period past what kube-apiserver can add to a time", () => {
  // 2^53 − 1: a valid int64, which the apiserver takes (ValidateDeleteOptions sets no bound), but
  // seconds as a Go time.Duration (int64 nanoseconds) overflow past 9223372036: the deletion
  // time it then sets is not now plus the grace period, and not made up here.
  const HUGE = 9007199254740991;

  it("is deleted at a time not known, asked in its DeleteOptions or its own", () => {
    expect(evictedPod(realPod() as JsonObject, { kind: "eviction", gracePeriodSeconds: HUGE }, WITHIN_A_SECOND, SINCE_1_26)).toEqual({ state: null, removed: false });
    const pod = realPod();
    pod.spec.terminationGracePeriodSeconds = HUGE;
    expect(evictedPod(pod as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26)).toEqual({ state: null, removed: false });
    // The longest a Duration holds is added as it is.
    const longest = evictedPod(realPod() as JsonObject, { kind: "eviction", gracePeriodSeconds: 9223372036 }, WITHIN_A_SECOND, SINCE_1_26).state as Loose;
    expect(longest.metadata).toMatchObject({ deletionTimestamp: "2313-12-24T14:57:21Z", deletionGracePeriodSeconds: 9223372036 });
  });

  it("already being deleted with one is shortened to a time not known", () => {
    const deleting = realPod();
    deleting.metadata.deletionTimestamp = "2021-09-13T15:11:00Z";
    deleting.metadata.deletionGracePeriodSeconds = HUGE;
    expect(evictedPod(deleting as JsonObject, { kind: "eviction", gracePeriodSeconds: 30 }, WITHIN_A_SECOND, SINCE_1_26)).toEqual({ state: null, removed: false });
    // Removed, whatever the time: a grace period of 0 and no finalizers.
    expect(evictedPod(deleting as JsonObject, { kind: "eviction", gracePeriodSeconds: 0 }, WITHIN_A_SECOND, SINCE_1_26)).toEqual({ state: null, removed: true });
    // A longer one, or none, leaves it as it is.
    expect((evictedPod(deleting as JsonObject, EVICTION, WITHIN_A_SECOND, SINCE_1_26).state as Loose).metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:11:00Z", deletionGracePeriodSeconds: HUGE });
  });
});

describe("a Pod evicted by kube-apiserver before 1.26 (PodDisruptionConditions off by default)", () => {
  it("is only deleted: no DisruptionTarget condition, its other conditions as they were", () => {
    const before = realPod();
    const { state, removed } = evictedPod(before as JsonObject, EVICTION, WITHIN_A_SECOND, BEFORE_1_26);
    expect(removed).toBe(false);
    const after = state as Loose;
    expect(after.metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:11:15Z", deletionGracePeriodSeconds: 70 });
    expect(after.status).toEqual(before.status);
  });

  it("whose deletion does not depend on the second it ran in is known though the request spanned two seconds", () => {
    // Already being deleted, with its grace period not shortened: only the condition's time
    // would have depended on the second, and there is no condition.
    const deleting = realPod();
    deleting.metadata.deletionTimestamp = "2021-09-13T15:11:00Z";
    deleting.metadata.deletionGracePeriodSeconds = 70;
    const kept = evictedPod(deleting as JsonObject, EVICTION, ACROSS_SECONDS, BEFORE_1_26);
    expect(kept.removed).toBe(false);
    expect((kept.state as Loose).metadata).toMatchObject({ deletionTimestamp: "2021-09-13T15:11:00Z", deletionGracePeriodSeconds: 70 });
    expect((kept.state as Loose).status).toEqual(deleting.status);
    // A new deletion's time still does.
    expect(evictedPod(realPod() as JsonObject, EVICTION, ACROSS_SECONDS, BEFORE_1_26)).toEqual({ state: null, removed: false });
  });

  it("on no node is removed, its snapshot without the condition", () => {
    const pending = realPod();
    delete pending.spec.nodeName;
    pending.status = { phase: "Pending", qosClass: "Burstable" };
    const { state, removed } = evictedPod(pending as JsonObject, EVICTION, WITHIN_A_SECOND, BEFORE_1_26);
    expect(removed).toBe(true);
    expect((state as Loose).status).toEqual({ phase: "Pending", qosClass: "Burstable" });
  });
});
