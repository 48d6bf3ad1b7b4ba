import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { newReflectorStats } from "../../k8s/reflector";
import { parseWatchedResource, type WatchedResource } from "../../k8s/watchedResources";
import type { ObservedHistoryEntry } from "../../plugins/types";
import { cascadeWrites } from "../../testing/watchedCascade";
import { objectWatchSource } from "./objectWatchSource";
import { kubernetesEventsSource } from "../events/eventsSource";

/**
 * `npm run demo:cluster` (scripts/demo-cluster.ts): the stand-in cluster the README offers for
 * trying object watches, run as its command runs it, and watched through the kubeconfig it
 * writes by the real watch sources.
 */

const ROOT = path.resolve(import.meta.dirname, "../../..");
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): { child: ChildProcess; lines: AsyncIterator<string>; stderr: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo-cluster.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator](), stderr: () => stderr };
}

async function lineMatching(lines: AsyncIterator<string>, pattern: RegExp): Promise<RegExpMatchArray> {
  for (;;) {
    const next = await lines.next();
    if (next.done) throw new Error(`the script ended before printing ${pattern}`);
    const match = next.value.match(pattern);
    if (match) return match;
  }
}

describe("npm run demo:cluster", () => {
  it("refuses bad arguments, naming the problem", async () => {
    const { child, stderr } = run(["--delay-ms", "soon"]);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(stderr()).toContain('demo:cluster: --delay-ms: expected a whole number of milliseconds, got "soon"');
  });

  it("replays the rollout once Kubetrail's sources watch it, through the kubeconfig it writes", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "kt-demo-"));
    dirs.push(dir);
    const { lines } = run([dir, "--delay-ms", "0"]);
    const [, file] = await lineMatching(lines, /kubeconfig: (.*)$/);
    expect(file).toBe(path.join(dir, "kubeconfig.yaml"));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(file!);

    // Three watch sources and an Events one: the script waits for four watches.
    const entries: ObservedHistoryEntry[] = [];
    const controller = new AbortController();
    const context = {
      signal: controller.signal,
      log: () => {},
      ingestHistory: async (_cluster: string, batch: ObservedHistoryEntry[]) => {
        entries.push(...batch);
        return { received: batch.length, stored: batch.length, duplicates: 0, rejected: [], placeholders: 0 };
      },
      // A fresh store: nothing watched before.
      liveWatchedObjects: async () => [],
    };
    const running = [
      ...["deployments.apps", "replicasets.apps", "pods"].map((name) =>
        objectWatchSource("demo", kubeConfig, parseWatchedResource(name) as WatchedResource, { batchDelayMs: 1 }, newReflectorStats()).start(context),
      ),
      kubernetesEventsSource("demo", kubeConfig).start(context),
    ];
    await lineMatching(lines, /^replayed the rollout/);
    // Every object of the rollout reached a watch, and each one it removed was seen deleted.
    const uidOf = (body: unknown) => String((body as { metadata: { uid: string } }).metadata.uid);
    const writes = cascadeWrites();
    const removed = new Set(writes.filter((write) => write.change === "DELETED").map((write) => uidOf(write.body)));
    const deletedSeen = () => new Set(entries.filter((entry) => entry.details.watchEvent === "DELETED").map((entry) => entry.object.uid));
    while ([...removed].some((uid) => !deletedSeen().has(uid))) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(new Set(entries.map((entry) => entry.object.uid))).toEqual(new Set(writes.map((write) => uidOf(write.body))));
    expect(removed.size).toBeGreaterThan(5);
    controller.abort();
    await Promise.all(running);
  });
});
