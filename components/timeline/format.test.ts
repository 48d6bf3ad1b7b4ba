import { describe, expect, it } from "vitest";
import { formatCommand, formatDuration, formatInstant, formatRangeEnd } from "./format";

describe("formatting times", () => {
  it("writes an instant in UTC to the microsecond, as audit events time requests", () => {
    // The scheduler's binding of Pod apiserver-5d887d5fcd-qnvqh (openshiftCascade.ts).
    expect(formatInstant(Date.parse("2021-09-13T14:58:37.005Z") * 1000 + 855)).toBe("2021-09-13 14:58:37.005855 UTC");
    expect(formatInstant(Date.parse("2021-09-13T14:53:16Z") * 1000)).toBe("2021-09-13 14:53:16.000000 UTC");
  });

  it("writes a range's ends to the second when they are whole seconds", () => {
    expect(formatRangeEnd(Date.parse("2021-09-13T14:50:00Z") * 1000)).toBe("2021-09-13 14:50:00 UTC");
    expect(formatRangeEnd(Date.parse("2021-09-13T14:51:55.8Z") * 1000)).toBe("2021-09-13 14:51:55.800 UTC");
  });

  it("writes durations in the unit that reads best", () => {
    expect(formatDuration(450)).toBe("450 µs");
    expect(formatDuration(7000)).toBe("7 ms");
    expect(formatDuration(7250)).toBe("7.3 ms");
    expect(formatDuration(1_250_000)).toBe("1.25 s");
    expect(formatDuration(250_000_000)).toBe("4 min 10 s");
    expect(formatDuration(600_000_000)).toBe("10 min");
    expect(formatDuration(7_500_000_000)).toBe("2 h 5 min");
    expect(formatDuration(5 * 86_400_000_000)).toBe("5 d");
  });

  it("carries a duration that rounds up to the next unit over to it", () => {
    expect(formatDuration(999_960)).toBe("1 s");
    expect(formatDuration(59_996_000)).toBe("1 min");
    expect(formatDuration(119_700_000)).toBe("2 min");
    expect(formatDuration(3_599_700_000)).toBe("1 h");
    expect(formatDuration(7_199_999_999)).toBe("2 h");
  });
});

describe("formatCommand", () => {
  it("writes an exec's command as it would be typed, quoting the arguments a shell would split", () => {
    // exec_pod.json (falco-k8s-audit-traces) asked for `bash`.
    expect(formatCommand(["bash"])).toBe("bash");
    expect(formatCommand(["sh", "-c", "echo hi > /tmp/x"])).toBe("sh -c 'echo hi > /tmp/x'");
    expect(formatCommand(["cat", "/etc/hostname", "--", "a=b"])).toBe("cat /etc/hostname -- a=b");
    expect(formatCommand(["echo", "it's", ""])).toBe("echo 'it'\\''s' ''");
  });
});
