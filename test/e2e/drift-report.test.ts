// The drift workflow's command through the real engine: `pulumi refresh --preview-only --event-log`
// after changes made on DPS by hand, turned by the drift report into what changed per
// enrollment (state -> DPS), while the state stays as it was.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor } from "../../emulator/clients";
import { makeCertificate } from "../../testkit/certificates";
import { findDrift, renderDrift } from "../../scripts/drift/report";
import { deriveDeviceKey } from "../../components/enrollments";
import { symmetricKeyDeviceClientFor } from "../../emulator/clients";
import { describeWithEngine } from "../../testkit/engine";
import { runWorkflowJob } from "../../testkit/workflow-runner";
import { createLocalProgram, linkCheckoutEntries, type LocalProgram } from "../../testkit/local-program";

const MANIFEST = `
individualEnrollments:
  - registrationId: drift-edited
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
    initialTwin: { tags: { site: plant-7 } }
  - registrationId: drift-deleted
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
enrollmentGroups:
  - enrollmentGroupId: drift-untouched
    attestation: { type: symmetricKey }
    iotHubs: [weu, neu]
    allocationPolicy: hashed
`;

// The same enrollments on the batch path: the report names them as it names IndividualEnrollments.
const BATCH_MANIFEST = `
mode: batch
defaults: { iotHubs: [weu], allocationPolicy: static }
individualEnrollments:
  - registrationId: drift-batch-edited
    attestation: { type: symmetricKey }
    initialTwin: { tags: { site: plant-7 } }
  - registrationId: drift-batch-deleted
    attestation: { type: symmetricKey }
  - registrationId: drift-batch-untouched
    attestation: { type: symmetricKey }
`;

describeWithEngine("the nightly drift report through the real engine", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;

  /** What the workflow runs, then reads: the engine's event log of a refresh preview. */
  async function refreshPreview(): Promise<string> {
    const log = path.join(program.dir, "refresh-events.jsonl");
    fs.rmSync(log, { force: true });
    await program.pulumi(["refresh", "--preview-only", "--event-log", log], {
      PULUMI_DEBUG_COMMANDS: "true",
    });
    return fs.readFileSync(log, "utf8");
  }

  beforeAll(async () => {
    emulator = await startTestEmulator();
    program = await createLocalProgram(engine, emulator, {
      stackName: "drift",
      manifests: { "fleet.yaml": MANIFEST, "meters.yaml": BATCH_MANIFEST },
    });
    await program.up({ onOutput: program.onOutput });
  }, 180_000);

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it("reports nothing while DPS holds what the state says", async () => {
    const report = findDrift("drift", await refreshPreview());
    expect(report).toEqual({ stack: "drift", checked: 6, drifted: [] });
    expect(renderDrift(report)).toBe(
      "### No drift on stack drift\n\n6 enrollment(s) checked: DPS holds what the state says.\n",
    );
  }, 120_000);

  it("names each drifted enrollment and field, and changes no state", async () => {
    const sdk = serviceClientFor(emulator);
    for (const prefix of ["drift-", "drift-batch-"]) {
      const edited = (await sdk.getIndividualEnrollment(`${prefix}edited`)).responseBody;
      edited.provisioningStatus = "disabled";
      edited.initialTwin = {
        ...edited.initialTwin,
        tags: { ...edited.initialTwin?.tags, site: "plant-9" },
      } as typeof edited.initialTwin;
      await sdk.createOrUpdateIndividualEnrollment(edited);
      await sdk.deleteIndividualEnrollment(`${prefix}deleted`);
    }
    const stateBefore = await program.pulumi(["stack", "export"]);

    const report = findDrift("drift", await refreshPreview());
    const edited = (id: string) => ({
      kind: "individual enrollment",
      id,
      drift: [
        { path: "initialTwin.tags.site", state: "plant-7", dps: "plant-9" },
        { path: "provisioningStatus", state: undefined, dps: "disabled" },
      ],
    });
    expect(report.drifted).toEqual([
      { kind: "individual enrollment", id: "drift-batch-deleted", drift: "deleted" },
      edited("drift-batch-edited"),
      { kind: "individual enrollment", id: "drift-deleted", drift: "deleted" },
      edited("drift-edited"),
    ]);
    expect(renderDrift(report)).toContain("### Drift on stack drift: 4 of 6 enrollment(s) drifted");
    expect(renderDrift(report)).toContain(
      "| `drift-edited` | individual enrollment | `initialTwin.tags.site`: `plant-7` → `plant-9`<br>`provisioningStatus`: _(none)_ → `disabled` |",
    );
    expect(await program.pulumi(["stack", "export"])).toBe(stateBefore);
  }, 120_000);

  it("drift.yml's own steps: the report with its registrations and certificate sections, in the file the issue gets and in the job summary", async () => {
    const outs = (await program.outputs()) as Record<string, { value: unknown }>;
    const groupKey = (outs.enrollmentGroupKeys!.value as Record<string, { primaryKey: string }>)[
      "drift-untouched"
    ]!.primaryKey;
    const meter = await symmetricKeyDeviceClientFor(
      emulator,
      "drift-meter-1",
      deriveDeviceKey(groupKey, "drift-meter-1"),
    ).register();
    // Certificates as main holds them: a CA that a group names, expiring in 5 days; a device
    // certificate expiring in 75 days, inside the stack's 90-day window (not the default 60);
    // one valid for a year. Offline, as the workflow's step reads them: stack file and manifests.
    const day = 86_400_000;
    const inDays = (n: number) => new Date(Date.now() + n * day + 3_600_000);
    const ca = makeCertificate({ commonName: "Drift Charger Root", isCa: true, notAfter: inDays(5) });
    const soon = makeCertificate({ commonName: "drift-cert-soon", notAfter: inDays(75) });
    const fresh = makeCertificate({ commonName: "drift-cert-fresh", validDays: 365 });
    fs.mkdirSync(path.join(program.dir, "certs"), { recursive: true });
    fs.writeFileSync(path.join(program.dir, "certs", "drift-root.pem"), ca.certificatePem);
    fs.writeFileSync(path.join(program.manifestsDir, "drift-cert-soon.pem"), soon.certificatePem);
    fs.writeFileSync(path.join(program.manifestsDir, "drift-cert-fresh.pem"), fresh.certificatePem);
    program.writeManifest(
      "certificates.yaml",
      [
        "defaults: { iotHubs: [weu], allocationPolicy: static }",
        "individualEnrollments:",
        ...["drift-cert-soon", "drift-cert-fresh"].map(
          (id) =>
            `  - { registrationId: ${id}, attestation: { type: x509, x509: { clientCertificates: { primary: { certificateFile: ${id}.pem } } } } }`,
        ),
        "enrollmentGroups:",
        "  - { enrollmentGroupId: drift-chargers, attestation: { type: x509, x509: { caReferences: { primary: drift-root } } } }",
        "",
      ].join("\n"),
    );
    await program.stack.setConfig(
      "dps-as-code:dps.caCertificates.drift-root.certificatePath",
      { value: "certs/drift-root.pem" },
      true,
    );
    // As `pulumi config set dps-as-code:certificateExpiryWarningDays 90` writes it.
    await program.stack.setConfig("dps-as-code:certificateExpiryWarningDays", { value: "90" });
    // The workflow runs tools of the checkout beside the program.
    linkCheckoutEntries(program.dir, ["scripts", ".nvmrc"]);
    const run = await runWorkflowJob({
      workflow: "drift.yml",
      job: "refresh-preview",
      cwd: program.dir,
      context: { "matrix.stack": "drift", "github.run_id": "7" },
      env: program.cli.env,
      artifactsDir: fs.mkdtempSync(path.join(program.dir, "..", "drift-run-")),
      skipSteps: {
        "Open or update the stack's drift issue (closed when the drift is gone)": "needs GitHub's API",
        "Open or update the stack's certificate expiry issue (closed when none is due)": "needs GitHub's API",
      },
    });
    expect(run.failedAt).toBeUndefined();
    expect(run.steps.map((step) => [step.name, step.status])).toEqual([
      ["Engine settings (scripts/engine-settings.sh)", 0],
      ["Read the pinned Pulumi version", 0],
      ["Refresh preview (changes nothing)", 0],
      ["Report drift per enrollment", 0],
      ["Registrations per hub and enrollment (a section of the report)", 0],
      ["Certificates about to expire (a section of the report)", 0],
    ]);
    // The expiry issue's step ran (its condition: the certificates were read); GitHub's API is not here.
    expect(run.skipped).toContain(
      "Open or update the stack's certificate expiry issue (closed when none is due): needs GitHub's API",
    );
    const report = fs.readFileSync(path.join(program.dir, "drift-drift.md"), "utf8");
    for (const text of [report, run.summary]) {
      expect(text).toContain("### Drift on stack drift: 4 of 6 enrollment(s) drifted");
      expect(text).toContain(`## Registrations\n\n### Registrations on DPS \`${emulator.serviceHost}\``);
      expect(text).toContain(`| group \`drift-untouched\` | 1 | ${meter.assignedHub} 1 |  |`);
      expect(text).toContain("| individual `drift-batch-untouched` | 0 |  | never registered |  |");
      expect(text).toContain(
        "## Certificates about to expire\n\n### 2 of 3 certificates of stack drift expired, not yet valid or expiring within 90 days",
      );
      expect(text).toContain(
        `- expires in 5 days (notAfter ${inDays(5).toISOString().slice(0, 10)}): DPS CA certificate \`drift-root\`, CN=Drift Charger Root, in \`Pulumi.drift.yaml\`\n` +
          "  `npm run plan-rotation -- --stack drift --enrollment drift-chargers --kind ca --new-ca <new-ca-name> --certificate <new-ca.pem> --out rotation-drift-chargers`",
      );
      expect(text).toContain(
        `- expires in 75 days (notAfter ${inDays(75).toISOString().slice(0, 10)}): individual enrollment \`drift-cert-soon\` (primary certificate), CN=drift-cert-soon, in \`enrollments/e2e/certificates.yaml:3\`\n` +
          "  `npm run plan-rotation -- --stack drift --enrollment drift-cert-soon --kind certificate --certificate <new-certificate.pem> --out rotation-drift-cert-soon`",
      );
      expect(text).not.toContain("drift-cert-fresh");
    }
    // The group's page, the listing's one page (no individual enrollment ever registered, so it
    // cannot show whether DPS lists registration states), then a GET for each of the 5 ids.
    const registrations = run.steps.find((step) => step.name.startsWith("Registrations per hub"));
    expect(registrations!.stderr).toMatch(
      /^registrations: 7 DPS calls in \d+\.\d s; report written to registrations-drift\.md\n$/,
    );
  }, 240_000);
});
