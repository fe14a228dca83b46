import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSelfSignedCertificate, issueCertificate, type KeyAndCertificate } from "./certificates";

export interface ServerTlsMaterial {
  caCertPath: string;
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

const FILES = {
  caCert: "ca.pem",
  caKey: "ca.key.pem",
  serverCert: "server.pem",
  serverKey: "server.key.pem",
};

/**
 * The emulator's CA and server certificate, created on first start and reused afterwards (so
 * clients that trust ca.pem keep working across restarts). The server certificate is re-issued
 * when it lacks a needed name or is about to expire.
 */
export function ensureServerTls(dir: string, hostNames: string[]): ServerTlsMaterial {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = (name: string) => join(dir, name);
  let ca: KeyAndCertificate;
  if (existsSync(path(FILES.caCert)) && existsSync(path(FILES.caKey))) {
    ca = {
      certificatePem: readFileSync(path(FILES.caCert), "utf8"),
      privateKeyPem: readFileSync(path(FILES.caKey), "utf8"),
    };
  } else {
    ca = createSelfSignedCertificate({ commonName: "DPS Emulator Local CA", isCa: true, validDays: 3650 });
    writeFileSync(path(FILES.caKey), ca.privateKeyPem, { mode: 0o600 });
    writeFileSync(path(FILES.caCert), ca.certificatePem);
  }
  const names = [...new Set(["localhost", "127.0.0.1", ...hostNames])];
  let server: KeyAndCertificate | undefined;
  if (existsSync(path(FILES.serverCert)) && existsSync(path(FILES.serverKey))) {
    const pem = readFileSync(path(FILES.serverCert), "utf8");
    if (serverCertificateFits(pem, ca.certificatePem, names)) {
      server = { certificatePem: pem, privateKeyPem: readFileSync(path(FILES.serverKey), "utf8") };
    }
  }
  if (!server) {
    server = issueCertificate(ca, { commonName: "localhost", altNames: names, validDays: 365 });
    writeFileSync(path(FILES.serverKey), server.privateKeyPem, { mode: 0o600 });
    writeFileSync(path(FILES.serverCert), server.certificatePem);
  }
  return {
    caCertPath: path(FILES.caCert),
    caCertPem: ca.certificatePem,
    serverCertPem: server.certificatePem,
    serverKeyPem: server.privateKeyPem,
  };
}

function serverCertificateFits(pem: string, caPem: string, names: string[]): boolean {
  try {
    const cert = new X509Certificate(pem);
    if (!cert.verify(new X509Certificate(caPem).publicKey)) return false;
    if (new Date(cert.validTo).getTime() - Date.now() < 7 * 86_400_000) return false;
    return names.every((n) =>
      /^\d/.test(n) ? cert.checkIP(n) !== undefined : cert.checkHost(n) !== undefined,
    );
  } catch {
    return false;
  }
}
