import { AuditClock, seededRandom, shuffle, uuidOf } from "./clock";
import type { GeneratorContext, Json } from "./envelope";
import type { ObjectLifecycle } from "./lifecycle";
import { newPod } from "./pods";
import { newConfigMap } from "./configMaps";
import { newDeployment } from "./deployments";
import { newService } from "./services";
import { ReadReplayer } from "./reads";

/**
 * A stream of audit events as a busy cluster's apiserver sends them, pre-serialised into
 * the EventList batches its webhook backend posts. About 60% writes: every object is created,
 * then changed step by step (updates, patches, controller status updates, a few deletes);
 * about 40% reads at Metadata level. Each kind's events come from real recorded ones (see
 * pods.ts, deployments.ts, configMaps.ts, services.ts, reads.ts).
 *
 * Writes go in rounds: round r carries step r of every object that has one, always in the
 * same (shuffled) order, so two writes of one object are a round apart (with the default
 * size, thousands of events and many batches), as they are in a cluster, and batches posted
 * in parallel do not race on one object's consecutive versions.
 */

export interface WorkloadOptions {
  events: number;
  batchSize: number;
  /** Makes ids, names and choices of this workload its own (and repeatable). */
  seed: number;
  /** Namespaces are `<prefix>-<n>`. */
  namespacePrefix: string;
  /** When the first request was received. */
  startTime: string;
}

export interface Workload {
  /** Each an audit.k8s.io/v1 EventList of `batchSize` events (the last may be shorter), as UTF-8 JSON. */
  batches: Buffer[];
  events: number;
  writes: number;
  reads: number;
  objects: Record<"pods" | "deployments" | "configMaps" | "services", number>;
  /** Bytes of the events' JSON, without the EventList around them. */
  eventBytes: number;
  /** Bytes of all batches as posted. */
  batchBytes: number;
}

const NAMESPACES = 50;
/** Requests per second of cluster time: sets how many per-minute read counters there are. */
const CLUSTER_REQUESTS_PER_SECOND = 250;
/** Of the objects: one Deployment and one Service per app, ~3.3 Pods and ~1.3 ConfigMaps per app. */
const SHARE = { deployments: 0.15, services: 0.15, pods: 0.5, configMaps: 0.2 };
/** Writes per object (the steps of each lifecycle), weighted by SHARE. */
const WRITES_PER_OBJECT = SHARE.deployments * 9 + SHARE.services * 3 + SHARE.pods * 6 + SHARE.configMaps * 6;
const WRITE_SHARE = 0.6;

function contextOf(options: WorkloadOptions, random: () => number): GeneratorContext {
  const clock = new AuditClock(options.startTime, CLUSTER_REQUESTS_PER_SECOND, random);
  let audits = 0;
  let uids = 0;
  let revision = 100_000;
  return {
    times: () => clock.next(),
    auditId: () => uuidOf(options.seed, ++audits),
    uid: () => uuidOf(options.seed + 1, ++uids),
    resourceVersion: () => String(++revision),
    random,
  };
}

const RS_HASH_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** The objects of the workload: apps, each a Deployment, a Service, its Pods and ConfigMaps. */
function objectsOf(ctx: GeneratorContext, options: WorkloadOptions): { lifecycles: ObjectLifecycle[]; objects: Workload["objects"] } {
  const total = Math.max(1, Math.round((options.events * WRITE_SHARE) / WRITES_PER_OBJECT));
  const apps = Math.max(1, Math.round(total * SHARE.deployments));
  const pods = Math.round(total * SHARE.pods);
  const configMaps = Math.round(total * SHARE.configMaps);
  const lifecycles: ObjectLifecycle[] = [];
  const appName = (i: number) => `app-${String(i).padStart(5, "0")}`;
  const namespaceOf = (i: number) => `${options.namespacePrefix}-${String(i % NAMESPACES).padStart(2, "0")}`;
  const replicaSets = Array.from({ length: apps }, (_, i) => {
    let hash = "";
    for (let c = 0; c < 10; c++) hash += RS_HASH_CHARS[Math.floor(ctx.random() * RS_HASH_CHARS.length)];
    return { name: `${appName(i)}-${hash}`, uid: ctx.uid() };
  });
  for (let i = 0; i < apps; i++) {
    lifecycles.push(newDeployment(ctx, namespaceOf(i), appName(i)));
    lifecycles.push(newService(ctx, namespaceOf(i), appName(i)));
  }
  for (let i = 0; i < pods; i++) lifecycles.push(newPod(ctx, namespaceOf(i % apps), replicaSets[i % apps]!));
  for (let i = 0; i < configMaps; i++) lifecycles.push(newConfigMap(ctx, namespaceOf(i % apps), `${appName(i % apps)}-config-${Math.floor(i / apps)}`));
  return { lifecycles, objects: { deployments: apps, services: apps, pods, configMaps } };
}

/** Every write, round by round (see the module comment). */
function* writesOf(lifecycles: ObjectLifecycle[]): Generator<Json> {
  const rounds = Math.max(...lifecycles.map((l) => l.steps));
  for (let step = 0; step < rounds; step++) {
    for (const lifecycle of lifecycles) if (step < lifecycle.steps) yield lifecycle.write(step);
  }
}

export function generateWorkload(options: WorkloadOptions): Workload {
  const random = seededRandom(options.seed);
  const ctx = contextOf(options, random);
  const { lifecycles, objects } = objectsOf(ctx, options);
  shuffle(lifecycles, random);
  const writeCount = lifecycles.reduce((sum, l) => sum + l.steps, 0);
  const events = Math.max(options.events, writeCount);
  const readCount = events - writeCount;

  const writes = writesOf(lifecycles);
  const reads = new ReadReplayer(ctx);
  const batches: Buffer[] = [];
  let items: string[] = [];
  let eventBytes = 0;
  let readsSoFar = 0;
  for (let position = 0; position < events; position++) {
    // Reads spread evenly among the writes.
    const isRead = readsSoFar < Math.round(((position + 1) * readCount) / events);
    let event: Json;
    if (isRead) {
      event = reads.next();
      readsSoFar++;
    } else {
      const next = writes.next();
      if (next.done) throw new Error("workload: ran out of writes");
      event = next.value;
    }
    const text = JSON.stringify(event);
    eventBytes += Buffer.byteLength(text);
    items.push(text);
    if (items.length === options.batchSize || position === events - 1) {
      batches.push(Buffer.from(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${items.join(",")}]}`));
      items = [];
    }
  }
  return {
    batches,
    events,
    writes: writeCount,
    reads: readCount,
    objects,
    eventBytes,
    batchBytes: batches.reduce((sum, b) => sum + b.length, 0),
  };
}
