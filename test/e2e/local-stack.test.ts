// The real program (index.ts) through the real engine against the emulator, as a platform
// engineer runs it: up from empty, no-op preview, a reviewed edit, a replace, drift and
// repair, secrets, destroy. DPS's contents are read with Microsoft's service SDK, devices
// register with Microsoft's device SDK.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deriveDeviceKey } from "../../components/enrollments";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../../emulator/clients";
import { describeWithEngine, projectRoot } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const run = promisify(execFile);
const WEU = "dpsac-local-weu.azure-devices.net";
const NEU = "dpsac-local-neu.azure-devices.net";

const deviceManifest = (interval: number) => `
individualEnrollments:
  - registrationId: e2e-device-001
    attestation: { type: symmetricKey }
    iotHubs: [weu]
    allocationPolicy: static
    initialTwin:
      tags: { fleet: e2e }
      properties:
        desired: { telemetryIntervalSeconds: ${interval} }
`;
const METERS = `
enrollmentGroups:
  - enrollmentGroupId: e2e-meters
    attestation: { type: symmetricKey }
    iotHubs: [weu, neu]
    allocationPolicy: hashed
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true }
    initialTwin:
      tags: { fleet: e2e-meters }
`;

// A syntactically valid TPM 2.0 endorsement key (base64 of a public area); no TPM needed.
const TEST_ENDORSEMENT_KEY = Buffer.concat([
  Buffer.from([0x00, 0x01, 0x00, 0x0b]),
  Buffer.alloc(310, 7),
]).toString("base64");

type Outputs = Record<string, { value: unknown; secret: boolean }>;
interface KeyPair {
  primaryKey?: string;
  secondaryKey?: string;
}

describeWithEngine("the local stack through the real engine", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  const service = () => serviceClientFor(emulator);
  const requests = () => emulator.inspect.stats().requests;
  const outputs = async () => (await program.stack.outputs()) as Outputs;
  const keysOf = (outs: Outputs, name: string) => outs[name]!.value as Record<string, KeyPair>;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    program = await createLocalProgram(engine, emulator, {
      stackName: "e2e",
      manifests: { "devices.yaml": deviceManifest(30), "meters.yaml": METERS },
    });
  });

  afterAll(async () => {
    program?.cleanup();
    await emulator?.stop();
  });

  it("creates the platform and the enrollments from empty, and devices register where the allocation says", async () => {
    const result = await program.up({ onOutput: program.onOutput });
    expect(result.summary.result).toBe("succeeded");
    // Stack, platform component, local DPS, one individual enrollment, one group, the enrollment ledger.
    expect(result.summary.resourceChanges).toEqual({ create: 6 });

    const enrollment = (await service().getIndividualEnrollment("e2e-device-001")).responseBody;
    expect(enrollment.allocationPolicy).toBe("static");
    expect(enrollment.iotHubs).toEqual([WEU]);
    expect(enrollment.initialTwin?.properties?.desired).toMatchObject({ telemetryIntervalSeconds: 30 });
    expect(
      emulator.inspect
        .settings()
        .linkedHubs.map((h: { hostName: string }) => h.hostName)
        .sort(),
    ).toEqual([NEU, WEU]);

    const outs = await outputs();
    expect(outs.individualEnrollmentKeys!.secret).toBe(true);
    expect(outs.enrollmentGroupKeys!.secret).toBe(true);
    const deviceKey = keysOf(outs, "individualEnrollmentKeys")["e2e-device-001"]!.primaryKey!;
    const device = await symmetricKeyDeviceClientFor(emulator, "e2e-device-001", deviceKey).register();
    expect(device.assignedHub).toBe(WEU);
    expect(emulator.inspect.device(WEU, "e2e-device-001")?.twin.tags).toMatchObject({ fleet: "e2e" });

    const groupKey = keysOf(outs, "enrollmentGroupKeys")["e2e-meters"]!.primaryKey!;
    const meter = await symmetricKeyDeviceClientFor(
      emulator,
      "e2e-meter-0001",
      deriveDeviceKey(groupKey, "e2e-meter-0001"),
    ).register();
    expect([WEU, NEU]).toContain(meter.assignedHub);
    expect(emulator.inspect.device(meter.assignedHub, "e2e-meter-0001")?.twin.tags).toMatchObject({
      fleet: "e2e-meters",
    });
  });

  it("`npm run registrations` lists each enrollment's devices and hubs, as a table and as CSV, with its DPS calls", async () => {
    // As a person runs it from the project: the stack's backend, the command as the README prints it.
    const registrations = (format: string) =>
      run("npm", ["run", "--silent", "registrations", "--", "--stack", "e2e", "--format", format], {
        cwd: projectRoot,
        env: { ...process.env, ...engine.env, ...program.backendEnv },
      });
    const before = requests();
    const table = await registrations("table");
    // The group's registration-state query (one page) and the enrollment listing (one page, which
    // shows registration states): two calls, whatever the fleet's size up to 100 of each.
    expect(table.stderr).toMatch(/^registrations: 2 DPS calls in \d+\.\d s\n$/);
    expect(requests() - before).toBe(2);
    const meterHub = emulator.inspect.registration("e2e-meter-0001")?.assignedHub as string;
    expect(table.stdout).toContain(
      `Registrations on DPS ${emulator.serviceHost}: 2 devices assigned through 1 group and 1 individual enrollment; 2 DPS calls.`,
    );
    expect(table.stdout).toMatch(
      new RegExp(`^group e2e-meters +e2e-meter-0001 +e2e-meter-0001 +${meterHub} +assigned +20`, "m"),
    );
    expect(table.stdout).toMatch(
      new RegExp(`^individual e2e-device-001 +e2e-device-001 +e2e-device-001 +${WEU} +assigned +20`, "m"),
    );

    const csv = (await registrations("csv")).stdout.split("\r\n");
    expect(csv[0]).toMatch(/^serviceEndpoint,kind,enrollmentId,registrationId,deviceId,assignedHub,status,/);
    expect(csv.filter((line) => line.includes(",assigned,"))).toHaveLength(2);
    const outs = await outputs();
    for (const key of [
      keysOf(outs, "individualEnrollmentKeys")["e2e-device-001"]!.primaryKey!,
      keysOf(outs, "enrollmentGroupKeys")["e2e-meters"]!.primaryKey!,
      /SharedAccessKey=([^;]+)/.exec(emulator.connectionString)![1]!,
    ]) {
      expect(table.stdout + table.stderr + csv.join("\n")).not.toContain(key);
    }
  });

  it("reports no changes on a second preview, without calling DPS", async () => {
    const before = requests();
    const preview = await program.stack.preview({ onOutput: program.onOutput });
    expect(preview.changeSummary).toEqual({ same: 6 });
    expect(requests() - before).toBe(0);
  });

  it("previews an edited twin as an update of exactly that enrollment and field", async () => {
    program.writeManifest("devices.yaml", deviceManifest(60));
    const events: EngineEvent[] = [];
    const preview = await program.stack.preview({
      diff: true,
      onOutput: program.onOutput,
      onEvent: (e) => events.push(e),
    });
    expect(preview.changeSummary).toEqual({ same: 5, update: 1 });
    const updates = events.flatMap((e) =>
      e.resourcePreEvent?.metadata.op === "update" ? [e.resourcePreEvent.metadata.urn] : [],
    );
    expect(updates).toEqual([expect.stringMatching(/IndividualEnrollment::e2e-device-001$/)]);
    expect(preview.stdout).toMatch(/~ initialTwin/);
    expect(preview.stdout).toMatch(/telemetryIntervalSeconds\s*:\s*30\s*=>\s*60/);

    const up = await program.up({ onOutput: program.onOutput });
    expect(up.summary.resourceChanges).toEqual({ same: 5, update: 1 });
    const enrollment = (await service().getIndividualEnrollment("e2e-device-001")).responseBody;
    expect(enrollment.initialTwin?.properties?.desired).toMatchObject({ telemetryIntervalSeconds: 60 });
  });

  it("previews a change of attestation type as a replace", async () => {
    const tpm = deviceManifest(60).replace(
      "attestation: { type: symmetricKey }",
      `attestation: { type: tpm, tpm: { endorsementKey: ${TEST_ENDORSEMENT_KEY} } }`,
    );
    program.writeManifest("devices.yaml", tpm);
    try {
      const preview = await program.stack.preview({ onOutput: program.onOutput });
      // The ledger records the new attestation kind (the policy pack reads it).
      expect(preview.changeSummary).toEqual({ same: 4, replace: 1, update: 1 });
    } finally {
      program.writeManifest("devices.yaml", deviceManifest(60));
    }
  });

  it("shows an out-of-band change in refresh, and `up` puts the declared enrollment back", async () => {
    const client = service();
    const current = (await client.getIndividualEnrollment("e2e-device-001")).responseBody;
    // The SDK's typings demand twin metadata fields that DPS fills in itself.
    current.initialTwin = {
      tags: { fleet: "changed-by-hand" },
      properties: { desired: { telemetryIntervalSeconds: 60 } },
    } as unknown as typeof current.initialTwin;
    current.provisioningStatus = "disabled";
    await client.createOrUpdateIndividualEnrollment(current);

    const refresh = await program.refresh({ onOutput: program.onOutput });
    expect(refresh.summary.resourceChanges).toMatchObject({ update: 1 });
    const preview = await program.stack.preview({ diff: true, onOutput: program.onOutput });
    expect(preview.changeSummary).toEqual({ same: 5, update: 1 });
    // The drift reads as what `up` will undo: the hand-made tag, and a status the manifest
    // leaves at DPS's default ("enabled").
    expect(preview.stdout).toMatch(/fleet\s*:\s*"changed-by-hand"\s*=>\s*"e2e"/);
    expect(preview.stdout).toMatch(/- provisioningStatus\s*:\s*"disabled"/);

    await program.up({ onOutput: program.onOutput });
    const repaired = (await client.getIndividualEnrollment("e2e-device-001")).responseBody;
    expect(repaired.provisioningStatus).toBe("enabled");
    // Beside the declared tag, the owner marker the provider writes on every record it sends
    // (components/enrollments/ownership.ts): the stack that wrote it, which reads never report.
    expect(repaired.initialTwin?.tags).toEqual({
      fleet: "e2e",
      dpsAsCodeOwner: expect.stringMatching(/\/dps-as-code\/e2e$/),
    });
  });

  it("keeps every key out of the state file and the CLI's output", async () => {
    const outs = await outputs();
    const secrets = [
      keysOf(outs, "individualEnrollmentKeys")["e2e-device-001"]!.primaryKey!,
      keysOf(outs, "individualEnrollmentKeys")["e2e-device-001"]!.secondaryKey!,
      keysOf(outs, "enrollmentGroupKeys")["e2e-meters"]!.primaryKey!,
      keysOf(outs, "enrollmentGroupKeys")["e2e-meters"]!.secondaryKey!,
      /SharedAccessKey=([^;]+)/.exec(emulator.connectionString)![1]!,
    ];
    // The CLI's own export (the Automation API's exportStack decrypts secrets).
    const state = await program.pulumi(["stack", "export"]);
    const printed = program.output.join("");
    // `--debug` prints the program's debug messages, among them the SDK's line for each RPC answer,
    // which would carry a resource's outputs with its secrets in plaintext had the program not cut
    // the answer out (components/sdk-debug-log.ts).
    const debugPreview = await program.pulumi(["preview", "--debug"]);
    expect(debugPreview).toContain("RegisterResource RPC finished");
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      expect(state).not.toContain(secret);
      expect(printed).not.toContain(secret);
      expect(debugPreview).not.toContain(secret);
    }
  });

  it("leaves DPS without enrollments after `destroy`", async () => {
    const result = await program.destroy({ onOutput: program.onOutput });
    expect(result.summary.result).toBe("succeeded");
    const individuals = await service().createIndividualEnrollmentQuery({ query: "*" }).next();
    const groups = await service().createEnrollmentGroupQuery({ query: "*" }).next();
    expect(individuals.responseBody).toEqual([]);
    expect(groups.responseBody).toEqual([]);
    expect(emulator.inspect.enrollmentCount()).toBe(0);
  });
});
