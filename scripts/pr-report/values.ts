// Rendering input values for reviewers: secrets masked, unknowns named, long values summarised.
import { X509Certificate, createHash } from "node:crypto";
import { isSecretFieldPath, SECRET_SIGNATURE_KEY, UNKNOWN_VALUE } from "@dps-as-code/contract";
const MAX_INLINE = 80;

export const MASK = "[secret]";

export function isSecretValue(value: unknown): boolean {
  return value === MASK || (typeof value === "object" && value !== null && SECRET_SIGNATURE_KEY in value);
}

/** Replaces secret values (by marker or by field name) with the mask, recursively. */
export function maskSecrets(value: unknown, path = ""): unknown {
  if (
    isSecretValue(value) ||
    (path !== "" && isSecretFieldPath(path) && value !== undefined && value !== null)
  )
    return MASK;
  if (Array.isArray(value)) return value.map((v, i) => maskSecrets(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, maskSecrets(v, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

/** One value as inline markdown code, short enough for a table or a bullet. */
export function renderValue(value: unknown): string {
  if (value === undefined) return "_(none)_";
  if (value === MASK) return "`[secret]`";
  if (value === UNKNOWN_VALUE) return "_(known after apply)_";
  if (typeof value === "string" && value.includes("-----BEGIN CERTIFICATE-----"))
    return describeCertificate(value);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text.length <= MAX_INLINE) return code(text);
  if (typeof value === "object" && value !== null) {
    const keys = Array.isArray(value) ? `${value.length} items` : `${Object.keys(value).length} keys`;
    return `${code(`${text.slice(0, 40)}…`)} _(${keys}, ${text.length} characters)_`;
  }
  return `${code(`${text.slice(0, MAX_INLINE - 1)}…`)} _(${text.length} characters)_`;
}

function describeCertificate(pem: string): string {
  try {
    const cert = new X509Certificate(pem);
    const cn = /CN=([^\n]*)/.exec(cert.subject)?.[1] ?? cert.subject;
    const thumb = createHash("sha256").update(cert.raw).digest("hex").slice(0, 16).toUpperCase();
    return `certificate ${code(`CN=${cn}`)}, expires ${new Date(cert.validTo).toISOString().slice(0, 10)}, SHA-256 ${code(thumb + "…")}`;
  } catch {
    return "_(certificate that could not be parsed)_";
  }
}

function code(text: string): string {
  const clean = text.replace(/\r?\n/g, " ");
  return clean.includes("`") ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}

/**
 * Free text from the engine (diagnostics) may quote a value: a connection string, a SAS token, a
 * key. The report has no list of the stack's secrets, so it masks what has their shape: a
 * `SharedAccessKey=` or `sig=` value, and any base64 run of 40 characters or more (DPS symmetric
 * keys are 32 or 64 bytes, 44 or 88 characters in base64; ids, URNs and host names contain
 * characters outside base64, so they are never this long a run).
 */
export function maskSecretText(text: string): string {
  return text
    .replace(/(SharedAccessKey=)[^;\s"'`)]+/gi, `$1${MASK}`)
    .replace(/(\bsig=)[^&\s"'`)]+/gi, `$1${MASK}`)
    .replace(/[A-Za-z0-9+/]{40,}={0,2}/g, MASK);
}
