// Parses one manifest file and answers "where is this field?" for error messages. The yaml
// package keeps source ranges on every node; LineCounter turns offsets into line/column.
import { Document, LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from "yaml";
import type { Node } from "yaml";
import type { ManifestProblem } from "./errors";

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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        file,
        ...toPosition(error.pos[0]),
        // The parser's message already says what is wrong ("Map keys must be unique", ...).
        problem: `YAML syntax error: ${error.message.split("\n")[0]}`,
        allowed: "YAML 1.2 (one document per file)",
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, problems: [{ file, line: 1, column: 1, problem: `YAML error: ${(error as Error).message}` }] };
  }
  return {
    ok: true,
    manifest: { file, value, positionOf: (path, atKey) => toPosition(offsetOf(doc, path, atKey ?? false)) },
  };
}

function offsetOf(doc: Document, path: FieldPath, atKey: boolean): number {
  let node: unknown = doc.contents;
  let best = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
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

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
