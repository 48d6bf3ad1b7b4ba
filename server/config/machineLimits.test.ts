import { describe, expect, it } from "vitest";
import { cgroupCpuQuota, usableCpus, usableMemoryBytes } from "./machineLimits";

const files = (contents: Record<string, string>) => (file: string) => contents[file] ?? null;

describe("usableCpus", () => {
  it("reads a cgroup v2 CPU limit, rounded up, and none when it says max", () => {
    expect(cgroupCpuQuota(files({ "/sys/fs/cgroup/cpu.max": "150000 100000\n" }))).toBe(1.5);
    expect(cgroupCpuQuota(files({ "/sys/fs/cgroup/cpu.max": "max 100000\n" }))).toBeNull();
    expect(usableCpus(files({ "/sys/fs/cgroup/cpu.max": "150000 100000\n" }), 32)).toBe(2);
    expect(usableCpus(files({ "/sys/fs/cgroup/cpu.max": "max 100000\n" }), 32)).toBe(32);
  });

  it("reads a cgroup v1 CPU quota, and none when it is -1", () => {
    const v1 = (quota: string) => files({ "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": `${quota}\n`, "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n" });
    expect(usableCpus(v1("400000"), 32)).toBe(4);
    expect(usableCpus(v1("-1"), 32)).toBe(32);
  });

  it("never gives more than the CPUs the process may run on, nor fewer than one", () => {
    expect(usableCpus(files({ "/sys/fs/cgroup/cpu.max": "800000 100000" }), 2)).toBe(2);
    expect(usableCpus(files({ "/sys/fs/cgroup/cpu.max": "10000 100000" }), 8)).toBe(1);
  });

  it("uses the CPUs the process may run on where there is no cgroup to read", () => {
    expect(usableCpus(files({}), 6)).toBe(6);
  });
});

describe("usableMemoryBytes", () => {
  const GiB = 2 ** 30;
  it("reads a cgroup v2 memory limit, and none when it says max", () => {
    expect(usableMemoryBytes(files({ "/sys/fs/cgroup/memory.max": "536870912\n" }), 24 * GiB)).toBe(0.5 * GiB);
    expect(usableMemoryBytes(files({ "/sys/fs/cgroup/memory.max": "max\n" }), 24 * GiB)).toBe(24 * GiB);
  });

  it("reads a cgroup v1 memory limit, and none when it is the v1 'unlimited' number", () => {
    expect(usableMemoryBytes(files({ "/sys/fs/cgroup/memory/memory.limit_in_bytes": "1073741824\n" }), 24 * GiB)).toBe(GiB);
    expect(usableMemoryBytes(files({ "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n" }), 24 * GiB)).toBe(24 * GiB);
  });

  it("never gives more than the machine has", () => {
    expect(usableMemoryBytes(files({ "/sys/fs/cgroup/memory.max": String(64 * GiB) }), 24 * GiB)).toBe(24 * GiB);
    expect(usableMemoryBytes(files({}), 24 * GiB)).toBe(24 * GiB);
  });
});
