import fs from "node:fs";
import os from "node:os";

/**
 * How many CPUs this process can keep busy: the CPUs it may be scheduled on
 * (`os.availableParallelism()`), and in a container with a CPU limit, that limit rounded up. A
 * Pod limited to 2 CPUs on a 32-core node sees 32 CPUs through Node, which says nothing of the
 * quota; the cgroup says it: `cpu.max` (cgroup v2: "<quota> <period>" or "max <period>") or
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us` (v1: a quota of -1 is none).
 */
export function usableCpus(readFile: (file: string) => string | null = readIfPresent, available = os.availableParallelism()): number {
  const quota = cgroupCpuQuota(readFile);
  return quota === null ? available : Math.max(1, Math.min(available, Math.ceil(quota)));
}

/** The CPU limit of this process's cgroup, in CPUs; null when there is none (or no cgroup to read). */
export function cgroupCpuQuota(readFile: (file: string) => string | null): number | null {
  const v2 = readFile("/sys/fs/cgroup/cpu.max");
  if (v2 !== null) {
    const [quota, period] = v2.trim().split(/\s+/);
    return quotaOf(quota, period);
  }
  return quotaOf(readFile("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")?.trim(), readFile("/sys/fs/cgroup/cpu/cpu.cfs_period_us")?.trim());
}

/**
 * Bytes of memory this process may use: the machine's, and in a container with a memory limit,
 * that limit (`memory.max` in cgroup v2, where "max" is none; `memory.limit_in_bytes` in v1,
 * where no limit reads as a number near 2^63).
 */
export function usableMemoryBytes(readFile: (file: string) => string | null = readIfPresent, total = os.totalmem()): number {
  const limit = cgroupMemoryLimit(readFile);
  return limit === null ? total : Math.min(total, limit);
}

export function cgroupMemoryLimit(readFile: (file: string) => string | null): number | null {
  const text = (readFile("/sys/fs/cgroup/memory.max") ?? readFile("/sys/fs/cgroup/memory/memory.limit_in_bytes"))?.trim();
  if (text === undefined || text === "max") return null;
  const bytes = Number(text);
  // v1 says "no limit" with the largest page-aligned int64.
  return Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 62 ? bytes : null;
}

function quotaOf(quota: string | undefined, period: string | undefined): number | null {
  if (quota === undefined || period === undefined || quota === "max") return null;
  const q = Number(quota);
  const p = Number(period);
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : null;
}

function readIfPresent(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}
