import { X509Certificate } from "node:crypto";

// Certificates arrive as PEM, as base64 of DER or as base64 of PEM (DPS and the DpsCertificate
// ARM field accept all three). Node's own X509Certificate parses PEM and DER, so the pack needs
// no extra dependency.

export interface CertificateValidity {
  readonly subject: string;
  readonly notAfter: Date;
}

export type ParsedCertificate =
  { readonly ok: true; readonly value: CertificateValidity } | { readonly ok: false };

export function parseCertificate(text: string): ParsedCertificate {
  const trimmed = text.trim();
  let input: string | Buffer = trimmed;
  if (!trimmed.startsWith("-----BEGIN")) {
    const decoded = Buffer.from(trimmed.replace(/\s+/g, ""), "base64");
    const asText = decoded.toString("latin1");
    input = asText.startsWith("-----BEGIN") ? asText : decoded;
  }
  try {
    const certificate = new X509Certificate(input);
    return {
      ok: true,
      value: { subject: commonNameOf(certificate.subject), notAfter: new Date(certificate.validTo) },
    };
  } catch {
    return { ok: false };
  }
}

/** "C=US\nO=x\nCN=device-1" -> "CN=device-1": the part a reader recognises in a message. */
function commonNameOf(subject: string): string {
  const commonName = subject.split("\n").find((part) => part.startsWith("CN="));
  return commonName ?? subject.replace(/\n/g, ", ");
}

const MILLISECONDS_PER_DAY = 86_400_000;

/** Whole days from `now` until `notAfter`, negative once expired. */
export function daysUntil(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / MILLISECONDS_PER_DAY);
}
