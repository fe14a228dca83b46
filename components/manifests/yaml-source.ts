// Parses one manifest file and answers "where is this field?" for error messages. Plain files
// (nearly all) are read by plain-yaml.ts, which gives the yaml package's value and offsets in
// linear time; any other file, and every file with an error, by the yaml package, which keeps
// source ranges on every node. LineCounter turns offsets into line/column either way.
import { Document, LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from "yaml";
import type { Node } from "yaml";
import type { ManifestProblem } from "./errors";
import { parsePlainYaml, type OffsetTree, type PlainYaml } from "./plain-yaml";

export type FieldPath = readonly (string | number)[];

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface ParsedManifest {
  readonly file: string;
  /** The plain JavaScript value of the document (undefined when it could not be parsed). */
  readonly value: unknown;
  /** Position of a field; falls back to its nearest existing parent. `atKey` points at the key. */
  positionOf(path: FieldPath, atKey?: boolean): Position;
}

export type ParseResult = { ok: true; manifest: ParsedManifest } | { ok: false; problems: ManifestProblem[] };

export function parseManifest(file: string, text: string): ParseResult {
  const plain = parsePlainYaml(text);
  if (plain) {
    const positionOf = (path: FieldPath, atKey?: boolean): Position => {
      const { line, col } = plain.lineCounter.linePos(plainOffsetOf(plain, path, atKey ?? false));
      return { line, column: col };
    };
    return { ok: true, manifest: { file, value: plain.value, positionOf } };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const at = toPosition(error.pos[0]);
        if (error.code === "DUPLICATE_KEY") {
          return {
            file,
            ...at,
            problem: `duplicate key '${keyAt(text, error.pos[0])}' in one mapping`,
            allowed: "each key once per mapping (YAML 1.2); merge the two entries",
          };
        }
        // The parser's first line says what is wrong; the rest is a source excerpt (which may
        // hold a pasted secret), so it is left out.
        const message = error.message
          .split("\n")[0]!
          .replace(/ at line \d+, column \d+:?$/, "")
          .slice(0, 160);
        return {
          file,
          ...at,
          problem: `YAML syntax error: ${message}`,
          allowed: "YAML 1.2 (one document per file)",
        };
      }),
    };
  }
  const loop = selfReferencingAlias(doc);
  if (loop) {
    return {
      ok: false,
      problems: [
        {
          file,
          ...toPosition(loop.offset),
          problem: `YAML alias '*${loop.name.slice(0, 60)}' refers to a node that contains it (an endless loop)`,
          allowed: "aliases (*name) to anchors (&name) defined before and outside them",
        },
      ],
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The only error toJS raises after the checks above: too many alias expansions (a "billion laughs" file).
    return {
      ok: false,
      problems: [
        {
          file,
          line: 1,
          column: 1,
          problem: `YAML aliases expand too much (${(error as Error).message.split("\n")[0]!.slice(0, 120)})`,
          allowed: `at most ${MAX_ALIAS_COUNT} alias expansions per file; write the values out`,
        },
      ],
    };
  }
  return {
    ok: true,
    manifest: { file, value, positionOf: (path, atKey) => toPosition(offsetOf(doc, path, atKey ?? false)) },
  };
}

const MAX_ALIAS_COUNT = 100;

/** The key text at an offset (the parser reports duplicates by position only), cut for messages. */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 200);
  const match = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:\n,{}[\]]+)/.exec(rest);
  const key = (match?.[1] ?? rest.split("\n")[0]!).trim().replace(/^["']|["']$/g, "");
  return key.length > 60 ? `${key.slice(0, 57)}...` : key;
}

/** An alias inside the node its anchor names (`a: &x { b: *x }`) would make the value endless. */
function selfReferencingAlias(doc: Document): { name: string; offset: number } | undefined {
  let found: { name: string; offset: number } | undefined;
  visit(doc, {
    Alias(_key, node, path) {
      if (!isAlias(node)) return undefined;
      const source = node.resolve(doc);
      if (source && path.includes(source as never)) {
        found = { name: node.source, offset: node.range?.[0] ?? 0 };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function offsetOf(doc: Document, path: FieldPath, atKey: boolean): number {
  let node: unknown = doc.contents;
  let best = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return best;
      if (last && atKey) return rangeStart(pair.key) ?? best;
      node = pair.value;
      best = rangeStart(pair.value) ?? rangeStart(pair.key) ?? best;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
      best = rangeStart(node) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

/** offsetOf over plain-yaml's offsets: the same walk, the same fallbacks. */
function plainOffsetOf({ offsets }: PlainYaml, path: FieldPath, atKey: boolean): number {
  let tree: OffsetTree | undefined = offsets.tree;
  let best = offsets.root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (tree?.names) {
      const index = tree.names.indexOf(String(segment));
      if (index === -1) return best;
      if (last && atKey) return tree.keys![index]!;
      best = tree.at[index]!;
      tree = tree.inner[index];
    } else if (tree && typeof segment === "number") {
      best = tree.at[segment] ?? best;
      tree = tree.inner[segment];
    } else {
      return best;
    }
  }
  return best;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
