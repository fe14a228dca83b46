// Test certificates made on the fly: CA chains, device certificates, chosen validity dates, key
// identifiers when asked, PEM or DER. The emulator's certificate maker signs them (it makes the
// emulator's own CA and server certificate, so the repository has one signer).
import {
  createSelfSignedCertificate,
  issueCertificate,
  type CertificateRequest,
  type KeyAndCertificate,
} from "../emulator/certificates";

export type { KeyAndCertificate };

export interface TestCertificateOptions extends CertificateRequest {
  /** Sign with this CA; self-signed when absent. */
  issuer?: KeyAndCertificate;
}

export function makeCertificate({ issuer, ...request }: TestCertificateOptions): KeyAndCertificate {
  return issuer ? issueCertificate(issuer, request) : createSelfSignedCertificate(request);
}

/** A certificate's DER bytes as base64 (its PEM body): the other form DPS accepts. */
export function pemToBase64Der(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
}
