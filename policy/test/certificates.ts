// Self-signed test certificates with chosen validity windows (node-forge from the repo root;
// Node's crypto parses certificates but cannot issue them).
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKey = forge.pki.privateKeyFromPem(
  keys.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
);
const publicKey = forge.pki.publicKeyFromPem(
  keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
);

let serial = 1;

export function certificatePem(commonName: string, notBefore: Date, notAfter: Date): string {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = publicKey;
  certificate.serialNumber = (serial++).toString(16).padStart(2, "0");
  certificate.validity.notBefore = notBefore;
  certificate.validity.notAfter = notAfter;
  const subject = [{ name: "commonName", value: commonName }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.sign(privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

/** DER bytes as base64, the other form DpsCertificate accepts. */
export function pemToBase64Der(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
}
