import { describe, expect, it } from "vitest";
import type { JsonStreamItem } from "../auditFile/concatenatedJson";
import { MUST_GATHER_EVENT_NAMESPACES, indentedYamlList, mustGatherEventItems, mustGatherEventsYaml, yamlDocuments } from "../../testing/eventFileForms";
import { YamlEventScanner } from "./yamlEvents";

/** Everything the scanner emits for `text`, fed `chunkSize` bytes at a time. */
function scan(text: string | Buffer, chunkSize = 64 * 1024): JsonStreamItem[] {
  const out: JsonStreamItem[] = [];
  const scanner = new YamlEventScanner((item) => out.push(item));
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunkSize) scanner.push(bytes.subarray(i, i + chunkSize));
  scanner.end();
  return out;
}

function values(items: JsonStreamItem[]): unknown[] {
  return items.map((item) => {
    if ("error" in item) throw new Error(`unexpected error item: ${item.error}`);
    return item.raw;
  });
}

describe("YamlEventScanner on the real must-gather events.yaml files", () => {
  it.each(MUST_GATHER_EVENT_NAMESPACES)("reads %s's EventList item by item, as a whole-document parse reads it", (namespace) => {
    const text = mustGatherEventsYaml(namespace);
    const items = scan(text);
    expect(values(items)).toEqual(mustGatherEventItems(namespace));
    const lines = text.split("\n");
    for (const item of items) {
      // Each item starts on its `- ` line at column 0 (kubectl's layout), and the list's apiVersion comes with it.
      expect(lines[item.line - 1]).toMatch(/^- /);
      expect(item).toMatchObject({ listApiVersion: "v1" });
    }
  });

  it("reads the same wherever the chunks end, even inside a line or a UTF-8 character", () => {
    const text = mustGatherEventsYaml("openshift-console");
    const whole = scan(text);
    for (const size of [1, 7, 4093]) expect(scan(text, size)).toEqual(whole);
  });

  it("reads the four files one after another as documents of one stream (each starts with ---)", () => {
    const text = MUST_GATHER_EVENT_NAMESPACES.map(mustGatherEventsYaml).join("");
    const expected = MUST_GATHER_EVENT_NAMESPACES.flatMap(mustGatherEventItems);
    expect(expected).toHaveLength(395);
    expect(values(scan(text))).toEqual(expected);
  });

  it("reads a list whose items are indented under items: (as yq writes it), with Windows line ends too", () => {
    // Derived: the real openshift-apiserver Events written again by the yaml package, items indented by two.
    const events = mustGatherEventItems("openshift-apiserver");
    const text = indentedYamlList(events);
    expect(text).toMatch(/\nitems:\n {2}- /);
    const items = scan(text);
    expect(values(items)).toEqual(events);
    expect(items[0]).toMatchObject({ listApiVersion: "v1" });
    expect(values(scan(text.replaceAll("\n", "\r\n")))).toEqual(events);
  });

  it("reads one Event per document, as kubectl get events -o yaml --watch-only writes them", () => {
    // Derived: each real Event as its own document, `---` between them.
    const events = mustGatherEventItems("openshift-authentication");
    const text = yamlDocuments(events);
    const items = scan(text);
    expect(values(items)).toEqual(events);
    expect(items[0]).toEqual({ line: 1, raw: events[0] });
    // No list: no list apiVersion to hint with.
    expect(items.some((item) => "listApiVersion" in item)).toBe(false);
  });

  it("reads a document holding a list in another layout whole: flow style, items: [] and a top-level sequence", () => {
    const [first, second] = mustGatherEventItems("openshift-console");
    const flow = `apiVersion: v1\nitems: [${JSON.stringify(first)}, ${JSON.stringify(second)}]\nkind: List\n`;
    expect(values(scan(flow))).toEqual([{ apiVersion: "v1", items: [first, second], kind: "List" }]);
    expect(values(scan("apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"))).toEqual([
      { apiVersion: "v1", items: [], kind: "List", metadata: { resourceVersion: "" } },
    ]);
    expect(values(scan(`# the Events\n- ${JSON.stringify(first)}\n`))).toEqual([[first]]);
  });

  it("skips documents of nothing but comments, and a lone --- or ... between documents", () => {
    const [event] = mustGatherEventItems("openshift-console");
    const text = `# saved by hand\n---\n---\n# nothing\n...\n${yamlDocuments([event])}...\n`;
    expect(values(scan(text))).toEqual([event]);
  });

  it("costs a broken item only itself, naming the line of the error, and reads on", () => {
    const text = mustGatherEventsYaml("openshift-console");
    const lines = text.split("\n");
    // Derived: the real file with one line of its third item's metadata broken (a tab where YAML needs spaces).
    const third = lines.findIndex((line, i) => line.startsWith("- ") && lines.slice(0, i).filter((l) => l.startsWith("- ")).length === 2);
    const broken = third + 3;
    lines[broken] = `\t${lines[broken]!.trimStart()}`;
    const items = scan(lines.join("\n"));
    const errors = items.filter((item) => "error" in item);
    expect(errors).toEqual([{ line: third + 1, error: expect.stringMatching(new RegExp(`^line ${broken + 1}: `)), reason: "invalid YAML" }]);
    const events = mustGatherEventItems("openshift-console");
    expect(items.filter((item) => "raw" in item).map((item) => (item as { raw: unknown }).raw)).toEqual([...events.slice(0, 2), ...events.slice(3)]);
  });

  it("reports a document that is not YAML at its first line, naming the line where the parser found out", () => {
    const items = scan("# an Event\napiVersion: v1\nkind: Event\nmessage: \"not closed\nreason: x\n");
    expect(items).toEqual([{ line: 2, error: 'line 5: Missing closing "quote', reason: "invalid YAML" }]);
  });

  it("keeps times as strings and quoted numbers as strings (the YAML 1.2 core schema)", () => {
    const [raw] = values(scan('lastTimestamp: 2021-09-13T14:58:47Z\ncount: 3\nmetadata:\n  resourceVersion: "19423"\n  flag: yes\n'));
    expect(raw).toEqual({ lastTimestamp: "2021-09-13T14:58:47Z", count: 3, metadata: { resourceVersion: "19423", flag: "yes" } });
  });

  it("on fail, drops the value being read (a YAML value cut short may still parse) and names the line it began on", () => {
    const text = mustGatherEventsYaml("openshift-console");
    const cut = text.indexOf("\n- ", text.indexOf("\n- ") + 1) + 40; // inside the second item
    const out: JsonStreamItem[] = [];
    const scanner = new YamlEventScanner((item) => out.push(item));
    scanner.push(Buffer.from(text.slice(0, cut)));
    scanner.fail("cannot decompress the rest of the file", ": unexpected end of file");
    const secondLine = text.slice(0, cut).split("\n").findLastIndex((line) => line.startsWith("- ")) + 1;
    expect(out).toEqual([
      { line: 4, raw: mustGatherEventItems("openshift-console")[0], listApiVersion: "v1" },
      { line: secondLine, error: `line ${secondLine}: cannot decompress the rest of the file: unexpected end of file`, reason: "cannot decompress the rest of the file" },
    ]);
  });
});
