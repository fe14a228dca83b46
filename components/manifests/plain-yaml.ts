// A fast reader for the plain YAML that manifests are written in: block mappings and lists,
// one-line flow collections, one-line plain or quoted scalars, comments. It gives the same value
// and the same source offsets as the yaml package (which stays the authority): anything outside
// this subset, and anything the yaml package might report as an error, makes it give up
// (`undefined`), and the caller parses the file with the yaml package as before. Why: the yaml
// package keeps a whole-file syntax tree and a node tree besides the value, about 140 µs per
// entry and super-linear in memory (the garbage collector) past 30,000 entries; this is linear.
// test/manifests/plain-yaml.test.ts checks it against the yaml package, value and every offset.
import { Document, LineCounter, isScalar } from "yaml";
import type { ScalarTag } from "yaml";

/**
 * Where things start (text offsets), as a tree beside the value: a mapping's keys in the order
 * written (`names`), where each key and its value start (`keys`, `at`); a list's items (`at`);
 * `inner` holds the tree of each value that is itself a mapping or list. Mappings are small, so
 * a scan of `names` costs less than a Map per mapping; no table keyed by the value's objects.
 */
export interface OffsetTree {
  readonly names?: string[];
  readonly keys?: number[];
  readonly at: number[];
  readonly inner: (OffsetTree | undefined)[];
}

export interface Offsets {
  /** Where the document's mapping starts (its first key). */
  readonly root: number;
  readonly tree: OffsetTree;
}

export interface PlainYaml {
  readonly value: Record<string, unknown>;
  readonly offsets: Offsets;
  readonly lineCounter: LineCounter;
}

// The core schema's scalar tags (null, bool, int, float) exactly as the yaml package resolves
// plain scalars (compose-scalar.js, findScalarTagByTest): the first default tag whose test matches.
const SCALAR_TAGS = new Document(null, { strict: true, uniqueKeys: true }).schema.tags.filter(
  (tag): tag is ScalarTag => tag.default === true && !tag.collection && tag.test !== undefined,
);

/** Not handled here (tabs, carriage returns, control and special line-break characters, a BOM). */
// eslint-disable-next-line no-control-regex
const UNHANDLED_CHARACTERS = /[\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]/;
/** Lines that start a directive, a document or end one. */
const DOCUMENT_MARKERS = /^(?:%|---|\.\.\.)/m;
/** Characters a plain scalar may not start with here (indicators, reserved, anchors, tags). */
const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`]/;

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

export function parsePlainYaml(text: string): PlainYaml | undefined {
  if (UNHANDLED_CHARACTERS.test(text) || DOCUMENT_MARKERS.test(text)) return undefined;
  try {
    return new Reader(text).read();
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  }
}

/** A mapping's keys in the order written, with where each key and its value start. */
type MapOffsets = Required<OffsetTree>;

function mapOffsets(): MapOffsets {
  return { names: [], keys: [], at: [], inner: [] };
}

function add(offsets: MapOffsets, name: string, keyAt: number, valueAt: number): void {
  if (offsets.names.includes(name)) giveUp(); // a duplicate key: the yaml package reports it
  offsets.names.push(name);
  offsets.keys.push(keyAt);
  offsets.at.push(valueAt);
}

/** Flow scalars end at these (and `:` `#`, which this reader leaves to the yaml package there). */
const FLOW_STOP = new Uint8Array(128);
for (const c of ",[]{}:#") FLOW_STOP[c.charCodeAt(0)] = 1;

/** Plain keys the core schema reads as something other than a string (cached: keys repeat). */
const nonStringKeys = new Map<string, boolean>();
function readsAsString(name: string): boolean {
  let other = nonStringKeys.get(name);
  if (other === undefined) {
    other = SCALAR_TAGS.some((tag) => tag.test!.test(name));
    if (nonStringKeys.size < 10000) nonStringKeys.set(name, other);
  }
  return !other;
}

class Reader {
  /** The offsets of the mapping or list read last; taken (and cleared) by the one holding it. */
  private last: OffsetTree | undefined;
  private readonly lineCounter = new LineCounter();
  /** Start of the current line, its first non-space character, its end (the newline or text end). */
  private lineStart = 0;
  private contentStart = 0;
  private lineEnd = 0;

  constructor(private readonly text: string) {}

  read(): PlainYaml {
    const { text } = this;
    // As the yaml parser counts lines: one at 0, one after each newline.
    this.lineCounter.addNewLine(0);
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1))
      this.lineCounter.addNewLine(i + 1);
    this.lineStart = 0;
    if (!this.nextContentLine(true) || this.indent() !== 0) giveUp();
    const root = this.contentStart;
    const value = this.blockMap(0, root);
    const tree = this.taken()!;
    if (this.lineStart < text.length) giveUp(); // left over: a line less indented than 0 cannot be
    return { value, lineCounter: this.lineCounter, offsets: { root, tree } };
  }

  private taken(): OffsetTree | undefined {
    const last = this.last;
    this.last = undefined;
    return last;
  }

  private indent(): number {
    return this.contentStart - this.lineStart;
  }

  /**
   * Moves to the first line (from the current one, or the next when `here` is false) with
   * content other than a comment. False at the end of the text.
   */
  private nextContentLine(here: boolean): boolean {
    const { text } = this;
    let start = here ? this.lineStart : this.lineEnd + 1;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end === -1) end = text.length;
      let content = start;
      while (content < end && text.charCodeAt(content) === 32) content++;
      if (content < end && text[content] !== "#") {
        this.lineStart = start;
        this.contentStart = content;
        this.lineEnd = end;
        return true;
      }
      start = end + 1;
    }
    this.lineStart = this.contentStart = this.lineEnd = text.length;
    return false;
  }

  /** A block mapping whose keys start at column `indent`; its first key starts at `at`. */
  private blockMap(indent: number, at: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    const offsets = mapOffsets();
    let keyAt = at;
    for (;;) {
      const key = this.key(keyAt);
      if (!key) giveUp();
      const valueAt = this.skipSpaces(key!.end + 1);
      if (this.restIsEmpty(valueAt)) {
        // The value is a block on the next lines: deeper, or a list at the key's own column.
        if (!this.nextContentLine(false)) giveUp();
        const deeper = this.indent() > indent;
        const list = this.startsListItem(this.contentStart);
        if (!deeper && !(this.indent() === indent && list)) giveUp(); // an empty value
        add(offsets, key!.name, keyAt, this.contentStart);
        map[key!.name] = list
          ? this.blockList(this.indent())
          : this.blockMap(this.indent(), this.contentStart);
        offsets.inner.push(this.taken());
      } else {
        add(offsets, key!.name, keyAt, valueAt);
        const value = this.inlineValue(valueAt);
        if (!this.restIsEmpty(value.end)) giveUp();
        map[key!.name] = value.value;
        offsets.inner.push(this.taken());
        this.nextContentLine(false);
      }
      if (this.lineStart >= this.text.length || this.indent() < indent) {
        this.last = offsets;
        return map;
      }
      if (this.indent() > indent || this.startsListItem(this.contentStart)) giveUp();
      keyAt = this.contentStart;
    }
  }

  /** A block list whose `-` indicators are at column `indent`; the current line holds the first. */
  private blockList(indent: number): unknown[] {
    const list: unknown[] = [];
    const offsets: OffsetTree = { at: [], inner: [] };
    for (;;) {
      const at = this.skipSpaces(this.contentStart + 1);
      if (at === this.contentStart + 1 || this.restIsEmpty(at) || this.startsListItem(at)) giveUp();
      offsets.at.push(at);
      if (this.key(at)) {
        list.push(this.blockMap(at - this.lineStart, at));
      } else {
        const value = this.inlineValue(at);
        if (!this.restIsEmpty(value.end)) giveUp();
        list.push(value.value);
        this.nextContentLine(false);
      }
      offsets.inner.push(this.taken());
      const done =
        this.lineStart >= this.text.length ||
        this.indent() < indent ||
        // A key at the list's own column ends a list that is a mapping's value at that column.
        (this.indent() === indent && !this.startsListItem(this.contentStart) && this.key(this.contentStart));
      if (done) {
        this.last = offsets;
        return list;
      }
      if (this.indent() > indent || !this.startsListItem(this.contentStart)) giveUp();
    }
  }

  private startsListItem(at: number): boolean {
    if (this.text[at] !== "-") return false;
    const next = at + 1;
    return next >= this.lineEnd || this.text[next] === " ";
  }

  /** A block mapping key at `at` (plain or quoted, on this line) and the offset of its `:`. */
  private key(at: number): { name: string; end: number } | undefined {
    const { text } = this;
    let name: string;
    let colon: number;
    const quote = text[at];
    if (quote === '"' || quote === "'") {
      const scalar = this.quoted(at);
      colon = this.skipSpaces(scalar.end);
      if (text[colon] !== ":" || !this.separated(colon + 1)) return undefined;
      if (colon - at > 1000) giveUp();
      name = scalar.value;
    } else {
      if (INDICATOR_START.test(text.slice(at, at + 1))) return undefined;
      colon = at;
      for (;;) {
        colon = this.onLine(":", colon);
        if (colon === -1 || colon >= this.lineEnd) return undefined;
        if (this.separated(colon + 1)) break;
        colon++;
      }
      name = text.slice(at, colon).trimEnd();
      // A comment inside the key, a key the core schema reads as other than a string, keys the
      // yaml package treats specially, or longer than an implicit key may be.
      if (/\s#/.test(name) || name.includes("\t") || colon - at > 1000) giveUp();
      if (name === "<<" || name === "__proto__" || !readsAsString(name)) giveUp();
    }
    if (name === "" || name === "__proto__") giveUp();
    return { name, end: colon };
  }

  /** A `:` here is followed by a space or the end of the line. */
  private separated(at: number): boolean {
    return at >= this.lineEnd || this.text[at] === " ";
  }

  /** A scalar or one-line flow collection starting at `at` in block context. */
  private inlineValue(at: number): { value: unknown; end: number } {
    const { text } = this;
    const first = text[at];
    if (first === "{" || first === "[") return this.flow(at);
    if (first === '"' || first === "'") return this.quoted(at);
    if (INDICATOR_START.test(first!) && !this.plainDash(at)) giveUp();
    let end = this.lineEnd;
    const comment = this.onLine(" #", at);
    if (comment !== -1 && comment < end) end = comment;
    const raw = text.slice(at, end).trimEnd();
    // `a: b: c` and `a: b:` are nested mappings the yaml package refuses.
    if (raw.includes(": ") || raw.endsWith(":")) giveUp();
    return { value: plainScalar(raw), end: at + raw.length };
  }

  /** `-5`, `-x`: a dash that starts a plain scalar, not a list item. */
  private plainDash(at: number): boolean {
    const next = this.text[at + 1];
    return this.text[at] === "-" && next !== undefined && next !== " " && !INDICATOR_START.test(next);
  }

  /** A one-line flow mapping or list; nested ones, scalars without `:`, no trailing comma. */
  private flow(at: number): { value: unknown; end: number } {
    const { text } = this;
    const isMap = text[at] === "{";
    const close = isMap ? "}" : "]";
    const value: Record<string, unknown> | unknown[] = isMap ? {} : [];
    const offsets: OffsetTree = isMap ? mapOffsets() : { at: [], inner: [] };
    const finish = (end: number) => {
      this.last = offsets;
      return { value, end };
    };
    let p = this.skipSpaces(at + 1);
    if (text[p] === close) return finish(p + 1);
    for (;;) {
      if (p >= this.lineEnd) giveUp();
      if (isMap) {
        let name: string;
        let colon: number;
        if (text[p] === '"' || text[p] === "'") {
          const scalar = this.quoted(p);
          name = scalar.value;
          colon = this.skipSpaces(scalar.end);
        } else {
          if (INDICATOR_START.test(text[p]!)) giveUp();
          colon = p;
          while (colon < this.lineEnd && FLOW_STOP[text.charCodeAt(colon)] !== 1) colon++;
          name = text.slice(p, colon).trimEnd();
          if (name.includes(" #") || !readsAsString(name)) giveUp();
        }
        if (text[colon] !== ":" || text[colon + 1] !== " ") giveUp();
        if (name === "" || name === "<<" || name === "__proto__") giveUp();
        const valueAt = this.skipSpaces(colon + 1);
        add(offsets as MapOffsets, name, p, valueAt);
        const item = this.flowValue(valueAt);
        (value as Record<string, unknown>)[name] = item.value;
        p = item.end;
      } else {
        offsets.at.push(p);
        const item = this.flowValue(p);
        (value as unknown[]).push(item.value);
        p = item.end;
      }
      offsets.inner.push(this.taken());
      p = this.skipSpaces(p);
      if (text[p] === close) return finish(p + 1);
      if (text[p] !== ",") giveUp();
      p = this.skipSpaces(p + 1);
      if (text[p] === close || text[p] === ",") giveUp(); // a trailing or empty entry
    }
  }

  private flowValue(at: number): { value: unknown; end: number } {
    const { text } = this;
    const first = text[at];
    if (first === "{" || first === "[") return this.flow(at);
    if (first === '"' || first === "'") return this.quoted(at);
    if (at >= this.lineEnd || (INDICATOR_START.test(first!) && !this.plainDash(at))) giveUp();
    let end = at;
    while (end < this.lineEnd && FLOW_STOP[text.charCodeAt(end)] !== 1) end++;
    // A `:` or `#` inside a flow scalar, or the line ending inside the collection.
    if (end >= this.lineEnd || text[end] === ":" || text[end] === "#") giveUp();
    const raw = text.slice(at, end).trimEnd();
    return { value: plainScalar(raw), end: at + raw.length };
  }

  /** A quoted scalar on one line: single quotes with '' for a quote; double quotes without escapes. */
  private quoted(at: number): { value: string; end: number } {
    const { text } = this;
    const quote = text[at]!;
    let value = "";
    let p = at + 1;
    for (;;) {
      const close = this.onLine(quote, p);
      if (close === -1 || close >= this.lineEnd) giveUp();
      const part = text.slice(p, close);
      if (quote === '"' && part.includes("\\")) giveUp();
      value += part;
      if (quote === "'" && text[close + 1] === "'") {
        value += "'";
        p = close + 2;
        continue;
      }
      const end = close + 1;
      // What may follow a quoted scalar: a space, a flow indicator, a `:`, the end of the line.
      const next = text[end];
      if (end < this.lineEnd && !" ,]}:".includes(next!)) giveUp();
      return { value, end };
    }
  }

  /** Where `search` starts on the current line from `from`, else -1 (never a search to the text's end). */
  private onLine(search: string, from: number): number {
    const found = this.text.slice(from, this.lineEnd).indexOf(search);
    return found === -1 ? -1 : from + found;
  }

  private skipSpaces(at: number): number {
    while (at < this.lineEnd && this.text.charCodeAt(at) === 32) at++;
    return at;
  }

  /** Nothing but spaces, and a comment after a space, up to the end of the line. */
  private restIsEmpty(at: number): boolean {
    const p = this.skipSpaces(at);
    if (p >= this.lineEnd) return true;
    return this.text[p] === "#" && this.text[p - 1] === " ";
  }
}

/** A plain scalar's value under the core schema, as the yaml package resolves it. */
function plainScalar(raw: string): unknown {
  if (raw === "") giveUp();
  const tag = SCALAR_TAGS.find((t) => t.test!.test(raw));
  if (!tag) return raw;
  let failed = false;
  // Some tags give a Scalar node (null, booleans), others the value itself.
  const resolved = tag.resolve(raw, () => (failed = true), {} as never) as unknown;
  const value = isScalar(resolved) ? resolved.value : resolved;
  if (failed || (typeof value === "object" && value !== null)) giveUp();
  return value;
}
