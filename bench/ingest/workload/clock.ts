/**
 * Deterministic ids and times for generated audit events: the same settings always give the
 * same events, so two runs differ only in how fast they were stored.
 */

/** A seeded pseudo-random generator (mulberry32): uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `items` in place (Fisher–Yates) with `random`. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * UUID-shaped ids (version 4 layout) that are unique per (space, counter): the space tells
 * apart what the ids name (audit events, object uids) and the workload they belong to.
 */
export function uuidOf(space: number, counter: number): string {
  const hex = (value: number, width: number) => value.toString(16).padStart(width, "0");
  return `${hex(space >>> 0, 8)}-0000-4000-8000-${hex(counter, 12)}`;
}

/** An apiserver timestamp (RFC 3339 with microseconds, as metav1.MicroTime prints it). */
export function microTime(epochMicros: number): string {
  const ms = Math.floor(epochMicros / 1000);
  const micros = String(Math.floor(epochMicros % 1000)).padStart(3, "0");
  return new Date(ms).toISOString().replace("Z", `${micros}Z`);
}

/** A timestamp at second precision (metav1.Time), as in object metadata. */
export function secondTime(epochMicros: number): string {
  return new Date(Math.floor(epochMicros / 1_000_000) * 1000).toISOString().replace(".000Z", "Z");
}

/** The times of one request: received, then completed a few milliseconds later. */
export interface RequestTimes {
  received: string;
  completed: string;
  /** For object metadata (creationTimestamp, condition times). */
  seconds: string;
}

/** Hands out request times at a steady rate, like a cluster doing `eventsPerSecond` audited requests. */
export class AuditClock {
  private micros: number;
  constructor(
    startIso: string,
    private readonly eventsPerSecond: number,
    private readonly random: () => number,
  ) {
    this.micros = Date.parse(startIso) * 1000;
  }

  next(): RequestTimes {
    this.micros += Math.round(1_000_000 / this.eventsPerSecond);
    const latency = 800 + Math.floor(this.random() * 12_000);
    return { received: microTime(this.micros), completed: microTime(this.micros + latency), seconds: secondTime(this.micros) };
  }
}
