// X.509 facts the advice and the coverage rule need, from Node's own parser (no dependency).
// DPS accepts a certificate as PEM, base64 of PEM or base64 of DER; so do these readers.
import { X509Certificate } from "node:crypto";

export function readCertificate(text: string | undefined): X509Certificate | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  let input: string | Buffer = trimmed;
  if (!trimmed.startsWith("-----BEGIN")) {
    const decoded = Buffer.from(trimmed.replace(/\s+/g, ""), "base64");
    const asText = decoded.toString("latin1");
    input = asText.startsWith("-----BEGIN") ? asText : decoded;
  }
  try {
    return new X509Certificate(input);
  } catch {
    return undefined;
  }
}

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
  return device.issuer.split("\n").reverse().join(", ");
}
