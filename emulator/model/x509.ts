import { X509Certificate } from "node:crypto";
import { badRequest, ErrorCodes } from "../errors";

/** X509CertificateInfo as DPS returns it (populated by the service from the certificate). */
export interface X509CertificateInfo {
  subjectName: string;
  sha1Thumbprint: string;
  sha256Thumbprint: string;
  issuerName: string;
  notBeforeUtc: string;
  notAfterUtc: string;
  serialNumber: string;
  version: number;
}

const PEM_PATTERN = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * Microsoft's own callers send certificates as PEM text, as base64 of the PEM text (Node e2e
 * group signing certificates) or as base64 of DER (CLI for .cer files); accept all three and
 * store PEM. `field` names the input in the error.
 */
export function normaliseCertificate(input: unknown, field: string): string {
  if (typeof input !== "string" || input.trim() === "") {
    throw badRequest(
      `${field} must be a certificate (PEM, base64 of PEM or base64 of DER)`,
      ErrorCodes.invalidAttestation,
    );
  }
  let pem: string | undefined;
  const direct = PEM_PATTERN.exec(input);
  if (direct) pem = direct[0];
  else {
    const bytes = Buffer.from(input.replace(/\s+/g, ""), "base64");
    const asText = PEM_PATTERN.exec(bytes.toString("utf8"));
    if (asText) pem = asText[0];
    else if (bytes.length > 0) {
      pem = `-----BEGIN CERTIFICATE-----\n${bytes
        .toString("base64")
        .replace(/(.{64})/g, "$1\n")
        .trim()}\n-----END CERTIFICATE-----\n`;
    }
  }
  try {
    if (!pem) throw new Error("empty");
    const cert = new X509Certificate(pem);
    return cert.toString();
  } catch {
    throw badRequest(
      `${field} is not a readable X.509 certificate (expected PEM, base64 of PEM or base64 of DER)`,
      ErrorCodes.invalidAttestation,
    );
  }
}

const distinguishedName = (text: string) => text.split("\n").filter(Boolean).join(", ");
const hex = (fingerprint: string) => fingerprint.replace(/:/g, "").toUpperCase();

export function certificateInfo(pem: string): X509CertificateInfo {
  const cert = new X509Certificate(pem);
  return {
    subjectName: distinguishedName(cert.subject),
    sha1Thumbprint: hex(cert.fingerprint),
    sha256Thumbprint: hex(cert.fingerprint256),
    issuerName: distinguishedName(cert.issuer),
    notBeforeUtc: new Date(cert.validFrom).toISOString().replace(".000Z", "Z"),
    notAfterUtc: new Date(cert.validTo).toISOString().replace(".000Z", "Z"),
    serialNumber: cert.serialNumber.toUpperCase(),
    version: 3,
  };
}

/** The certificate's CN: for X.509 attestation the registration id is the leaf's CN. */
export function commonName(cert: X509Certificate): string | undefined {
  for (const line of cert.subject.split("\n")) {
    if (line.startsWith("CN=")) return line.slice(3);
  }
  return undefined;
}

export function isCurrentlyValid(cert: X509Certificate, now = Date.now()): boolean {
  return new Date(cert.validFrom).getTime() <= now && now <= new Date(cert.validTo).getTime();
}

export function sameCertificate(a: X509Certificate, b: X509Certificate): boolean {
  return a.fingerprint256 === b.fingerprint256;
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

/**
 * True when `presented` (leaf first, then the intermediates the device sent) chains up to one of
 * `anchors` (an enrollment group's signing certificates or referenced CAs). Every certificate on
 * the way must be within its validity period.
 */
export function chainsTo(
  presented: X509Certificate[],
  anchors: X509Certificate[],
  now = Date.now(),
): boolean {
  let current = presented[0];
  const pool = presented.slice(1);
  for (let depth = 0; current && depth < 10; depth++) {
    if (!isCurrentlyValid(current, now)) return false;
    const subject: X509Certificate = current;
    if (
      anchors.some((a) => sameCertificate(a, subject) || (isCurrentlyValid(a, now) && issued(a, subject)))
    ) {
      return true;
    }
    current = pool.find((c) => !sameCertificate(c, subject) && issued(c, subject));
  }
  return false;
}
