import { createHmac, timingSafeEqual } from "node:crypto";

/** A parsed `SharedAccessSignature sr=…&sig=…&se=…&skn=…` token. */
export interface SasToken {
  /** `sr` exactly as it appears in the token: DPS signs it that way (Node raw, C#/CLI URL-encoded). */
  rawResource: string;
  /** `sr` URL-decoded, for comparing with the expected audience. */
  resource: string;
  /** The signature bytes (base64-decoded after URL-decoding). */
  signature: Buffer;
  expiry: number;
  keyName: string | undefined;
}

const PREFIX = "sharedaccesssignature ";

/** undefined when the header is not a SAS token at all; throws a description when it is a broken one. */
export function parseSasToken(header: string): SasToken | undefined {
  if (!header.toLowerCase().startsWith(PREFIX)) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice(PREFIX.length).trim().split("&")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    fields.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
  }
  const sr = fields.get("sr");
  const sig = fields.get("sig");
  const se = fields.get("se");
  if (sr === undefined || sig === undefined || se === undefined || !/^\d+$/.test(se)) {
    throw new Error("the SharedAccessSignature lacks sr, sig or a numeric se");
  }
  const skn = fields.get("skn");
  return {
    rawResource: sr,
    resource: safeDecode(sr),
    signature: Buffer.from(safeDecode(sig), "base64"),
    expiry: Number(se),
    keyName: skn === undefined ? undefined : safeDecode(skn),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** HMAC-SHA256 over `${sr}\n${se}` with the base64-decoded key. */
export function computeSignature(keyBase64: string, rawResource: string, expiry: number): Buffer {
  return createHmac("sha256", Buffer.from(keyBase64, "base64"))
    .update(`${rawResource}\n${expiry}`, "utf8")
    .digest();
}

/** Constant-time check of the token's signature against one key. */
export function signatureMatches(token: SasToken, keyBase64: string): boolean {
  const expected = computeSignature(keyBase64, token.rawResource, token.expiry);
  return expected.length === token.signature.length && timingSafeEqual(expected, token.signature);
}

/** Group enrollment device key: base64(HMAC-SHA256(base64decode(groupKey), registrationId)). */
export function deriveDeviceKey(groupKeyBase64: string, registrationId: string): string {
  return createHmac("sha256", Buffer.from(groupKeyBase64, "base64"))
    .update(registrationId, "utf8")
    .digest("base64");
}

export function isExpired(token: SasToken, nowMs = Date.now()): boolean {
  return token.expiry * 1000 <= nowMs;
}
