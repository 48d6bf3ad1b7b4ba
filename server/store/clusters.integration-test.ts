import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseKubernetesVersion } from "../k8s/kubernetesVersion";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { ClusterRegistry } from "./clusters";
import type { Database } from "./database";

/**
 * The cluster registry of one ingestor, looked up by two of its batches at once: a cluster's
 * first two batches arrive together (two webhook requests), and both ask for its id before
 * either has it.
 */
describe.each(STORE_KINDS)("a cluster looked up by two batches at once, on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => (test = await openTestDatabase(kind)));
  afterAll(() => test.dispose());

  /** `db`, with the next statement that looks a cluster up held until `release` is called. */
  function holdingNextLookup(db: Database): { db: Database; release: () => void } {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    const wrapped = new Proxy(db, {
      get(target, property) {
        if (property === "query")
          return async (text: string, params?: unknown[]) => {
            if (holding && text.startsWith("INSERT INTO clusters")) {
              holding = false;
              await held;
            }
            return target.query(text, params);
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return { db: wrapped, release };
  }

  it("keeps the version the first batch noted when the second's lookup answers after it", async () => {
    const { db, release } = holdingNextLookup(test.db);
    const clusters = new ClusterRegistry(db);
    // The second batch's lookup is sent first and answers last.
    const second = clusters.idOf("looked-up-twice");
    const id = await clusters.idOf("looked-up-twice");
    // The first batch names its cluster's version (kube-apiserver's own requests) and stores it.
    clusters.noteVersion("looked-up-twice", parseKubernetesVersion("v1.30.2"));
    release();
    expect(await second).toBe(id);
    expect(clusters.versionOf("looked-up-twice")).toEqual(parseKubernetesVersion("v1.30.2"));
  });
});
