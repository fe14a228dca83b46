// The PR report's "Certificates this change introduces" section: from a preview's old and new
// inputs, the certificates the change adds (DPS CA certificates, individual enrollments' and
// groups' certificates), judged against the stack's window from Pulumi.<stack>.yaml, with days
// left, notAfter and the rotation plan to run. In process, then as the workflow runs the CLI.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DPS_CA_CERTIFICATE_TYPE,
  ENROLLMENT_GROUP_TYPE,
  INDIVIDUAL_ENROLLMENT_TYPE,
  LOCAL_DPS_TYPE,
} from "@dps-as-code/contract";
import { buildPrReport, buildPrReports, COMMENT_BUDGET, bytes } from "../../scripts/pr-report/index";
import { makeCertificate } from "../../testkit/certificates";
import { runProjectTool } from "../../testkit/project-tool";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-report-certificates-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const NOW = new Date();
const inDays = (n: number) => new Date(NOW.getTime() + n * DAY + 3_600_000);
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY - 3_600_000);
const date = (d: Date) => d.toISOString().slice(0, 10);
const urn = (type: string, name: string) => `urn:pulumi:dev::dps-as-code::${type}::${name}`;

const expiredCa = makeCertificate({
  commonName: "Pump Root 2020",
  isCa: true,
  notBefore: new Date(NOW.getTime() - 400 * DAY),
  notAfter: daysAgo(3),
});
const keptCa = makeCertificate({ commonName: "Charger Root", isCa: true, notAfter: inDays(4) });
const soon = makeCertificate({ commonName: "monitor-soon", notAfter: inDays(5) });
const inSixtyDays = makeCertificate({ commonName: "monitor-sixty", notAfter: inDays(60) });
const fresh = makeCertificate({ commonName: "monitor-fresh", validDays: 365 });
const later = makeCertificate({ commonName: "monitor-later", notBefore: inDays(10), notAfter: inDays(400) });

const individual = (op: string, id: string, pem: string, oldPem?: string) => {
  const state = (certificate: string) => ({
    type: INDIVIDUAL_ENROLLMENT_TYPE,
    inputs: {
      registrationId: id,
      attestation: { type: "x509", x509: { clientCertificates: { primary: { certificate } } } },
    },
  });
  return {
    op,
    urn: urn(INDIVIDUAL_ENROLLMENT_TYPE, id),
    newState: state(pem),
    oldState: oldPem ? state(oldPem) : null,
  };
};

const previewJson = JSON.stringify({
  steps: [
    // The local DPS gains a CA that expired 3 days ago; the one it held (due in 4 days) is not new.
    {
      op: "update",
      urn: urn(LOCAL_DPS_TYPE, "dps"),
      oldState: {
        type: LOCAL_DPS_TYPE,
        inputs: { caCertificates: [{ name: "charger-root", certificate: keptCa.certificatePem }] },
      },
      newState: {
        type: LOCAL_DPS_TYPE,
        inputs: {
          caCertificates: [
            { name: "charger-root", certificate: keptCa.certificatePem },
            { name: "pump-root", certificate: expiredCa.certificatePem },
          ],
        },
      },
    },
    {
      op: "create",
      urn: urn(ENROLLMENT_GROUP_TYPE, "pumps"),
      newState: {
        type: ENROLLMENT_GROUP_TYPE,
        inputs: {
          enrollmentGroupId: "pumps",
          attestation: { type: "x509", x509: { caReferences: { primary: "pump-root" } } },
        },
      },
    },
    individual("create", "monitor-soon", soon.certificatePem),
    individual("create", "monitor-sixty", inSixtyDays.certificatePem),
    individual("create", "monitor-fresh", fresh.certificatePem),
    individual("update", "monitor-later", later.certificatePem, fresh.certificatePem),
    // An Azure DPS certificate whose text is unknown until deploy: nothing to judge.
    {
      op: "create",
      urn: urn(DPS_CA_CERTIFICATE_TYPE, "unknown-ca"),
      newState: {
        type: DPS_CA_CERTIFICATE_TYPE,
        inputs: {
          certificateName: "unknown-ca",
          properties: { certificate: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
        },
      },
    },
  ],
  changeSummary: { create: 5, update: 2 },
});

const stackInput = (window?: number) => ({
  stack: "dev",
  previewJson,
  ...(window !== undefined ? { certificateExpiryWarningDays: window } : {}),
});

describe("the PR report's certificates this change introduces", () => {
  it("lists the new certificates that are expired, not yet valid or expiring within the default 30 days, loudest first, with the plan to run", () => {
    const report = buildPrReport([stackInput()], { now: NOW });
    expect(report).toContain(
      [
        "**Certificates this change introduces (3 of 5 expired, not yet valid or expiring within the stack's window of 30 days):** give a longer-lived certificate before merging, or plan its rotation now.",
        "",
        `- **EXPIRED 3 days ago (notAfter ${date(daysAgo(3))})**: DPS CA certificate \`pump-root\`, CN=Pump Root 2020`,
        "  `npm run plan-rotation -- --stack dev --enrollment pumps --kind ca --new-ca <new-ca-name> --certificate <new-ca.pem> --out rotation-pumps`",
        "  _`<new-ca-name>`: the new CA's name in the DPS; `<new-ca.pem>`: its certificate_",
        `- **NOT YET VALID until ${date(inDays(10))} (notAfter ${date(inDays(400))})**: individual enrollment \`monitor-later\` (primary certificate), CN=monitor-later`,
        "  `npm run plan-rotation -- --stack dev --enrollment monitor-later --kind certificate --certificate <new-certificate.pem> --out rotation-monitor-later`",
        "  _`<new-certificate.pem>`: the device's new certificate, subject CN monitor-later_",
        `- expires in 5 days (notAfter ${date(inDays(5))}): individual enrollment \`monitor-soon\` (primary certificate), CN=monitor-soon`,
      ].join("\n"),
    );
    // Held before the change (charger-root) or valid beyond the window: not listed.
    const section = report.slice(
      report.indexOf("**Certificates this change"),
      report.indexOf("| | Change |"),
    );
    expect(section.split("\n- ")).toHaveLength(4);
    for (const absent of ["charger-root", "monitor-sixty", "monitor-fresh", "unknown-ca"])
      expect(section).not.toContain(`\`${absent}\``);
  });

  it("honours the stack's window: 90 days lists the certificate expiring in 60", () => {
    const report = buildPrReport([stackInput(90)], { now: NOW });
    expect(report).toContain(
      "(4 of 5 expired, not yet valid or expiring within the stack's window of 90 days)",
    );
    expect(report).toContain(
      `- expires in 60 days (notAfter ${date(inDays(60))}): individual enrollment \`monitor-sixty\` (primary certificate), CN=monitor-sixty`,
    );
  });

  it("has no section when the change introduces no certificate, and one line when none is due", () => {
    const none = JSON.stringify({
      steps: [individual("same", "monitor-soon", soon.certificatePem, soon.certificatePem)],
    });
    expect(buildPrReport([{ stack: "dev", previewJson: none }], { now: NOW })).not.toContain(
      "Certificates this change",
    );
    const freshOnly = JSON.stringify({
      steps: [individual("create", "monitor-fresh", fresh.certificatePem)],
    });
    expect(buildPrReport([{ stack: "dev", previewJson: freshOnly }], { now: NOW })).toContain(
      "**Certificates this change introduces:** 1, none expired, not yet valid or expiring within the stack's window of 30 days.",
    );
  });

  it("keeps the section, with its commands, in a comment cut to fit a fleet-sized change", () => {
    const many = JSON.parse(previewJson) as { steps: unknown[] };
    for (let i = 0; i < 2_000; i++)
      many.steps.push({
        op: "create",
        urn: urn(INDIVIDUAL_ENROLLMENT_TYPE, `meter-${i}`),
        newState: {
          type: INDIVIDUAL_ENROLLMENT_TYPE,
          inputs: {
            registrationId: `meter-${i}`,
            attestation: { type: "symmetricKey" },
            initialTwin: { tags: { site: "x".repeat(60) } },
          },
        },
      });
    const { comment, full } = buildPrReports([{ stack: "dev", previewJson: JSON.stringify(many) }], {
      now: NOW,
    });
    expect(bytes(full)).toBeGreaterThan(COMMENT_BUDGET);
    expect(bytes(comment)).toBeLessThanOrEqual(COMMENT_BUDGET);
    expect(comment).toContain(
      "(3 of 5 expired, not yet valid or expiring within the stack's window of 30 days)",
    );
    expect(comment).toContain(
      "  `npm run plan-rotation -- --stack dev --enrollment monitor-soon --kind certificate --certificate <new-certificate.pem> --out rotation-monitor-soon`",
    );
  });

  it("npm run pr-report reads the window from Pulumi.<stack>.yaml where it runs", () => {
    fs.writeFileSync(path.join(dir, "preview-dev.json"), previewJson);
    fs.writeFileSync(
      path.join(dir, "Pulumi.dev.yaml"),
      "config:\n  dps-as-code:environment: dev\n  dps-as-code:location: westeurope\n  dps-as-code:hubs: { weu: {} }\n  dps-as-code:certificateExpiryWarningDays: 90\n",
    );
    const result = runProjectTool("pr-report", ["--stack", "dev=preview-dev.json"], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "(4 of 5 expired, not yet valid or expiring within the stack's window of 90 days)",
    );
    expect(result.stdout).toContain("individual enrollment `monitor-sixty` (primary certificate)");
  });
});
