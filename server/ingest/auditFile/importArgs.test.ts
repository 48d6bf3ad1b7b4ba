import { describe, expect, it } from "vitest";
import { DEFAULT_IMPORT_BATCH_SIZE, parseImportArgs } from "./importArgs";

describe("parseImportArgs", () => {
  it("takes a file, or - for standard input, with defaults", () => {
    expect(parseImportArgs(["audit.log"])).toEqual({ kind: "import", args: { file: "audit.log", cluster: null, batchSize: DEFAULT_IMPORT_BATCH_SIZE } });
    expect(parseImportArgs(["-"])).toEqual({ kind: "import", args: { file: "-", cluster: null, batchSize: 400 } });
  });

  it("takes --cluster and --batch-size, separated by a space or =, before or after the file", () => {
    const expected = { kind: "import", args: { file: "a.log.gz", cluster: "prod-1.eu", batchSize: 50 } };
    expect(parseImportArgs(["--cluster", "prod-1.eu", "a.log.gz", "--batch-size", "50"])).toEqual(expected);
    expect(parseImportArgs(["a.log.gz", "--cluster=prod-1.eu", "--batch-size=50"])).toEqual(expected);
  });

  it("reads everything after -- as the file", () => {
    expect(parseImportArgs(["--", "--odd-name"])).toEqual({ kind: "import", args: { file: "--odd-name", cluster: null, batchSize: 400 } });
  });

  it("asks for help", () => {
    expect(parseImportArgs(["--help"])).toEqual({ kind: "help" });
    expect(parseImportArgs(["a.log", "-h"])).toEqual({ kind: "help" });
  });

  it.each([
    [[], "no file given (use - for standard input)"],
    [["a", "b"], "one file at a time, got 2: a b"],
    [["a", "--verbose"], "unknown option --verbose"],
    [["a", "--cluster"], "--cluster needs a value"],
    [["a", "--cluster", "Prod_1"], `--cluster "Prod_1" is not a valid cluster name (lowercase letters, digits, '-', '.')`],
    [["a", "--batch-size", "0"], `--batch-size must be a positive integer, got "0"`],
    [["a", "--batch-size=1.5"], `--batch-size must be a positive integer, got "1.5"`],
    [["a", "--batch-size", "1e3"], `--batch-size must be a positive integer, got "1e3"`],
  ])("rejects %j", (argv, message) => {
    expect(parseImportArgs(argv)).toEqual({ kind: "invalid", message });
  });
});
