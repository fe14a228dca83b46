// The demo's certificates, generated on first run and kept under $DPS_HOME/local/certs so a
// second run declares the same enrollments (no diff). Nothing here is ever committed.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  createSelfSignedCertificate,
  issueCertificate,
  type KeyAndCertificate,
} from "../../emulator/certificates";

export interface DemoCertificates {
  readonly dir: string;
  /** The medical monitor's own certificate (CN = its registration id), enrolled individually. */
  medicalDevice(registrationId: string): KeyAndCertificate;
  /** A CA uploaded to the DPS under `name` (enrollment groups reference it by name). */
  authority(name: string): KeyAndCertificate;
  /** A device certificate issued by the CA `authorityName` (CN = registration id). */
  deviceIssuedBy(authorityName: string, registrationId: string): KeyAndCertificate;
  /** The webhook's TLS certificate and the CA that issued it (the emulator is told to trust it). */
  webhookServer(): { server: KeyAndCertificate; caPath: string };
}

export function demoCertificates(dir: string): DemoCertificates {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const load = (name: string, make: () => KeyAndCertificate): KeyAndCertificate => {
    const certPath = path.join(dir, `${name}.pem`);
    const keyPath = path.join(dir, `${name}.key.pem`);
    if (fs.existsSync(certPath) && fs.existsSync(keyPath)) {
      return {
        certificatePem: fs.readFileSync(certPath, "utf8"),
        privateKeyPem: fs.readFileSync(keyPath, "utf8"),
      };
    }
    const made = make();
    fs.writeFileSync(keyPath, made.privateKeyPem, { mode: 0o600 });
    fs.writeFileSync(certPath, made.certificatePem);
    return made;
  };
  const authority = (name: string) =>
    load(name, () =>
      createSelfSignedCertificate({ commonName: `${name} (dps-as-code demo)`, isCa: true, validDays: 3650 }),
    );
  return {
    dir,
    medicalDevice: (registrationId) =>
      load(registrationId, () => createSelfSignedCertificate({ commonName: registrationId, validDays: 365 })),
    authority,
    deviceIssuedBy: (authorityName, registrationId) =>
      load(`${authorityName}--${registrationId}`, () =>
        issueCertificate(authority(authorityName), { commonName: registrationId, validDays: 365 }),
      ),
    webhookServer: () => {
      const ca = authority("demo-webhook-ca");
      const server = load("demo-webhook-server", () =>
        issueCertificate(ca, {
          commonName: "localhost",
          altNames: ["localhost", "127.0.0.1"],
          validDays: 365,
        }),
      );
      return { server, caPath: path.join(dir, "demo-webhook-ca.pem") };
    },
  };
}
