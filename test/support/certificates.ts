/** Test certificates made on the fly (node-forge signs, node:crypto makes the RSA keys quickly). */
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

export interface TestCertificate {
  certPem: string;
  keyPem: string;
}

export interface CertificateOptions {
  commonName: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Sign with this issuer; self-signed when absent. */
  issuer?: TestCertificate;
  isCa?: boolean;
  /** Add subject and authority key identifiers (RFC 5280 §4.2.1.1-2), as most real CAs do. @default false */
  keyIdentifiers?: boolean;
}

let serial = 1;

export function makeCertificate(options: CertificateOptions): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = (serial++).toString(16).padStart(4, "0");
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000);
  const subject = [{ name: "commonName", value: options.commonName }];
  cert.setSubject(subject);
  const issuerCert = options.issuer ? forge.pki.certificateFromPem(options.issuer.certPem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: options.isCa ?? false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: options.isCa ?? false },
    ...(options.isCa ? [] : [{ name: "extKeyUsage", clientAuth: true }]),
    ...(options.keyIdentifiers
      ? [
          { name: "subjectKeyIdentifier" },
          // forge takes `true` as the certificate's own key identifier: right for a self-signed one only.
          {
            name: "authorityKeyIdentifier",
            keyIdentifier: issuerCert ? issuerCert.generateSubjectKeyIdentifier().getBytes() : true,
          },
        ]
      : []),
  ]);
  const signingKey = forge.pki.privateKeyFromPem(options.issuer ? options.issuer.keyPem : keyPem);
  cert.sign(signingKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
