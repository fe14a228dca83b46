// The policy pack through the real engine. The local stack's program (a temporary
// copy, on a private backend, against an in-process emulator) is previewed with
// `--policy-pack policy --policy-pack-config policy/config/<env>.json`, as the pipeline does;
// the verdicts are read from the engine's policy events.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildPrReport } from "../../scripts/pr-report/index";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { describeWithEngine, projectRoot } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";
import { makeCertificate } from "../../testkit/certificates";
import { policyPackMissingReason, previewWithPolicyPack, verdictKeys } from "../../testkit/policy-pack";

const SHIPPED_MANIFESTS = path.join(projectRoot, "enrollments", "local");
const CERTS = path.join(projectRoot, "test", "fixtures", "certs");
const DAY = 24 * 3600 * 1000;
/**
 * Where the test program keeps its certificate fixtures: inside the program's own folder, since a
 * manifest's certificateFile may not lead outside the repository it belongs to.
 */
const PROGRAM_CERTS = "certs";

/**
 * The local stack's committed manifests, with the demo's generated device certificate swapped
 * for the committed test fixture (same CN), so the preview sees what `npm run demo` deploys.
 */
function shippedLocalManifests(): Record<string, string> {
  const manifests: Record<string, string> = {};
  for (const file of fs.readdirSync(SHIPPED_MANIFESTS).filter((name) => name.endsWith(".yaml"))) {
    manifests[file] = fs
      .readFileSync(path.join(SHIPPED_MANIFESTS, file), "utf8")
      .replaceAll(
        "${DPS_HOME}/local/certs/medical-monitor-001.pem",
        `../../${PROGRAM_CERTS}/medical-monitor-001.pem`,
      );
  }
  return manifests;
}

const individualEnrollmentNames = (manifests: Record<string, string>) =>
  Object.values(manifests).flatMap((yaml) =>
    [...yaml.matchAll(/registrationId: ([\w.-]+)/g)].map((m) => m[1]!),
  );
const groupNames = (manifests: Record<string, string>) =>
  Object.values(manifests).flatMap((yaml) =>
    [...yaml.matchAll(/enrollmentGroupId: ([\w.-]+)/g)].map((m) => m[1]!),
  );

describeWithEngine(
  "the policy pack through the real engine",
  (engine) => {
    let emulator: RunningEmulator;
    let program: LocalProgram;
    const shipped = shippedLocalManifests();

    beforeAll(async () => {
      emulator = await startTestEmulator();
      program = await createLocalProgram(engine, emulator, {
        stackName: "policy",
        manifests: shipped,
        // What the demo sets: the lab webhook (a secret) and the EV chargers' CA certificate.
        config: {
          "dps-as-code:labAllocationWebhookUrl": {
            value: "https://127.0.0.1:9/api/allocate?code=not-a-real-key",
            secret: true,
          },
        },
      });
      fs.mkdirSync(path.join(program.dir, PROGRAM_CERTS), { recursive: true });
      fs.copyFileSync(
        path.join(CERTS, "medical-monitor-001.pem"),
        path.join(program.dir, PROGRAM_CERTS, "medical-monitor-001.pem"),
      );
      await program.stack.setConfig(
        "dps-as-code:dps.caCertificates.ev-charger-root-ca.certificatePath",
        { value: path.join(CERTS, "ev-charger-signing-ca.pem") },
        true,
      );
    });

    afterAll(async () => {
      program?.cleanup();
      await emulator?.stop();
    });

    it("passes the shipped local manifests under config/local.json, flagging only the parked test device for review", async () => {
      // Sanity: the shipped set still has what this test relies on.
      expect(individualEnrollmentNames(shipped)).toContain("test-device-003");
      expect(groupNames(shipped).length).toBeGreaterThan(0);

      const preview = await previewWithPolicyPack(program, "local");
      if (!preview.passed) throw preview.error;
      // Stack, platform, local DPS and the enrollment ledger, plus one resource per enrollment.
      expect(preview.result.changeSummary).toEqual({
        create: 4 + individualEnrollmentNames(shipped).length + groupNames(shipped).length,
      });
      // No mandatory rule on local; the one advisory is the disabled enrollment. The owner-policy
      // rule is disabled on local on purpose (see policy/README.md): the emulator's platform needs
      // ServiceConfig, so the local stack always manages enrollments with the owner policy.
      expect(verdictKeys(preview.verdicts)).toEqual([
        "advisory dps-enrollment-disabled-review test-device-003",
      ]);
      expect(preview.verdicts[0]!.message).toBe(
        'individual enrollment "test-device-003" is disabled: DPS refuses this device; confirm that is intended, or set provisioningStatus to "enabled" (or remove the enrollment).',
      );
      // The webhook's key never reaches the output.
      expect(program.output.join("")).not.toContain("not-a-real-key");
    });

    it("fails a prod preview on a symmetric-key device without an exception and on a certificate expiring within 30 days, naming each", async () => {
      for (const file of fs.readdirSync(program.manifestsDir))
        fs.rmSync(path.join(program.manifestsDir, file));
      // Whole seconds, as X.509 stores validity, so the message that prints the date is predictable.
      const notAfter = new Date(Math.floor((Date.now() + 10 * DAY + 12 * 3600 * 1000) / 1000) * 1000);
      const expiringPem = makeCertificate({ commonName: "prod-monitor-002", notAfter }).certificatePem;
      const expiringFile = path.join(program.dir, "prod-monitor-002.pem");
      fs.writeFileSync(expiringFile, expiringPem);
      program.writeManifest(
        "prod-like.yaml",
        `
defaults:
  iotHubs: [weu]
  allocationPolicy: static
  reprovisionPolicy: { updateHubAssignment: false, migrateDeviceData: true }
individualEnrollments:
  - registrationId: prod-sensor-001
    attestation: { type: symmetricKey }
  - registrationId: prod-sensor-002
    attestation: { type: symmetricKey }
    allowSymmetricKeyInProduction: "legacy firmware without X.509 support, replaced in the 2026 refresh"
  - registrationId: medical-monitor-001
    attestation:
      type: x509
      x509: { clientCertificates: { primary: { certificateFile: "../../${PROGRAM_CERTS}/medical-monitor-001.pem" } } }
  - registrationId: prod-monitor-002
    attestation:
      type: x509
      x509: { clientCertificates: { primary: { certificateFile: "${expiringFile}" } } }
`,
      );

      const preview = await previewWithPolicyPack(program, "prod");
      expect(preview.passed).toBe(false);
      // Exactly the two bad enrollments break a rule of their own. Every enrollment also breaks
      // the owner-policy rule: the emulator hands the local stack only the owner connection string
      // (the prod stack uses Entra ID), and prod.json makes that rule mandatory too.
      const enrollments = ["medical-monitor-001", "prod-monitor-002", "prod-sensor-001", "prod-sensor-002"];
      expect(verdictKeys(preview.verdicts)).toEqual(
        [
          "mandatory dps-enrollment-certificate-expiry prod-monitor-002",
          "mandatory dps-individual-enrollment-symmetric-key-allowed prod-sensor-001",
          ...enrollments.map((name) => `mandatory dps-enrollment-access-not-owner ${name}`),
        ].sort(),
      );
      const messageOf = (policyName: string) =>
        preview.verdicts.find((v) => v.policyName === policyName)?.message;
      expect(messageOf("dps-individual-enrollment-symmetric-key-allowed")).toBe(
        'individual enrollment "prod-sensor-001" uses symmetric-key attestation without an exception; use X.509 or TPM, or set allowSymmetricKeyInProduction to the documented reason this device needs a symmetric key.',
      );
      expect(messageOf("dps-enrollment-certificate-expiry")).toBe(
        `individual enrollment "prod-monitor-002" attestation.x509.clientCertificates.primary.certificate (CN=prod-monitor-002) expires on ` +
          `${new Date(Math.floor(notAfter.getTime() / 1000) * 1000).toISOString()}, in 10 day(s) (window: 30); roll it over now, using the secondary slot.`,
      );
      // The CLI refuses the preview and says why, as a pipeline log shows it.
      if (preview.passed) return;
      expect(preview.error.message).toMatch(
        /\[mandatory\] \[severity: high\]\s+dps-individual-enrollment-symmetric-key-allowed\s+\(pulumi-nodejs:dynamic\/dps:IndividualEnrollment: prod-sensor-001\)/,
      );
      expect(preview.error.message).toMatch(
        /\[mandatory\] \[severity: high\]\s+dps-enrollment-certificate-expiry\s+\(pulumi-nodejs:dynamic\/dps:IndividualEnrollment: prod-monitor-002\)/,
      );
    });

    it("shows the mandatory violations in the PR report built from the pipeline's own preview command", async () => {
      // What .github/workflows/pr-preview.yml runs (manifests of the previous test still in place).
      const eventLog = path.join(program.dir, "events-prod.jsonl");
      const previewJson = await program
        .pulumi(
          [
            "preview",
            "--json",
            "--show-sames",
            "--policy-pack",
            path.join(projectRoot, "policy"),
            "--policy-pack-config",
            path.join(projectRoot, "policy", "config", "prod.json"),
            "--event-log",
            eventLog,
          ],
          { PULUMI_DEBUG_COMMANDS: "true" },
        ) // --event-log exists only with this set
        .then(
          () => {
            throw new Error("the prod preview should fail on its mandatory violations");
          },
          (error: Error & { stdout?: string }) => {
            if (!error.stdout) throw error;
            return error.stdout;
          },
        );
      expect(previewJson).toContain('"steps"');
      const report = buildPrReport([
        { stack: "prod", previewJson, eventLog: fs.readFileSync(eventLog, "utf8") },
      ]);
      expect(report).toContain("dps-individual-enrollment-symmetric-key-allowed");
      expect(report).toContain(
        'individual enrollment "prod-sensor-001" uses symmetric-key attestation without an exception',
      );
      expect(report).toContain("dps-enrollment-certificate-expiry");
      expect(report).toMatch(/mandatory/i);
      // The certificate the change brings, with its days left and the plan that replaces it
      // (the stack's window: the default 60 days; medical-monitor-001's certificate is valid longer).
      expect(report).toMatch(
        /^- expires in 10 days \(notAfter \d{4}-\d\d-\d\d\): individual enrollment `prod-monitor-002` \(primary certificate\), CN=prod-monitor-002\n {2}`npm run plan-rotation -- --stack prod --enrollment prod-monitor-002 --kind certificate --certificate <new-certificate\.pem> --out rotation-prod-monitor-002`$/m,
      );
      expect(report).not.toMatch(/^- .*individual enrollment `medical-monitor-001`/m);
    });
  },
  policyPackMissingReason,
);
