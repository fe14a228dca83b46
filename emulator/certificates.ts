import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

/**
 * Certificate generation for the emulator's own CA / server certificate and for test devices.
 * RSA keys come from node:crypto (fast, native); node-forge only builds and signs the certificates.
 */
export interface KeyAndCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

export interface CertificateRequest {
  commonName: string;
  /** A CA (root or intermediate) may sign other certificates. */
  isCa?: boolean;
  /** DNS names and IP addresses for the subjectAltName extension. */
  altNames?: string[];
  validDays?: number;
  /** Backdate validity start (tests of expired certificates use negative validDays with this). */
  notBefore?: Date;
  /** End of validity, when a test needs an exact date (instead of notBefore + validDays). */
  notAfter?: Date;
  /**
   * Add the authority key identifier extension (RFC 5280 §4.2.1.1), as most real CAs do: it tells
   * apart two CAs of the same name. @default false
   */
  authorityKeyIdentifier?: boolean;
}

function newKeyPair(): {
  publicKey: forge.pki.PublicKey;
  privateKey: forge.pki.PrivateKey;
  privateKeyPem: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    privateKeyPem: privateKey,
  };
}

const IP_PATTERN = /^\d{1,3}(\.\d{1,3}){3}$/;

function build(
  request: CertificateRequest,
  issuer: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey } | undefined,
): KeyAndCertificate {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  // Positive serial: a leading 0x00..0x7f byte.
  cert.serialNumber = "01" + randomBytes(15).toString("hex");
  const notBefore = request.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter =
    request.notAfter ?? new Date(notBefore.getTime() + (request.validDays ?? 825) * 86_400_000);
  const subject = [{ name: "commonName", value: request.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  const extensions: object[] = [
    { name: "basicConstraints", cA: request.isCa ?? false, critical: true },
    request.isCa
      ? { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
      : { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ];
  if (request.authorityKeyIdentifier) {
    // forge takes `true` as the certificate's own key identifier: right for a self-signed one only.
    const keyIdentifier = issuer ? issuer.cert.generateSubjectKeyIdentifier().getBytes() : true;
    extensions.push({ name: "authorityKeyIdentifier", keyIdentifier });
  }
  if (!request.isCa) extensions.push({ name: "extKeyUsage", serverAuth: true, clientAuth: true });
  if (request.altNames?.length) {
    extensions.push({
      name: "subjectAltName",
      altNames: request.altNames.map((n) =>
        IP_PATTERN.test(n) ? { type: 7, ip: n } : { type: 2, value: n },
      ),
    });
  }
  cert.setExtensions(extensions);
  cert.sign((issuer?.key ?? keys.privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keys.privateKeyPem };
}

/** A self-signed certificate (a root CA when `isCa`). */
export function createSelfSignedCertificate(request: CertificateRequest): KeyAndCertificate {
  return build(request, undefined);
}

/** A certificate signed by `issuer` (which must be a CA). */
export function issueCertificate(issuer: KeyAndCertificate, request: CertificateRequest): KeyAndCertificate {
  return build(request, {
    cert: forge.pki.certificateFromPem(issuer.certificatePem),
    key: forge.pki.privateKeyFromPem(issuer.privateKeyPem),
  });
}
