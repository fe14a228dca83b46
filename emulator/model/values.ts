import { randomBytes, randomUUID } from "node:crypto";

/** DPS writes UTC timestamps with 7 fractional digits ("2022-07-05T21:27:16.8123235Z"). */
export function dpsTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

/**
 * Registration ids and enrollment group ids: up to 128 characters, alphanumerics plus - . _ :,
 * first character alphanumeric, last alphanumeric or '-' (docs/dps-contracts.md §5; the 2021-10-01 swagger
 * regex is broken, so the documented rule is used instead).
 */
const ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9\-._:]{0,126}[A-Za-z0-9-])?$/;
export const ID_RULE =
  "1 to 128 characters: letters, digits, '-', '.', '_', ':'; starting with a letter or digit and ending with a letter, digit or '-'";

export function isValidId(id: unknown): id is string {
  return typeof id === "string" && ID_PATTERN.test(id);
}

/** Ids are case-insensitive in DPS: every map is keyed by this form. */
export function idKey(id: string): string {
  return id.toLowerCase();
}

/** IoT Hub device ids: case-sensitive, up to 128 ASCII characters from this set. */
const DEVICE_ID_PATTERN = /^[A-Za-z0-9\-:.+%_#*?!(),=@;$']{1,128}$/;
export const DEVICE_ID_RULE = "1 to 128 characters: letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ '";
export function isValidDeviceId(id: unknown): id is string {
  return typeof id === "string" && DEVICE_ID_PATTERN.test(id);
}

/** Symmetric keys: base64 of 16 to 64 bytes; DPS generates 64-byte keys. */
export const MIN_KEY_BYTES = 16;
export const MAX_KEY_BYTES = 64;
export const GENERATED_KEY_BYTES = 64;

export function generateSymmetricKey(): string {
  return randomBytes(GENERATED_KEY_BYTES).toString("base64");
}

/** Returns the decoded length, or undefined when the text is not canonical base64. */
export function base64ByteLength(text: string): number | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, "base64").length;
}

/** ETags look like DPS's: a quoted GUID-like value ("\"13003fea-0000-0300-0000-62d1d5e50000\""). */
export function newEtag(): string {
  return `"${randomUUID()}"`;
}

/** Registration-state etags on the real service are base64 of a quoted GUID. */
export function newRegistrationEtag(): string {
  return Buffer.from(newEtag(), "utf8").toString("base64");
}

/** If-Match comparison: quotes and a weak prefix are optional on the wire; '*' matches anything. */
export function etagMatches(ifMatch: string | undefined, current: string | undefined): boolean {
  if (ifMatch === undefined || ifMatch === "") return true;
  const norm = (v: string) =>
    v
      .trim()
      .replace(/^W\//, "")
      .replace(/^"(.*)"$/, "$1");
  const wanted = ifMatch.split(",").map((v) => v.trim());
  if (wanted.includes("*")) return current !== undefined;
  if (current === undefined) return false;
  const base = norm(current);
  return wanted.some((w) => norm(w) === base);
}
