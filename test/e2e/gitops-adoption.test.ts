// Brownfield adoption through the real engine, as a platform team does it: a DPS already holds
// enrollments made by hand (here through Microsoft's service SDK: a symmetric-key and an X.509
// individual enrollment, a symmetric-key group and an X.509 CA-reference group) and devices
// registered through them; `npm run export` writes them as a manifest with adoptExisting (the
// user adds the device certificate DPS does not return); the PR preview
// says "adopt"; `pulumi up` takes them under management without a single DPS write, and every
// device still registers with the key it had.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deriveDeviceKey } from "../../components/enrollments";
import type { Logger, RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor, symmetricKeyDeviceClientFor, x509DeviceClientFor } from "../../emulator/clients";
import { buildPrReport } from "../../scripts/pr-report/index";
import { makeCertificate } from "../../testkit/certificates";
import { NEU, PREVIEW_ARGS, WEU } from "../fixtures/preview-json/scenarios";
import { describeWithEngine, projectRoot } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const ROOT_CA = makeCertificate({ commonName: "brownfield-root-ca", isCa: true });
const INDIVIDUAL = "brown-device-01";
const SYMMETRIC_GROUP = "brown-meters";
const X509_GROUP = "brown-cameras";
const X509_DEVICE = "brown-camera-01";
const CAMERA_CERT = makeCertificate({ commonName: X509_DEVICE });
const METER = "brown-meter-0042";

/** The emulator's request log: "METHOD operationId status duration". */
function requestRecorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: () => {}, error: (m) => lines.push(`ERROR ${m}`) };
}
const writes = (lines: readonly string[]) =>
  lines.filter((l) => /^(PUT|DELETE|PATCH) /.test(l) || /^POST \S*bulk/i.test(l) || l.startsWith("ERROR"));

interface Snapshot {
  etag: string;
  keys?: { primaryKey?: string; secondaryKey?: string };
}

type Outputs = Record<string, { value: unknown }>;

describeWithEngine("adopting a brownfield DPS through the real engine", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  const log = requestRecorder();
  const service = () => serviceClientFor(emulator);
  const before: Record<string, Snapshot> = {};
  const registeredHubs: Record<string, string> = {};
  let exported = "";

  async function snapshot(): Promise<Record<string, Snapshot>> {
    const sdk = service();
    const individual = (await sdk.getIndividualEnrollment(INDIVIDUAL)).responseBody;
    const individualKeys = (await sdk.getIndividualEnrollmentAttestationMechanism(INDIVIDUAL)).responseBody
      .symmetricKey;
    const meters = (await sdk.getEnrollmentGroup(SYMMETRIC_GROUP)).responseBody;
    const meterKeys = (await sdk.getEnrollmentGroupAttestationMechanism(SYMMETRIC_GROUP)).responseBody
      .symmetricKey;
    const cameras = (await sdk.getEnrollmentGroup(X509_GROUP)).responseBody;
    const camera = (await sdk.getIndividualEnrollment(X509_DEVICE)).responseBody;
    return {
      [X509_DEVICE]: { etag: camera.etag! },
      [INDIVIDUAL]: { etag: individual.etag!, keys: { ...individualKeys } },
      [SYMMETRIC_GROUP]: { etag: meters.etag!, keys: { ...meterKeys } },
      [X509_GROUP]: { etag: cameras.etag! },
    };
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({
      logRequests: true,
      logger: log,
      config: {
        certificates: [{ name: "brownfield-root", certificate: ROOT_CA.certificatePem, isVerified: true }],
      },
    });
    // The platform first (it links the hubs), with no manifests yet: the DPS the team already has.
    program = await createLocalProgram(engine, emulator, { stackName: "adopt", manifests: {} });
    const platform = await program.up({ onOutput: program.onOutput });
    expect(platform.summary.resourceChanges).toEqual({ create: 4 }); // with the (empty) enrollment ledger

    // Enrollments made by hand, before this project, through Microsoft's service SDK.
    const sdk = service();
    await sdk.createOrUpdateIndividualEnrollment({
      registrationId: INDIVIDUAL,
      attestation: { type: "symmetricKey" },
      iotHubs: [WEU],
      allocationPolicy: "static",
      initialTwin: {
        tags: { fleet: "brownfield" },
        properties: { desired: { telemetryIntervalSeconds: 45 } },
      },
    } as never);
    await sdk.createOrUpdateEnrollmentGroup({
      enrollmentGroupId: SYMMETRIC_GROUP,
      attestation: { type: "symmetricKey" },
      iotHubs: [WEU, NEU],
      allocationPolicy: "hashed",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
    } as never);
    await sdk.createOrUpdateEnrollmentGroup({
      enrollmentGroupId: X509_GROUP,
      attestation: { type: "x509", x509: { caReferences: { primary: "brownfield-root" } } },
      iotHubs: [NEU],
      allocationPolicy: "static",
      provisioningStatus: "disabled",
    } as never);
    await sdk.createOrUpdateIndividualEnrollment({
      registrationId: X509_DEVICE,
      attestation: {
        type: "x509",
        x509: { clientCertificates: { primary: { certificate: CAMERA_CERT.certificatePem } } },
      },
      iotHubs: [NEU],
      allocationPolicy: "static",
      initialTwin: { tags: { fleet: "brownfield-cameras" } },
    } as never);
    // The recorder sees these writes: the zero-writes assertion below can fail.
    expect(writes(log.lines).filter((l) => l.startsWith("PUT ")).length).toBeGreaterThanOrEqual(4);
    Object.assign(before, await snapshot());

    // Devices that registered before adoption.
    const device = await symmetricKeyDeviceClientFor(
      emulator,
      INDIVIDUAL,
      before[INDIVIDUAL]!.keys!.primaryKey!,
    ).register();
    const meter = await symmetricKeyDeviceClientFor(
      emulator,
      METER,
      deriveDeviceKey(before[SYMMETRIC_GROUP]!.keys!.primaryKey!, METER),
    ).register();
    const camera = await x509DeviceClientFor(
      emulator,
      X509_DEVICE,
      CAMERA_CERT.certificatePem,
      CAMERA_CERT.privateKeyPem,
    ).register();
    registeredHubs[X509_DEVICE] = camera.assignedHub;
    registeredHubs[INDIVIDUAL] = device.assignedHub;
    registeredHubs[METER] = meter.assignedHub;
  });

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it("exports the DPS with `npm run export` into a manifest that adopts every entry and holds no key", async () => {
    const out = path.join(program.manifestsDir, "exported.yaml");
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        "npm",
        [
          "run",
          "--silent",
          "export",
          "--",
          "--connection-string-env",
          "BROWNFIELD_DPS",
          "--ca-cert",
          emulator.caCertPath,
          "--hub-key",
          `weu=${WEU}`,
          "--hub-key",
          `neu=${NEU}`,
          "--out",
          out,
        ],
        { cwd: projectRoot, env: { ...engine.env, BROWNFIELD_DPS: emulator.connectionString } },
        (error, so, se) => (error ? reject(new Error(`npm run export failed: ${se}`)) : resolve(so)),
      ),
    );
    expect(stdout).toContain("2 individual enrollments, 2 enrollment groups");
    exported = fs.readFileSync(out, "utf8");
    expect(exported.match(/^\s+adoptExisting: true$/gm)).toHaveLength(4);
    // DPS returns a certificate's details, not the certificate: the export names a file for the
    // user to fill with the device's (public) certificate, which is what a user does next.
    const certFile = /certificateFile: (\S+)/.exec(exported)?.[1];
    expect(stdout).toContain(`to do before pulumi up: put the primary certificate of '${X509_DEVICE}'`);
    expect(certFile).toBe(`certs/${X509_DEVICE}-primary.pem`);
    fs.mkdirSync(path.join(program.manifestsDir, "certs"), { recursive: true });
    fs.writeFileSync(path.join(program.manifestsDir, certFile!), CAMERA_CERT.certificatePem);
    expect(exported).toContain("caReferences");
    // The group names a CA the DPS already holds: the stack declares it as existing, as told.
    expect(stdout).toContain(
      "pulumi config set --path 'dps-as-code:dps.caCertificates.brownfield-root.existing' true",
    );
    await program.stack.setConfig(
      "dps-as-code:dps.caCertificates.brownfield-root.existing",
      { value: "true" },
      true,
    );
    expect(exported).toMatch(/iotHubs:\s*\n?\s*- weu/);
    for (const secret of [
      before[INDIVIDUAL]!.keys!.primaryKey!,
      before[SYMMETRIC_GROUP]!.keys!.primaryKey!,
      /SharedAccessKey=([^;]+)/.exec(emulator.connectionString)![1]!,
    ]) {
      expect(exported).not.toContain(secret);
    }
  });

  it("previews the exported entries as adopt, not create, and the PR report says so", async () => {
    const json = await program.pulumi(PREVIEW_ARGS);
    const summary = (JSON.parse(json.slice(json.indexOf("{"))) as { changeSummary: Record<string, number> })
      .changeSummary;
    expect(summary).toEqual({ create: 4, same: 3, update: 1 }); // the ledger records the adopted entries
    const report = buildPrReport([{ stack: "adopt", previewJson: json }]);
    expect(report).toContain("**4 to adopt.**");
    for (const [kind, id] of [
      ["enrollment", INDIVIDUAL],
      ["enrollment", X509_DEVICE],
      ["enrollment group", SYMMETRIC_GROUP],
      ["enrollment group", X509_GROUP],
    ]) {
      expect(report).toContain(`| 📥 | adopt | ${kind} | \`${id}\` |`);
    }
    expect(report).not.toMatch(/\| create \|/);
  });

  it("adopts with `pulumi up` without a single write to DPS, keeping ETags and keys", async () => {
    log.lines.length = 0;
    const up = await program.up({ onOutput: program.onOutput });
    expect(up.summary.resourceChanges).toEqual({ create: 4, same: 3, update: 1 });
    expect(log.lines.length).toBeGreaterThan(0); // adoption reads DPS: the recorder sees requests
    expect(writes(log.lines)).toEqual([]);
    expect(await snapshot()).toEqual(before);

    // The stack now holds the keys DPS had: the ones devices derive theirs from.
    const outputs = (await program.outputs()) as Outputs;
    const groupKeys = outputs["enrollmentGroupKeys"]!.value as Record<string, { primaryKey: string }>;
    const individualKeys = outputs["individualEnrollmentKeys"]!.value as Record<
      string,
      { primaryKey: string }
    >;
    expect(groupKeys[SYMMETRIC_GROUP]!.primaryKey).toBe(before[SYMMETRIC_GROUP]!.keys!.primaryKey);
    expect(individualKeys[INDIVIDUAL]!.primaryKey).toBe(before[INDIVIDUAL]!.keys!.primaryKey);
  });

  it("lets devices registered before adoption register again with the same keys, to the same hubs", async () => {
    const outputs = (await program.outputs()) as Outputs;
    const groupKey = (outputs["enrollmentGroupKeys"]!.value as Record<string, { primaryKey: string }>)[
      SYMMETRIC_GROUP
    ]!.primaryKey;
    const individualKey = (
      outputs["individualEnrollmentKeys"]!.value as Record<string, { primaryKey: string }>
    )[INDIVIDUAL]!.primaryKey;
    const device = await symmetricKeyDeviceClientFor(emulator, INDIVIDUAL, individualKey).register();
    const meter = await symmetricKeyDeviceClientFor(
      emulator,
      METER,
      deriveDeviceKey(groupKey, METER),
    ).register();
    expect(device.assignedHub).toBe(registeredHubs[INDIVIDUAL]);
    expect(meter.assignedHub).toBe(registeredHubs[METER]);
    const camera = await x509DeviceClientFor(
      emulator,
      X509_DEVICE,
      CAMERA_CERT.certificatePem,
      CAMERA_CERT.privateKeyPem,
    ).register();
    expect(camera.assignedHub).toBe(registeredHubs[X509_DEVICE]);
    expect(deriveDeviceKey(groupKey, METER)).toBe(
      deriveDeviceKey(before[SYMMETRIC_GROUP]!.keys!.primaryKey!, METER),
    );
  });

  it("reports no changes afterwards: the exported manifest matches DPS exactly", async () => {
    log.lines.length = 0;
    const preview = await program.stack.preview({ onOutput: program.onOutput });
    expect(preview.changeSummary).toEqual({ same: 8 });
    expect(writes(log.lines)).toEqual([]);
  });
});
