/**
 * Base64 as DPS takes it for symmetric keys and TPM keys: standard alphabet, padding required,
 * no whitespace (what `Buffer.from(x, "base64")` would silently repair, DPS refuses).
 */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The decoded bytes, or `undefined` when the text is empty or not strict base64. */
export function decodeStrictBase64(text: string): Buffer | undefined {
  if (text.length === 0 || !STRICT_BASE64.test(text)) return undefined;
  return Buffer.from(text, "base64");
}
