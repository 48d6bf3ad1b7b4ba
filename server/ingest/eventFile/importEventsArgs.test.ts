import { describe, expect, it } from "vitest";
import { DEFAULT_EVENTS_BATCH_SIZE, IMPORT_EVENTS_USAGE, parseImportEventsArgs, parseSize } from "./importEventsArgs";
import { DEFAULT_MAX_INPUT_BYTES } from "./readEventFile";

describe("parseImportEventsArgs", () => {
  it("takes a file, or - for standard input, with defaults: batches of 500, at most 1 GiB", () => {
    expect(parseImportEventsArgs(["events.yaml"])).toEqual({ kind: "import", args: { file: "events.yaml", cluster: null, batchSize: 500, maxBytes: 1024 ** 3 } });
    expect(DEFAULT_EVENTS_BATCH_SIZE).toBe(500);
    expect(DEFAULT_MAX_INPUT_BYTES).toBe(1024 ** 3);
    expect(parseImportEventsArgs(["-"])).toMatchObject({ kind: "import", args: { file: "-" } });
  });

  it("takes --cluster, --batch-size and --max-size, separated by a space or =, before or after the file", () => {
    const expected = { kind: "import", args: { file: "events.json.gz", cluster: "ci-ln-k7vx6h2", batchSize: 50, maxBytes: 2 * 1024 ** 3 } };
    expect(parseImportEventsArgs(["--cluster", "ci-ln-k7vx6h2", "events.json.gz", "--batch-size", "50", "--max-size", "2GiB"])).toEqual(expected);
    expect(parseImportEventsArgs(["events.json.gz", "--cluster=ci-ln-k7vx6h2", "--batch-size=50", "--max-size=2GiB"])).toEqual(expected);
  });

  it("asks for help, and the usage names the formats read", () => {
    expect(parseImportEventsArgs(["-h"])).toEqual({ kind: "help" });
    expect(IMPORT_EVENTS_USAGE).toMatch(/^Usage: npm run import:events -- <file\|-> \[--cluster NAME\] \[--batch-size N\] \[--max-size SIZE\]/);
    expect(IMPORT_EVENTS_USAGE).toContain("(default: 1 GiB)");
  });

  it.each([
    [[], "no file given (use - for standard input)"],
    [["a", "b"], "one file at a time, got 2: a b"],
    [["a", "--since", "1h"], "unknown option --since"],
    [["a", "--cluster", "Prod_1"], `--cluster "Prod_1" is not a valid cluster name (lowercase letters, digits, '-', '.')`],
    [["a", "--batch-size", "0"], `--batch-size must be a positive integer, got "0"`],
    [["a", "--max-size", "lots"], `--max-size must be a positive size in bytes, KiB, MiB or GiB (e.g. 2GiB), got "lots"`],
    [["a", "--max-size=0"], `--max-size must be a positive size in bytes, KiB, MiB or GiB (e.g. 2GiB), got "0"`],
    [["a", "--max-size"], "--max-size needs a value"],
  ])("rejects %j", (argv, message) => {
    expect(parseImportEventsArgs(argv)).toEqual({ kind: "invalid", message });
  });
});

describe("parseSize", () => {
  it("reads bytes, and binary units in any case, with or without a space", () => {
    expect(parseSize("1048576")).toBe(1024 ** 2);
    expect(parseSize("512MiB")).toBe(512 * 1024 ** 2);
    expect(parseSize("2 gib")).toBe(2 * 1024 ** 3);
    expect(parseSize("10KiB")).toBe(10 * 1024);
    expect(parseSize("100B")).toBe(100);
  });

  it("refuses what is no size: decimal units, fractions, nothing", () => {
    for (const text of ["1GB", "1.5GiB", "", "GiB", "-1", "0"]) expect(parseSize(text)).toBeNull();
  });
});
