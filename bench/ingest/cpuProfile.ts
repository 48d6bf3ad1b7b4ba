import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Reads a V8 CPU profile (`node --cpu-prof`) of the server: where its time went, by function
 * and by area (idle, garbage collection, node internals, a package, a source file of the app).
 * Frames in the minified Next.js bundle are mapped back to their source files and lines with
 * the bundle's source maps (.next/server/chunks/*.js.map), read while the build is the one
 * that was profiled. Run on its own: `npx tsx bench/ingest/cpuProfile.ts <file.cpuprofile>`.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Not idle: what the process spent on the CPU (or waiting for it). */
  busyMs: number;
  byArea: Array<{ area: string; ms: number; share: number }>;
  topFunctions: Array<{ name: string; where: string; ms: number; share: number }>;
  /**
   * Functions by inclusive time (theirs and their callees', each sample counted once per
   * function on its stack), with their share of the busy time: which steps cost what.
   */
  topInclusive: Array<{ name: string; where: string; ms: number; share: number }>;
}

type Frame = ProfileNode["callFrame"];

/** Where a frame's code came from: its source file and line, through the bundle's source map when it has one. */
export class SourceLocator {
  private readonly maps = new Map<string, SourceMap | null>();

  locate(frame: Frame): { file: string; line: number; name: string } {
    const fallback = { file: frame.url.replace(/^file:\/\//, ""), line: frame.lineNumber + 1, name: frame.functionName };
    if (!frame.url.startsWith("file://")) return fallback;
    // Node's types omit `name`, which it returns since v20; an unmapped position gives {}.
    const entry = this.mapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number; name?: string } | undefined;
    if (typeof entry?.originalSource !== "string") return fallback;
    const file = entry.originalSource.replace(/^(\.\.\/)+/, "").replace(/^\[project\]\//, "");
    return { file, line: (entry.originalLine ?? 0) + 1, name: entry.name ?? frame.functionName };
  }

  private mapOf(url: string): SourceMap | null {
    if (!this.maps.has(url)) {
      const mapFile = `${fileURLToPath(url)}.map`;
      let map: SourceMap | null = null;
      try {
        map = new SourceMap(JSON.parse(fs.readFileSync(mapFile, "utf8")));
      } catch {
        // no source map: the frame keeps its bundle location
      }
      this.maps.set(url, map);
    }
    return this.maps.get(url)!;
  }
}

/** The area of a frame: a package, node's internals, a source file of the app, or one of V8's pseudo frames. */
function areaOf(frame: Frame, file: string): string {
  if (frame.url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (frame.url.startsWith("node:")) return "node internals";
  const nodeModules = file.lastIndexOf("node_modules/");
  if (nodeModules >= 0) {
    const rest = file.slice(nodeModules + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return file;
}

export function summarizeCpuProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const locator = new SourceLocator();
  const areas = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; us: number }>();
  let totalUs = 0;
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    totalUs += us;
    const source = locator.locate(frame);
    const area = areaOf(frame, source.file);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = frame.url ? `${source.file.split("node_modules/").pop()}:${source.line}` : "";
    const key = `${source.name}\u0000${where}`;
    const entry = functions.get(key) ?? { name: source.name || "(anonymous)", where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    if (area === "(idle)") continue;
    // Every function on the sample's stack, once (a recursive one appears several times).
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const stackFrame = byId.get(at)!.callFrame;
      if (stackFrame.functionName === "(root)") continue;
      const located = locator.locate(stackFrame);
      const stackWhere = stackFrame.url ? `${located.file.split("node_modules/").pop()}:${located.line}` : "";
      const stackKey = `${located.name}\u0000${stackWhere}`;
      if (onStack.has(stackKey)) continue;
      onStack.add(stackKey);
      const total = inclusive.get(stackKey) ?? { name: located.name || "(anonymous)", where: stackWhere, us: 0 };
      total.us += us;
      inclusive.set(stackKey, total);
    }
  }
  const share = (us: number) => Math.round((us / totalUs) * 1000) / 10;
  const ms = (us: number) => Math.round(us / 1000);
  const idleUs = areas.get("(idle)") ?? 0;
  const busyShare = (us: number) => Math.round((us / Math.max(1, totalUs - idleUs)) * 1000) / 10;
  return {
    totalMs: ms(totalUs),
    busyMs: ms(totalUs - idleUs),
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: ms(us), share: share(us) })),
    topFunctions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: ms(f.us), share: share(f.us) })),
    topInclusive: [...inclusive.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, ms: ms(f.us), share: busyShare(f.us) })),
  };
}

export function printProfileSummary(summary: ProfileSummary): void {
  console.log(`  profile: ${summary.totalMs} ms, busy ${summary.busyMs} ms`);
  console.log("  by area (self time):");
  for (const a of summary.byArea.slice(0, 15)) console.log(`    ${String(a.share).padStart(5)}%  ${String(a.ms).padStart(7)} ms  ${a.area}`);
  console.log("  top functions (self time):");
  for (const f of summary.topFunctions) console.log(`    ${String(f.share).padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.name}  ${f.where}`);
}

/** The functions by inclusive time, as shares of the busy time. */
export function printInclusiveSummary(summary: ProfileSummary, count = summary.topInclusive.length): void {
  console.log("  top functions (inclusive: with their callees, share of the busy time):");
  for (const f of summary.topInclusive.slice(0, count)) console.log(`    ${String(f.share).padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.name}  ${f.where}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: tsx bench/ingest/cpuProfile.ts <file.cpuprofile>");
    process.exit(2);
  }
  printProfileSummary(summarizeCpuProfile(file));
}
