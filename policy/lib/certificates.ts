import { readCertificate } from "@dps-as-code/contract";

// Certificates arrive as PEM, as base64 of DER or as base64 of PEM (DPS and the DpsCertificate
// ARM field accept all three); one reader for the pack and the advice (contract/choice).

export interface CertificateValidity {
  readonly subject: string;
  readonly notAfter: Date;
}

export type ParsedCertificate =
  { readonly ok: true; readonly value: CertificateValidity } | { readonly ok: false };

export function parseCertificate(text: string): ParsedCertificate {
  const certificate = readCertificate(text);
  if (!certificate) return { ok: false };
  return {
    ok: true,
    value: { subject: commonNameOf(certificate.subject), notAfter: new Date(certificate.validTo) },
  };
}

/** "C=US\nO=x\nCN=device-1" -> "CN=device-1": the part a reader recognises in a message. */
function commonNameOf(subject: string): string {
  const commonName = subject.split("\n").find((part) => part.startsWith("CN="));
  return commonName ?? subject.replace(/\n/g, ", ");
}

/** Whole days until notAfter: the contract's count, which the drift and PR reports use too. */
export { daysUntil } from "@dps-as-code/contract";
