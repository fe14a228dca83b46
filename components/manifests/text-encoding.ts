// Manifests are UTF-8. Node's decoder turns any other byte into U+FFFD without a word, so a
// Latin-1 "é" in a twin tag would reach DPS as a replacement character: decode strictly and
// say where the first bad byte is.

export type DecodeResult =
  { ok: true; text: string } | { ok: false; line: number; column: number; problem: string; allowed: string };

const ALLOWED = "UTF-8 text (save the file as UTF-8)";

export function decodeManifest(bytes: Uint8Array): DecodeResult {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      ok: false,
      line: 1,
      column: 1,
      problem: "the file is UTF-16 (it starts with a UTF-16 byte order mark)",
      allowed: ALLOWED,
    };
  }
  try {
    // A UTF-8 byte order mark is dropped by the decoder (ignoreBOM: false).
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const at = firstInvalidByte(bytes);
    const before = bytes.subarray(0, at);
    const lineStart = before.lastIndexOf(0x0a) + 1;
    const line = before.filter((b) => b === 0x0a).length + 1;
    const column = Buffer.from(before.subarray(lineStart)).toString("utf8").length + 1;
    const byte = bytes[at]!.toString(16).toUpperCase().padStart(2, "0");
    return {
      ok: false,
      line,
      column,
      problem: `byte 0x${byte} is not UTF-8 (the file is in another encoding, e.g. Latin-1 or Windows-1252)`,
      allowed: ALLOWED,
    };
  }
}

/** Offset of the first byte that does not belong to a valid UTF-8 sequence (RFC 3629). */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    // Overlong forms, surrogates and code points above U+10FFFF.
    const second = bytes[i + 1] ?? 0;
    if (
      (b === 0xe0 && second < 0xa0) ||
      (b === 0xed && second > 0x9f) ||
      (b === 0xf0 && second < 0x90) ||
      (b === 0xf4 && second > 0x8f)
    )
      return i;
    i += length;
  }
  return bytes.length;
}
