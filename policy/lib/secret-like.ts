// Heuristics for "this twin value looks like a secret". Twins are readable by anyone with
// RegistryRead or ServiceConnect on the hub and by the device itself, and they sit in Pulumi
// state in plain text: no credential belongs there. The checks aim at what people actually
// paste: connection strings, SAS tokens, private keys, bearer tokens, and long opaque values
// under a name that says "key" or "password".

const SECRET_NAME =
  /(pass(word|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|shared[-_]?key|credential|connection[-_]?string|sas|pwd)$/i;

const SECRET_VALUE: ReadonlyArray<[RegExp, string]> = [
  [/SharedAccessKey\s*=/i, "a connection string with SharedAccessKey"],
  [/SharedAccessSignature\s+sr=/i, "a SAS token"],
  [/AccountKey\s*=/i, "a storage connection string"],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/\bsig=[A-Za-z0-9%+/=]{20,}/, "a signed URL (sig=)"],
  [/^Bearer\s+\S{20,}$/i, "a bearer token"],
  [/^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+$/, "a JSON web token"],
];

/** Long base64/hex without spaces: what a key looks like when the field name says so. */
const OPAQUE = /^[A-Za-z0-9+/=_-]{24,}$/;

/** Why `value` at `name` looks like a secret, or undefined. Never returns the value itself. */
export function secretLikeReason(name: string, value: unknown): string | undefined {
  if (typeof value !== "string") {
    return undefined;
  }
  for (const [pattern, what] of SECRET_VALUE) {
    if (pattern.test(value)) {
      return `holds ${what}`;
    }
  }
  if (SECRET_NAME.test(name) && OPAQUE.test(value)) {
    return `is named like a secret and holds an opaque ${value.length}-character value`;
  }
  return undefined;
}
