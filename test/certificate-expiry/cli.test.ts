// `npm run --silent certificate-expiry` as a person or the drift workflow runs it (scripts/
// certificate-expiry.ts through scripts/with-env.sh), from the root of a repository with a stack
// file and manifests: what it lists and how loud, the window the stack sets, and clear errors.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertificate } from "../../testkit/certificates";
import { runProjectTool } from "../../testkit/project-tool";

const repo = fs.mkdtempSync(path.join(os.tmpdir(), "certificate-expiry-"));
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

const DAY = 86_400_000;
const NOW = Date.now();
const inDays = (n: number) => new Date(NOW + n * DAY + 3_600_000);
const date = (d: Date) => d.toISOString().slice(0, 10);

const run = (...args: string[]) => runProjectTool("certificate-expiry", args, { cwd: repo });

const stackFile = (extra = "") =>
  [
    "config:",
    "  dps-as-code:environment: dev",
    "  dps-as-code:target: local",
    "  dps-as-code:location: westeurope",
    "  dps-as-code:hubs: { weu: { location: westeurope } }",
    "  dps-as-code:dps:",
    "    caCertificates:",
    "      charger-root: { certificatePath: certs/charger-root.pem }",
    "      spare-root: { certificatePath: certs/spare-root.pem }",
    "      legacy-root: { existing: true }",
    extra,
  ].join("\n");

const x509Individual = (id: string) =>
  `  - { registrationId: ${id}, attestation: { type: x509, x509: { clientCertificates: { primary: { certificateFile: ${id}.pem } } } } }`;

beforeAll(() => {
  fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: dps-as-code\nruntime: nodejs\n");
  fs.mkdirSync(path.join(repo, "certs"));
  fs.mkdirSync(path.join(repo, "enrollments", "dev"), { recursive: true });
  const write = (file: string, pem: string) => fs.writeFileSync(path.join(repo, file), pem);
  const chargerRoot = makeCertificate({ commonName: "Charger Root", isCa: true, notAfter: inDays(12) });
  write("certs/charger-root.pem", chargerRoot.certificatePem);
  write(
    "certs/spare-root.pem",
    makeCertificate({ commonName: "Spare Root", isCa: true, notAfter: inDays(3) }).certificatePem,
  );
  write(
    "enrollments/dev/monitor-expired.pem",
    makeCertificate({
      commonName: "monitor-expired",
      notBefore: new Date(NOW - 30 * DAY),
      notAfter: new Date(NOW - 2 * DAY - 3_600_000),
    }).certificatePem,
  );
  write(
    "enrollments/dev/monitor-45.pem",
    makeCertificate({ commonName: "monitor-45", notAfter: inDays(45) }).certificatePem,
  );
  write(
    "enrollments/dev/monitor-fresh.pem",
    makeCertificate({ commonName: "monitor-fresh", validDays: 365 }).certificatePem,
  );
  write(
    "enrollments/dev/pump-signing.pem",
    makeCertificate({ commonName: "Pump Signing", isCa: true, notAfter: inDays(20) }).certificatePem,
  );
  fs.writeFileSync(
    path.join(repo, "enrollments", "dev", "fleet.yaml"),
    [
      "defaults: { iotHubs: [weu], allocationPolicy: static }",
      "individualEnrollments:",
      ...["monitor-expired", "monitor-45", "monitor-fresh"].map(x509Individual),
      "enrollmentGroups:",
      "  - { enrollmentGroupId: chargers, attestation: { type: x509, x509: { caReferences: { primary: charger-root } } } }",
      "  - { enrollmentGroupId: chargers-eu, attestation: { type: x509, x509: { caReferences: { primary: charger-root } } } }",
      "  - { enrollmentGroupId: pumps, attestation: { type: x509, x509: { signingCertificates: { primary: { certificateFile: pump-signing.pem } } } } }",
      "",
    ].join("\n"),
  );
});

describe("npm run certificate-expiry", () => {
  it("lists the expired certificate first and loudest, then the ones expiring within the default 30 days, each with what to run", () => {
    fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), stackFile());
    const result = run("--stack", "dev");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        "4 of 6 certificates of stack dev expired, not yet valid or expiring within 30 days.",
        "",
        `EXPIRED 2 days ago (notAfter ${date(new Date(NOW - 2 * DAY - 3_600_000))}): individual enrollment monitor-expired (primary certificate), CN=monitor-expired`,
        "  declared in enrollments/dev/fleet.yaml:3 (attestation.x509.clientCertificates.primary)",
        "  run: npm run plan-rotation -- --stack dev --enrollment monitor-expired --kind certificate --certificate <new-certificate.pem> --out rotation-monitor-expired",
        "  (<new-certificate.pem>: the device's new certificate, subject CN monitor-expired)",
        "",
        `expires in 3 days (notAfter ${date(inDays(3))}): DPS CA certificate spare-root, CN=Spare Root`,
        "  declared in Pulumi.dev.yaml (dps.caCertificates.spare-root)",
        "  (no enrollment group of this stack names it in caReferences: replace or remove dps.caCertificates.spare-root in a change of its own)",
        "",
        `expires in 12 days (notAfter ${date(inDays(12))}): DPS CA certificate charger-root, CN=Charger Root`,
        "  declared in Pulumi.dev.yaml (dps.caCertificates.charger-root)",
        "  run: npm run plan-rotation -- --stack dev --enrollment chargers --kind ca --new-ca <new-ca-name> --certificate <new-ca.pem> --out rotation-chargers",
        "  run: npm run plan-rotation -- --stack dev --enrollment chargers-eu --kind ca --new-ca <new-ca-name> --out rotation-chargers-eu",
        "  (<new-ca-name>: the new CA's name in the DPS; <new-ca.pem>: its certificate; the later plans run once the first one's step \"add-new-ca\" is merged)",
        "",
        `expires in 20 days (notAfter ${date(inDays(20))}): enrollment group pumps (signing certificate, primary), CN=Pump Signing`,
        "  declared in enrollments/dev/fleet.yaml:9 (attestation.x509.signingCertificates.primary)",
        "  (the rotation plan does not rotate a group's signing certificate: put the new one in signingCertificates.secondary, deploy, re-issue the devices' certificates, then make it the primary (or move the group to a DPS CA certificate in caReferences, which the plan rotates))",
        "",
        `6 certificates checked on ${date(new Date(NOW))} (DPS CA certificates, group signing certificates, individual enrollments' certificates); 2 valid beyond the window (dps-as-code:certificateExpiryWarningDays: 30).`,
        "Not checked: legacy-root (CA certificates already in the DPS, existing: true: the stack does not hold their certificates).",
        "",
      ].join("\n"),
    );
  });

  it("takes the stack's window: at 60 days the certificate expiring in 45 is due too; json has every certificate", () => {
    fs.writeFileSync(
      path.join(repo, "Pulumi.dev.yaml"),
      stackFile("  dps-as-code:certificateExpiryWarningDays: 60\n"),
    );
    const result = run("--stack", "dev", "--format", "json");
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      windowDays: number;
      certificates: {
        holder: { kind: string; id?: string; name?: string };
        state: string;
        daysLeft: number;
      }[];
    };
    expect(report.windowDays).toBe(60);
    expect(report.certificates.map((c) => [c.holder.id ?? c.holder.name, c.state, c.daysLeft])).toEqual([
      ["monitor-expired", "expired", -3],
      ["spare-root", "expiring", 3],
      ["charger-root", "expiring", 12],
      ["pumps", "expiring", 20],
      ["monitor-45", "expiring", 45],
      ["monitor-fresh", "valid", 364],
    ]);
  });

  it("writes the report with --out and says due=true|false for the workflow", () => {
    fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), stackFile());
    const result = run("--stack", "dev", "--format", "markdown", "--out", "expiry.md");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe("due=true\n");
    expect(fs.readFileSync(path.join(repo, "expiry.md"), "utf8")).toMatch(
      /^### 4 of 6 certificates of stack dev expired, not yet valid or expiring within 30 days\n/,
    );
  });

  it("refuses a window the program would refuse, naming the file, the key and what is allowed", () => {
    fs.writeFileSync(
      path.join(repo, "Pulumi.dev.yaml"),
      stackFile("  dps-as-code:certificateExpiryWarningDays: 5000\n"),
    );
    const result = run("--stack", "dev");
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "certificate-expiry: Pulumi.dev.yaml: dps-as-code:certificateExpiryWarningDays: 5000 is out of range; allowed 1..1000; allowed: a stack config the program accepts (`pulumi preview` stops on the same problem)\n",
    );
  });

  it("refuses a certificate that does not parse, naming the manifest, the enrollment and the field", () => {
    fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), stackFile());
    const pem = path.join(repo, "enrollments", "dev", "monitor-fresh.pem");
    const good = fs.readFileSync(pem, "utf8");
    fs.writeFileSync(pem, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
    try {
      const result = run("--stack", "dev");
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        "  enrollments/dev/fleet.yaml:5:123: enrollment 'monitor-fresh': field 'attestation.x509.clientCertificates.primary.certificateFile': file 'monitor-fresh.pem' is not a valid certificate",
      );
      expect(result.stdout).toBe("");
    } finally {
      fs.writeFileSync(pem, good);
    }
  });

  it("refuses a wrong argument with the usage", () => {
    const result = run("--stack", "dev", "--format", "csv");
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'certificate-expiry: --format is "csv"; allowed: table, markdown, json\nusage: npm run --silent certificate-expiry -- --stack <stack> [--format table|markdown|json] [--out FILE]\n',
    );
  });
});
