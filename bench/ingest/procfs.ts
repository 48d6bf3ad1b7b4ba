import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** What Linux's /proc tells about processes and the machine; all sizes in KiB, times in seconds. */

export interface ProcessMemory {
  /** Resident set size now (VmRSS). */
  rssKb: number;
  /** Peak resident set size over the process's life (VmHWM). */
  hwmKb: number;
}

export function processMemory(pid: number): ProcessMemory {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]);
  };
  return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces). */
function statFields(pid: number | "self"): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null; // the process is gone
  }
}

/** CPU time used by a process (user + system); with `children`, also that of its exited, waited-for children. */
export function cpuSeconds(pid: number, options: { children?: boolean } = {}): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  // utime, stime, cutime, cstime are fields 14-17 of stat, 12-15 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]) + (options.children ? Number(fields[13]) + Number(fields[14]) : 0);
  return ticks / CLOCK_TICKS;
}

/** CPU time a process spent in the kernel, and its minor page faults: on a VM, page faults can cost much of a process's CPU. */
export function kernelUse(pid: number): { systemS: number; minorFaults: number } {
  const fields = statFields(pid);
  if (!fields) return { systemS: 0, minorFaults: 0 };
  // minflt is field 10 of stat (8 after the name), stime field 15 (13 after the name).
  return { systemS: Number(fields[12]) / CLOCK_TICKS, minorFaults: Number(fields[7]) };
}

function parentOf(pid: number): number | null {
  const fields = statFields(pid);
  return fields ? Number(fields[1]) : null;
}

function allPids(): number[] {
  return fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
}

function commandName(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
}

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const pids = allPids();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const child of pids) if (parentOf(child) === tree[i]) tree.push(child);
  return tree;
}

/** The socket inodes listening on TCP `port` (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const lines = fs.existsSync(table) ? fs.readFileSync(table, "utf8").split("\n").slice(1) : [];
    for (const line of lines) {
      const columns = line.trim().split(/\s+/);
      const local = columns[1];
      // st 0A is LISTEN; the inode is the tenth column.
      if (local && parseInt(local.split(":")[1] ?? "", 16) === port && columns[3] === "0A" && columns[9]) inodes.add(columns[9]);
    }
  }
  return inodes;
}

/** Of `candidates`, the process holding the socket that listens on `port`, or null. */
export function listeningProcess(port: number, candidates: number[]): number | null {
  const inodes = listeningInodes(port);
  for (const pid of candidates) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

/**
 * CPU time of the whole Postgres server: every running `postgres` process, plus what the
 * postmaster has collected from its exited children.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of allPids()) {
    if (commandName(pid) !== "postgres") continue;
    const parent = parentOf(pid);
    const isPostmaster = parent !== null && commandName(parent) !== "postgres";
    total += cpuSeconds(pid, { children: isPostmaster });
  }
  return total;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  const meminfo = fs.readFileSync("/proc/meminfo", "utf8");
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0);
  return {
    cpus: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memoryGiB: Math.round((memKb / 1024 / 1024) * 10) / 10,
    kernel: fs.readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    node: process.version,
  };
}

/** Samples a process's VmRSS every `intervalMs` until stopped. */
export class RssSampler {
  readonly samplesKb: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(pid: number, intervalMs: number) {
    const sample = () => {
      try {
        this.samplesKb.push(processMemory(pid).rssKb);
      } catch {
        // the process is gone; the caller notices
      }
    };
    sample();
    this.timer = setInterval(sample, intervalMs);
  }

  stop(): number[] {
    clearInterval(this.timer);
    return this.samplesKb;
  }
}
