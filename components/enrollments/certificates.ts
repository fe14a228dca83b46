/**
 * Reading the X.509 certificates given in an attestation. DPS accepts PEM text, base64 of the PEM
 * text, and base64 of DER (Microsoft's own callers send all three), so we do too, and turn each
 * into PEM so diffs compare one form.
 */

export interface ParsedCertificate {
  pem: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** Upper-case hex without separators, as DPS reports `sha1Thumbprint` / `sha256Thumbprint`. */
  sha1Thumbprint: string;
  sha256Thumbprint: string;
}

export type CertificateParseResult = { ok: true; certificate: ParsedCertificate } | { ok: false; reason: string };

export function parseCertificate(text: string): CertificateParseResult {
  // require() here, not at module scope: this module is serialised into the dynamic provider.
  const crypto = require("node:crypto") as typeof import("node:crypto");
  const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
  const trimmed = text.trim();
  let source: string | Buffer | undefined;
  const pemMatch = PEM_BLOCK.exec(trimmed);
  if (pemMatch) {
    source = pemMatch[0];
  } else if (/^[A-Za-z0-9+/=\s]+$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/\s+/g, ""), "base64");
    const asText = bytes.toString("utf8");
    const innerPem = PEM_BLOCK.exec(asText);
    // DER starts with a SEQUENCE tag (0x30); anything else is not a certificate in any form.
    source = innerPem ? innerPem[0] : bytes[0] === 0x30 ? bytes : undefined;
  }
  if (source === undefined) {
    return { ok: false, reason: "is neither PEM (-----BEGIN CERTIFICATE-----) nor base64 of PEM or DER" };
  }
  try {
    const cert = new crypto.X509Certificate(source);
    return {
      ok: true,
      certificate: {
        pem: cert.toString().trim(),
        subject: cert.subject.replace(/\n/g, ", "),
        notBefore: new Date(cert.validFrom),
        notAfter: new Date(cert.validTo),
        sha1Thumbprint: cert.fingerprint.replace(/:/g, "").toUpperCase(),
        sha256Thumbprint: cert.fingerprint256.replace(/:/g, "").toUpperCase(),
      },
    };
  } catch (error) {
    return { ok: false, reason: `could not be parsed as an X.509 certificate (${(error as Error).message})` };
  }
}

/** Canonical PEM for comparisons, or the trimmed text when it does not parse (validation reports that). */
export function canonicalPem(text: string): string {
  const parsed = parseCertificate(text);
  return parsed.ok ? parsed.certificate.pem : text.trim();
}
