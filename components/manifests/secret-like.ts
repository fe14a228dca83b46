// Recognises a secret value pasted where a name belongs (`primaryKeySecret: 8isrFI1s...==`), so
// that no message, and so no CI log, ever echoes it: the message says what the value looks like
// and where it belongs instead.
import {
  decodeStrictBase64,
  missingConnectionStringFields,
  SYMMETRIC_KEY_BYTES,
} from "@dps-as-code/contract";

export type SecretLook =
  | "a symmetric key"
  | "a URL with a key or code in it"
  | "a URL"
  | "a connection string"
  | "a private key"
  | "a token";

/** What a value looks like, when it looks like a secret; `undefined` for ordinary text. */
export function secretLook(value: string): SecretLook | undefined {
  const text = value.trim();
  if (/PRIVATE KEY/.test(text)) return "a private key";
  if (
    missingConnectionStringFields(text).length < 3 &&
    /SharedAccessKey=|AccountKey=|SharedAccessSignature=/i.test(text)
  )
    return "a connection string";
  if (/^SharedAccessSignature\s/i.test(text) || /^Bearer\s/i.test(text)) return "a token";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    return /[?&](code|sig|key|token|secret)=/i.test(text) ? "a URL with a key or code in it" : "a URL";
  const bytes = text.length >= 16 ? decodeStrictBase64(text) : undefined;
  if (bytes && bytes.length >= SYMMETRIC_KEY_BYTES.min) return "a symmetric key";
  // Long unbroken base64-ish or hex runs: API keys and function codes of other shapes.
  if (/^[A-Za-z0-9+/=_-]{32,}$/.test(text) && /[0-9]/.test(text) && /[A-Za-z]/.test(text)) return "a token";
  return undefined;
}
