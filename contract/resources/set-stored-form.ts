/**
 * How a set's per-entry bookkeeping (ETags, keys) is stored in Pulumi's state: one text,
 * one line per entry (a JSON array, sorted by id), instead of a map of small objects.
 *
 * Why: every value the state holds crosses the engine, the program and the provider process as a
 * protobuf Struct at each preview, and the cost grows with the number of objects, not of bytes.
 * At 10,000 entries the two maps (`metadata`, `keys`) were 20,000 objects per preview; as two
 * strings they cost about 7 s less of a 10,000-entry no-op preview (measured: benchmarks/README.md).
 * The OUTPUTS' copy of the secrets is the canonical text of set-text.ts, one JSON document (the
 * form the inputs take): the engine hands a set's stored outputs to the program and to the
 * provider's diff at every preview, so a map there cost as many objects again (at 100,000
 * entries: measured in benchmarks/README.md). The outputs' copy of the entries (what the provider
 * diffs against, refresh merges DPS into and a stack policy reads) is that canonical text packed
 * (packed-text.ts): it was the largest field of the state, rewritten at every checkpoint
 * (docs/design/set-stored-outputs.md, cut 3). The stored entries hold host names (hubs resolved),
 * so they compare as they are against DPS.
 *
 * The provider works on maps (types.ts): it decodes the stored outputs it is handed (`fromStored`,
 * which also reads the lines and maps an older version stored: stored-forms.ts) and encodes what
 * it returns (`toStored`). `decodeEntries`/`decodeSecrets` are every reader's way in to any form.
 */
import type { SymmetricKeys } from "./enrollment";
import type { EnrollmentSetOutputs, EntryMetadata, EntrySecrets, SetEntry } from "./enrollment-set";
import { isPacked, packText, type PackedText, unpackText } from "./packed-text";
import { decodeSetEntries, decodeSetSecrets, encodeSetEntries, encodeSetSecrets } from "./set-text";

/** A set's outputs as stored: the per-entry maps as texts. */
export type StoredSetOutputs = Omit<EnrollmentSetOutputs, "metadata" | "keys" | "enrollments" | "secrets"> & {
  /**
   * The entries as last applied, hubs resolved to host names: their canonical text (set-text.ts),
   * packed (packed-text.ts). In state written before it: the canonical text itself, lines of
   * `["<id>", {entry}]` or a map (stored-forms.ts); `decodeEntries` reads every form.
   */
  enrollments: PackedText;
  /** The secrets the inputs declared, as the canonical text (secret; a map before it). */
  secrets?: string;
  /**
   * Lines of `["<id>", "<etag>"]`; in state written before it, `["<id>", "<etag>", "<created>",
   * "<lastUpdated>"]` lines or a map (stored-forms.ts).
   */
  metadata: string;
  /** Lines of `["<id>", "<primaryKey>", "<secondaryKey>"]` (secret). */
  keys: string;
};

function lines<T>(entries: Record<string, T>, row: (id: string, value: T) => string[]): string {
  return Object.keys(entries)
    .sort()
    .map((id) => JSON.stringify(row(id, entries[id]!)))
    .join("\n");
}

function rows(text: string, field: string): string[][] {
  if (text === "") return [];
  return text.split("\n").map((line, index) => {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      // JSON.parse's message quotes the text, and a keys line holds keys.
    }
    if (!Array.isArray(row) || !row.every((cell) => typeof cell === "string"))
      throw new Error(`enrollment set state: ${field} line ${index + 1} is not a list of strings`);
    return row as string[];
  });
}

/** The ETag alone: whatever else a value carries never reaches the state. */
export function encodeMetadata(metadata: Record<string, EntryMetadata>): string {
  return lines(metadata, (id, m) => [id, m.etag]);
}

export function encodeKeys(keys: Record<string, SymmetricKeys>): string {
  return lines(keys, (id, k) => [id, k.primaryKey, k.secondaryKey]);
}

export function encodeEntries(entries: Record<string, SetEntry>): string {
  return Object.keys(entries)
    .sort()
    .map((id) => JSON.stringify([id, entries[id]]))
    .join("\n");
}

/** A set's entries as its outputs store them: the canonical text, packed. */
export function encodePackedEntries(entries: Readonly<Record<string, SetEntry>>): PackedText {
  return packText(encodeSetEntries(entries));
}

/**
 * A set's entries in any form it has held them: the map (inputs, and outputs stored before the
 * lines), the lines (`["<id>", {entry}]`, outputs), the canonical text (set-text.ts: inputs, and
 * outputs until the packed form), or the canonical text packed (outputs from then on). The packed
 * form opens with its prefix, lines with "[", the text with "{".
 */
export function decodeEntries(stored: unknown): Record<string, SetEntry> {
  if (typeof stored !== "string") return (stored as Record<string, SetEntry> | undefined) ?? {};
  if (isPacked(stored)) return decodeSetEntries(unpackText(stored, "enrollments"));
  if (stored.startsWith("{")) return decodeSetEntries(stored);
  const entries: Record<string, SetEntry> = {};
  if (stored === "") return entries;
  stored.split("\n").forEach((line, index) => {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      // Reported below with the line number.
    }
    if (
      !Array.isArray(row) ||
      row.length !== 2 ||
      typeof row[0] !== "string" ||
      typeof row[1] !== "object" ||
      row[1] === null
    )
      throw new Error(`enrollment set state: enrollments line ${index + 1} is not ["<id>", {entry}]`);
    entries[row[0] as string] = row[1] as SetEntry;
  });
  return entries;
}

/** A set's secrets in either form: the map (before the text) or the canonical text (set-text.ts). */
export function decodeSecrets(stored: unknown): Record<string, EntrySecrets> {
  if (typeof stored === "string") return decodeSetSecrets(stored);
  return (stored as Record<string, EntrySecrets> | undefined) ?? {};
}

/**
 * The stored ETags, in any form: `["<id>", "<etag>"]` lines, the lines with DPS's times an older
 * version stored, or the map before them (stored-forms.ts). The times are dropped as they are
 * read, so the next write (toStored) stores the ETags alone.
 */
export function decodeMetadata(stored: unknown): Record<string, EntryMetadata> {
  const metadata: Record<string, EntryMetadata> = {};
  if (typeof stored !== "string") {
    const map = (stored as Record<string, { etag?: string }> | undefined) ?? {};
    for (const [id, m] of Object.entries(map)) metadata[id] = { etag: m.etag ?? "" };
    return metadata;
  }
  for (const [id, etag] of rows(stored, "metadata")) metadata[id!] = { etag: etag ?? "" };
  return metadata;
}

/** The stored keys, in either form (a map was stored before this encoding). */
export function decodeKeys(stored: unknown): Record<string, SymmetricKeys> {
  if (typeof stored !== "string") return (stored as Record<string, SymmetricKeys> | undefined) ?? {};
  const keys: Record<string, SymmetricKeys> = {};
  for (const [id, primaryKey, secondaryKey] of rows(stored, "keys"))
    keys[id!] = { primaryKey: primaryKey ?? "", secondaryKey: secondaryKey ?? "" };
  return keys;
}

export function toStored(outputs: EnrollmentSetOutputs): StoredSetOutputs {
  const { secrets, ...rest } = outputs;
  return {
    ...rest,
    enrollments: encodePackedEntries(outputs.enrollments),
    ...(secrets !== undefined ? { secrets: encodeSetSecrets(secrets) } : {}),
    metadata: encodeMetadata(outputs.metadata),
    keys: encodeKeys(outputs.keys),
  };
}

/** A set's outputs as an older version stored them: the entries as their canonical text, unpacked. */
type TextStoredSetOutputs = Omit<StoredSetOutputs, "enrollments"> & { enrollments: string };

/** Outputs as the provider works on them, from what the engine hands it (any stored form). */
export function fromStored<
  T extends Partial<StoredSetOutputs> | Partial<TextStoredSetOutputs> | Partial<EnrollmentSetOutputs>,
>(
  stored: T,
): Omit<T, "metadata" | "keys" | "enrollments" | "secrets"> &
  Pick<EnrollmentSetOutputs, "metadata" | "keys" | "enrollments" | "secrets"> {
  try {
    return {
      ...stored,
      enrollments: decodeEntries(stored.enrollments),
      ...(stored.secrets !== undefined ? { secrets: decodeSecrets(stored.secrets) } : {}),
      metadata: decodeMetadata(stored.metadata),
      keys: decodeKeys(stored.keys),
    };
  } catch (error) {
    // Only a hand-edited state gets here: say which set, and how to get the last good one back.
    throw new Error(
      `enrollment set ${String(stored.shard)}: ${(error as Error).message}; restore the stack's last good state (pulumi stack export/import, or the file backend's .pulumi/backups)`,
    );
  }
}
