// plain-yaml.ts against the yaml package (the authority): wherever the fast reader gives a
// result, the yaml package reads the same text without an error, to the same value, with every
// key, value and list item at the same offset. Where it gives up, the loader uses the yaml
// package, so its messages cannot change. Run over every manifest in the repository, over
// tricky snippets, and over generated texts.
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { isMap, isPair, isScalar, isSeq, parseDocument } from "yaml";
import type { Node } from "yaml";
import { parsePlainYaml, type OffsetTree } from "../../components/manifests/plain-yaml";

const repo = path.resolve(__dirname, "../..");

/** What differs between the fast reader and the yaml package on `text` ("" when nothing). */
function disagreement(text: string): { accepted: boolean; difference: string } {
  const plain = parsePlainYaml(text);
  if (!plain) return { accepted: false, difference: "" };
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) return { accepted: true, difference: `yaml refuses: ${doc.errors[0]!.message}` };
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isDeepStrictEqual(value, plain.value))
    return {
      accepted: true,
      difference: `values: ${JSON.stringify(value)} vs ${JSON.stringify(plain.value)}`,
    };
  if (doc.contents?.range?.[0] !== plain.offsets.root)
    return { accepted: true, difference: `root at ${doc.contents?.range?.[0]} vs ${plain.offsets.root}` };
  return { accepted: true, difference: offsetDifference(doc.contents as Node, plain.offsets.tree, "") };
}

function offsetDifference(node: Node, tree: OffsetTree | undefined, where: string): string {
  if (isMap(node)) {
    if (!tree?.names) return `${where}: no mapping offsets`;
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) return `${where}: a key that is not a scalar`;
      const key = String(pair.key.value);
      const index = tree.names.indexOf(key);
      const keyAt = tree.keys![index];
      const valueAt = tree.at[index];
      const expected = (pair.value as Node | null)?.range?.[0];
      if (keyAt !== pair.key.range?.[0] || valueAt !== expected)
        return `${where}.${key}: key/value at ${pair.key.range?.[0]}/${expected} vs ${keyAt}/${valueAt}`;
      const inner = offsetDifference(pair.value as Node, tree.inner[index], `${where}.${key}`);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    if (!tree || tree.names) return `${where}: no list offsets`;
    for (const [index, item] of node.items.entries()) {
      const at = tree.at[index];
      if (at !== (item as Node).range?.[0])
        return `${where}[${index}]: at ${(item as Node).range?.[0]} vs ${at}`;
      const inner = offsetDifference(item as Node, tree.inner[index], `${where}[${index}]`);
      if (inner) return inner;
    }
  } else if (tree) return `${where}: offsets of a collection on a scalar`;
  return "";
}

function manifestFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : manifestFiles(full);
    return /\.ya?ml$/.test(entry.name) && entry.isFile() ? [full] : [];
  });
}

describe("plain-yaml agrees with the yaml package", () => {
  it("on every YAML file of the repository, and reads the example fleets itself", () => {
    const files = [
      ...manifestFiles(path.join(repo, "enrollments")),
      ...manifestFiles(path.join(repo, "test/fixtures")),
    ];
    expect(files.length).toBeGreaterThan(50);
    const accepted: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      const { accepted: ok, difference } = disagreement(text);
      expect(difference, path.relative(repo, file)).toBe("");
      if (ok) accepted.push(path.relative(repo, file));
    }
    // The fast path is the one manifests take: every example fleet file is read by it.
    for (const file of manifestFiles(path.join(repo, "enrollments")))
      expect(accepted, "example fleets are plain YAML").toContain(path.relative(repo, file));
  });

  const snippets: Record<string, string> = {
    "the benchmark's entry form": [
      "individualEnrollments:",
      "  - registrationId: sensor-000001",
      "    attestation: { type: symmetricKey }",
      "    allocationPolicy: hashed",
      "    iotHubs: [weu, neu]",
      "    initialTwin: { tags: { site: site-1, line: 3 }, properties: { desired: { interval: 31 } } }",
      "    labels: { batch: b1 }",
      "",
    ].join("\n"),
    "a list at its key's column, comments, quotes": [
      "# fleet",
      "defaults:",
      "  provisioningStatus: enabled # on",
      "enrollmentGroups:",
      "- enrollmentGroupId: 'it''s'",
      '  iotHubs: ["weu"]  # one',
      "  labels:",
      "    a: b#c",
      "    'q': \"x y\"",
      "individualEnrollments: []",
    ].join("\n"),
    "scalars of every core type": [
      "a: 1",
      "b: -2",
      "c: 0x1F",
      "d: 0o17",
      "e: 1.5",
      "f: .inf",
      "g: -.Inf",
      "h: .nan",
      "i: 1e3",
      "j: true",
      "k: False",
      "l: null",
      "m: ~",
      "n: 007",
      "o: 1_000",
      "p: 0b101",
      "q: yes",
      "r: 2024-01-01",
      "s: +12",
      "t: [1, true, ~, x, 'y', \"z\"]",
      "u: {a: 1, 'b': [], c: {}}",
      "v: http://host:80/x",
      "w: -x",
    ].join("\n"),
  };
  for (const [name, text] of Object.entries(snippets)) {
    it(`reads ${name} itself, as the yaml package does`, () => {
      expect(disagreement(text)).toEqual({ accepted: true, difference: "" });
    });
  }

  const refused = [
    "a: &x 1\nb: *x",
    "a: !!str 1",
    "a: |\n  text",
    "a: >\n  text",
    "a:\n  - b\n   c",
    "a: b\n  c",
    "a:",
    "a: 1\na: 2",
    "a: {b: 1, b: 2}",
    "1: x",
    "true: x",
    "~: x",
    "<<: {a: 1}",
    "a: [1,\n 2]",
    'a: "x\\ty"',
    "a: 'x\n  y'",
    "? a\n: b",
    "---\na: 1",
    "a: 1\n...",
    "%YAML 1.2\n---\na: 1",
    "a:\tb",
    "a: b\r\n",
    "- a\n- b",
    "a: b: c",
    "a: [b: c]",
    "a: {b}",
    "a: [1, 2, ]",
    "a: @x",
    "a: `x`",
    'a: "x"#c',
    "a:\n  -\n    b: 1",
    "a:\n  - - b",
    "__proto__: {a: 1}",
    "a: b # c\n  d",
  ];
  it("gives up on what it does not read (the yaml package reads those)", () => {
    for (const text of refused)
      expect(disagreement(text), JSON.stringify(text)).toEqual({ accepted: false, difference: "" });
  });

  it("on 20,000 generated texts (plain and not)", () => {
    // A small deterministic generator of near-manifest texts: indentation, keys, lists, flow
    // collections, scalars of every type, comments, quotes, and the odd broken line.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(items: readonly T[]) => items[random(items.length)]!;
    const scalars = [
      "x",
      "a b",
      "sensor-1",
      "weu",
      "v 2",
      "1",
      "-1",
      "0x1",
      "1.5",
      "true",
      "null",
      "~",
      "'q'",
      '"d"',
      "''",
      '""',
      "a#b",
      "a #c",
      "x:y",
      "-x",
      "[]",
      "{}",
      "[1, b]",
      "{k: v}",
      "{k: [1, {m: n}]}",
      "'it''s'",
      ".5",
      "1e2",
      "yes",
      ":x",
      "a: b",
      "[a, ]",
      "{a}",
      "@x",
      "&a x",
      "*a",
      "!t x",
      "|",
      "",
    ];
    const keys = [
      "a",
      "b",
      "c",
      "e",
      "f",
      "g",
      "registrationId",
      "c d",
      "'q'",
      '"d"',
      "1",
      "k:",
      "-",
      "x#y",
      "a #b",
    ];
    const spaces = ["", " ", "  ", "   ", "    "];
    // A block tree: mappings and lists nested, each value a scalar, a flow collection or a block.
    const block = (indent: string, depth: number, lines: string[], asList: boolean): void => {
      const count = 1 + random(3);
      for (let i = 0; i < count; i++) {
        const nested = depth < 3 && random(3) === 0;
        if (asList) {
          if (nested && random(2) === 0) {
            lines.push(`${indent}- ${pick(keys)}: ${pick(scalars)}`);
            block(`${indent}  `, depth + 1, lines, false);
          } else lines.push(`${indent}- ${pick(scalars)}`);
        } else if (nested) {
          const list = random(2) === 0;
          lines.push(`${indent}${pick(keys)}:${random(6) === 0 ? " # c" : ""}`);
          block(
            list && random(2) === 0 ? indent : `${indent}${pick(spaces.slice(1))}`,
            depth + 1,
            lines,
            list,
          );
        } else lines.push(`${indent}${pick(keys)}: ${pick(scalars)}${random(6) === 0 ? " # c" : ""}`);
        if (random(8) === 0) lines.push(`${pick(spaces)}# note`);
      }
    };
    let accepted = 0;
    for (let n = 0; n < 20000; n++) {
      const lines: string[] = [];
      if (n % 2 === 0) block("", 0, lines, false);
      else {
        const count = 1 + random(8);
        for (let i = 0; i < count; i++) {
          const indent = pick(spaces);
          const form = random(6);
          if (form === 0) lines.push(`${indent}- ${pick(scalars)}`);
          else if (form === 1) lines.push(`${indent}- ${pick(keys)}: ${pick(scalars)}`);
          else if (form === 2) lines.push(`${indent}${pick(keys)}:`);
          else if (form === 3) lines.push(`${indent}# note`);
          else lines.push(`${indent}${pick(keys)}: ${pick(scalars)}${random(5) === 0 ? " # c" : ""}`);
        }
      }
      const text = lines.join("\n") + (random(2) === 0 ? "\n" : "");
      const result = disagreement(text);
      expect(result.difference, JSON.stringify(text)).toBe("");
      if (result.accepted) accepted++;
    }
    // Enough of them are read by the fast reader for the agreement to mean something.
    expect(accepted).toBeGreaterThan(1000);
  });
});
