/**
 * A text stored packed: gzip, then base64, behind a prefix that says so. The one home of the
 * prefix and the codec: what an EnrollmentSet stores of its entries in its outputs
 * (set-stored-form.ts: `toStored` writes it, `decodeEntries` reads it) for every reader.
 *
 * Why: a set's outputs repeat its entries (hubs resolved) because refresh and the stack policies
 * see only the outputs (docs/design/set-stored-outputs.md, cut 3). As text they were the largest
 * field of the state, about 155 B per entry, rewritten at every checkpoint and carried across the
 * engine, the program and the provider at every preview. The entries of a fleet repeat the same
 * fields and values, so they pack tightly (the design note has the figures).
 *
 * Why gzip and not raw deflate: the same compression, plus 18 bytes per text (one text per set)
 * that buy a CRC-32 and the length, so a damaged stored text is refused as damaged instead of
 * decoding to other entries, and a person can read it with `base64 -d | gunzip` (after removing
 * the prefix). Why base64: Pulumi's state holds strings, not bytes.
 *
 * Why the prefix: the readers tell each stored form by its first character (the canonical text
 * opens with "{", the lines with "["); the prefix cannot open either, and names the codec.
 */
import { constants, gunzipSync, gzipSync } from "node:zlib";

export const PACKED_PREFIX = "gzip+base64:";

/** What a packed field holds: the prefix, then base64 of the gzip of the text. */
export type PackedText = `${typeof PACKED_PREFIX}${string}`;

/**
 * zlib's best compression. Measured on a 3,000-entry state (32 sets) the whole state's packing
 * takes a few ms (design note, cut 3), against seconds of engine work per checkpoint it saves.
 */
const LEVEL = constants.Z_BEST_COMPRESSION;

export function isPacked(value: unknown): value is PackedText {
  return typeof value === "string" && value.startsWith(PACKED_PREFIX);
}

export function packText(text: string): PackedText {
  return `${PACKED_PREFIX}${gzipSync(Buffer.from(text, "utf8"), { level: LEVEL }).toString("base64")}`;
}

/**
 * The text a packed value holds. A damaged value throws `<field>: the packed text does not
 * decode (<zlib's reason>)`: zlib's reasons name the fault ("incorrect header check", "unexpected
 * end of file"), never the data.
 */
export function unpackText(packed: PackedText, field: string): string {
  const base64 = packed.slice(PACKED_PREFIX.length);
  // Buffer.from skips characters outside base64's alphabet; a text with any is damaged.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64))
    throw new Error(`${field}: the packed text does not decode (not base64)`);
  try {
    return gunzipSync(Buffer.from(base64, "base64")).toString("utf8");
  } catch (error) {
    throw new Error(`${field}: the packed text does not decode (${(error as Error).message})`);
  }
}
