// X.509 facts the advice and the coverage rule need, from Node's own parser (no dependency).
// Certificates are read by the one reader of contract/dps/certificates.ts (PEM, base64 of PEM or
// of DER; one certificate, no private key), so the advice accepts exactly what DPS rules accept.
import { createHash, type X509Certificate } from "node:crypto";
import { authorityKeyIdentifier, subjectKeyIdentifier } from "./key-identifiers";

/**
 * True when `device` was issued by `ca`: the issuer name matches the CA's subject (and the key
 * identifiers, when both certificates carry them: OpenSSL's X509_check_issued) and the CA's
 * public key verifies the device certificate's signature. This is the check DPS makes on the
 * last link of the chain a device presents to an X.509 enrollment group whose signing or CA
 * certificate is `ca` (learn.microsoft.com/azure/iot-dps/concepts-x509-attestation,
 * "Controlling device access with X.509 certificates").
 */
export function issuedBy(device: X509Certificate, ca: X509Certificate): boolean {
  try {
    return device.checkIssued(ca) && device.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** "CN=Contoso Root CA, O=Contoso": the issuer as a reader recognises it in a message. */
export function issuerName(device: X509Certificate): string {
  return readableName(device.issuer);
}

/** A distinguished name as Node prints it (one attribute a line, most specific last), in reading order. */
export function readableName(distinguishedName: string): string {
  return distinguishedName.split("\n").reverse().join(", ");
}

/**
 * What the enrollment ledger keeps of a device certificate instead of the certificate itself
 * (about 1 KB, stored twice in state per enrollment): enough to name it and to decide offline
 * which CA issued it.
 */
export interface DeviceCertificateFacts {
  /** SHA-256 thumbprint, as DPS and the portal show it (colon-separated hex). */
  readonly sha256Thumbprint: string;
  /** The issuer's distinguished name, as Node's X509Certificate prints it. */
  readonly issuer: string;
  /** Hex of the authority key identifier extension, when the certificate has one. */
  readonly authorityKeyIdentifier?: string;
  /**
   * SHA-256 (hex) of the public key of the CA certificate that issued it, signature checked, when
   * the stack held that CA (a DPS CA certificate or a group's signing certificate) as the record
   * was made.
   */
  readonly issuerKeySha256?: string;
}

/**
 * The facts of `device`; `knownCas` are the CA certificates the stack holds now, among which the
 * issuer is looked for (its signature checked) to record the issuer's key.
 */
export function deviceCertificateFacts(
  device: X509Certificate,
  knownCas: readonly X509Certificate[] = [],
): DeviceCertificateFacts {
  const authorityKeyId = authorityKeyIdentifier(device.raw);
  const issuer = knownCas.find((ca) => issuedBy(device, ca));
  return {
    sha256Thumbprint: device.fingerprint256,
    issuer: device.issuer,
    ...(authorityKeyId ? { authorityKeyIdentifier: authorityKeyId } : {}),
    ...(issuer ? { issuerKeySha256: publicKeySha256(issuer) } : {}),
  };
}

/** SHA-256 (hex) of a certificate's SubjectPublicKeyInfo (DER). */
export function publicKeySha256(certificate: X509Certificate): string {
  return createHash("sha256")
    .update(certificate.publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

/**
 * `issuedBy` from the facts alone: the CA's subject is the device certificate's issuer, and
 * - when the record holds the issuer's key (its signature was checked as the record was made),
 *   the CA has that key;
 * - otherwise, when both certificates carry key identifiers, the CA's subject key identifier is
 *   the device's authority key identifier (OpenSSL's X509_check_issued, without the signature,
 *   which needs the whole certificate); without them the name alone decides.
 * Keys and key identifiers tell apart two CAs of the same name (a CA renewed with a new key).
 */
export function issuedByFacts(device: DeviceCertificateFacts, ca: X509Certificate): boolean {
  if (ca.subject !== device.issuer) return false;
  if (device.issuerKeySha256 !== undefined) return publicKeySha256(ca) === device.issuerKeySha256;
  const caKeyId = subjectKeyIdentifier(ca.raw);
  return (
    device.authorityKeyIdentifier === undefined ||
    caKeyId === undefined ||
    caKeyId === device.authorityKeyIdentifier
  );
}
