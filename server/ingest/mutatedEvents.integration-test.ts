import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { allFalcoEvents } from "../testing/fixtures";
import { loadHkermaEvents } from "../testing/hkermaCsv";
import { incompressibleText } from "../testing/incompressibleText";
import { rolloutScenario } from "../testing/scenarios/rollout";
import { DEFAULT_SENSITIVE_RULES, hmacFingerprint } from "../model/redact/redact";
import { createAuditIngestor } from "./audit/ingest";
import { DEFAULT_SKIP_RESOURCES, DEFAULT_SKIP_USER_AGENT_SUBSTRINGS } from "./audit/defaults";
import { ingestEventList } from "./eventList";

/**
 * Real audit events (the falco traces, the rollout scenario built from real OpenShift objects,
 * and Metadata-level events rebuilt from the hkerma CSV, reads among them), each damaged in one to three places, sent in batches as the webhook receives them.
 * Whatever an event holds, a batch must be stored or its bad events rejected by name: a store
 * that fails is answered "retry later", and the apiserver resends that batch forever. Each batch
 * is sent twice, and the second time must change nothing.
 *
 * This found a time in year 0, a response code beyond 32 bits, NULs and over-long values in
 * indexed columns, each of which failed its whole batch.
 */

const options = {
  skipResources: DEFAULT_SKIP_RESOURCES,
  skipUserAgentSubstrings: DEFAULT_SKIP_USER_AGENT_SUBSTRINGS,
  sensitive: DEFAULT_SENSITIVE_RULES,
  fingerprint: hmacFingerprint("test-key-0123456789"),
};

const BATCHES = 120;
const EVENTS_PER_BATCH = 20;

/** Values an apiserver would not write, or that sit at the edge of what the store can hold. */
const HOSTILE_VALUES: unknown[] = [
  null, 0, -1, 1.5, 1e308, -1e308, true, false, 2 ** 31, -(2 ** 31) - 1, 2 ** 53,
  "", "\u0000", "x\u0000y", "\ud800", "\\", "\t\n\r", "ﬀ😀", "%", "_", "a".repeat(70_000), incompressibleText(3000),
  "0000-01-01T00:00:00Z", "9999-12-31T23:30:00-01:00", "2024-02-30T00:00:00Z", "not a date", "12345678901234567890123456789",
  [], [null], {}, { a: 1 },
  JSON.parse('{"__proto__":{"x":1},"constructor":"c","":"empty","a/b~c":"p","toString":1}'),
  JSON.parse('[{"name":"__proto__","value":1},{"name":"constructor"},{"name":"a"},{"name":"a"}]'),
  { containers: [{ name: "x" }, { name: "x" }, { noname: 1 }, null, 5] },
  JSON.parse("[".repeat(990) + "1" + "]".repeat(990)),
  JSON.parse("[".repeat(1500) + "1" + "]".repeat(1500)),
  { metadata: { name: 5, namespace: [], uid: {}, resourceVersion: 12, managedFields: "x", ownerReferences: [{ uid: 1, kind: null }, "x"] } },
  { kind: "Secret", data: { a: "YQ==" }, stringData: { b: "c" } },
];

/** A small seeded generator, so that a failure can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) / 2 ** 24;
  };
  return { next, pick: <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

type Path = Array<string | number>;

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 6) return out;
  if (Array.isArray(value)) value.forEach((child, i) => (out.push([...prefix, i]), pathsOf(child, [...prefix, i], out)));
  else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) (out.push([...prefix, key]), pathsOf(child, [...prefix, key], out));
  }
  return out;
}

function damaged(event: unknown, random: ReturnType<typeof generator>): unknown {
  const copy = structuredClone(event) as Record<string | number, any>;
  const times = 1 + Math.floor(random.next() * 3);
  for (let i = 0; i < times; i++) {
    const paths = pathsOf(copy);
    if (paths.length === 0) break;
    const path = random.pick(paths);
    const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], copy);
    const key = path[path.length - 1]!;
    if (random.next() < 0.25 && !Array.isArray(parent)) delete parent[key];
    else parent[key] = structuredClone(random.pick(HOSTILE_VALUES));
  }
  return copy;
}

describe.each(STORE_KINDS)("damaged real audit events on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(() => test.dispose());

  it("are stored or rejected by name, never fail their batch, and change nothing when sent again", async () => {
    const ingestor = createAuditIngestor(test.db, options);
    const hkerma = loadHkermaEvents();
    const originals: unknown[] = [...allFalcoEvents(), ...rolloutScenario().map((step) => step.event), ...hkerma.filter((_, i) => i % 250 === 0)];
    const random = generator(1);
    let accepted = 0;
    let rejected = 0;
    for (let batch = 0; batch < BATCHES; batch++) {
      const items = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
        const event = damaged(random.pick(originals), random);
        // Half get an auditID of their own: the rest repeat the fixtures', as retries would.
        if (random.next() < 0.5 && typeof event === "object" && event !== null) (event as Record<string, unknown>).auditID = `damaged-${batch}-${i}`;
        return event;
      });
      const body = Buffer.from(JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", items }));
      const first = await ingestEventList(ingestor, "damaged", body);
      if (!first.ok) throw new Error(`batch ${batch}: refused whole: ${first.message}`);
      const summary = first.summary;
      expect(summary.accepted + summary.duplicates + summary.rejected.length, `batch ${batch}: every event counted once`).toBe(EVENTS_PER_BATCH);
      for (const rejection of summary.rejected) expect(rejection.reason, `batch ${batch}, event ${rejection.index}`).toMatch(/^\S.*: /);
      const again = await ingestEventList(ingestor, "damaged", body);
      expect(again.ok && again.summary, `batch ${batch} sent again`).toEqual({ ...summary, accepted: 0, duplicates: summary.accepted + summary.duplicates, skipped: 0, history: 0, reads: 0 });
      accepted += summary.accepted;
      rejected += summary.rejected.length;
    }
    // The damage leaves both kinds common: a test that rejected (or kept) everything would prove little.
    expect(accepted).toBeGreaterThan(BATCHES * EVENTS_PER_BATCH * 0.1);
    expect(rejected).toBeGreaterThan(BATCHES * EVENTS_PER_BATCH * 0.1);
  });
});
