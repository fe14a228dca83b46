// Enrollments-only stacks through the real engine (dps-as-code:existingDps): a DPS the stacks did
// not create. First a brownfield DPS (an emulator started outside any stack, with enrollments and
// registered devices of its own): `npm run export`, the manifest committed, `pulumi up` of an
// enrollments-only stack that takes every entry without a DPS write and creates no platform
// resource, devices keep their keys, a later edit reaches DPS, and a second enrollments-only stack
// cannot take over the first one's enrollment; destroy removes only the stack's enrollments.
// Then the platform-stack + enrollment-stack layout through a real StackReference (both stacks on
// one file backend).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deriveDeviceKey } from "../../components/enrollments";
import { OWNER_TAG } from "../../components/enrollments/ownership";
import type { Logger, RunningEmulator } from "../../emulator";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../../emulator/clients";
import { startTestEmulator } from "../../testkit/emulator";
import { describeWithEngine, projectRoot } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const WEU = "contoso-weu.azure-devices.net";
const NEU = "contoso-neu.azure-devices.net";
const DEVICE = "brown-device-01";
const GROUP = "brown-meters";
const METER = "brown-meter-0042";

function requestRecorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: () => {}, error: (m) => lines.push(`ERROR ${m}`) };
}
const writes = (lines: readonly string[]) =>
  lines.filter((l) => /^(PUT|DELETE|PATCH) /.test(l) || /^POST \S*bulk/i.test(l) || l.startsWith("ERROR"));

type Outputs = Record<string, { value: unknown }>;
const keysOf = (outputs: Outputs, name: string) =>
  outputs[name]!.value as Record<string, { primaryKey: string; secondaryKey: string }>;

/** The stack file of an enrollments-only stack, as a team commits it (the secret set by the test). */
function enrollmentStackFile(team: string, existingDps: string): string {
  return [
    "config:",
    "  dps-as-code:environment: prod",
    `  dps-as-code:enrollmentManifests: enrollments/${team}`,
    "  dps-as-code:existingDps:",
    existingDps,
    "",
  ].join("\n");
}

/** The names of the resources the stack holds (the last segment of each URN). */
async function resourceNames(program: LocalProgram): Promise<string[]> {
  const state = await program.stack.exportStack();
  return ((state.deployment as { resources?: { urn: string }[] }).resources ?? []).map((r) =>
    r.urn.split("::").pop()!,
  );
}

describeWithEngine("enrollments-only stacks on a DPS they did not create", (engine) => {
  let emulator: RunningEmulator;
  let teamA: LocalProgram;
  let teamB: LocalProgram;
  const log = requestRecorder();
  const service = () => serviceClientFor(emulator);
  const before: Record<string, { etag: string; primaryKey?: string }> = {};
  const assigned: Record<string, string> = {};

  const existingDpsFor = (team: string) =>
    createLocalProgram(engine, emulator, {
      stackName: team,
      manifests: {},
      manifestsFolder: `enrollments/${team}`,
      stackFile: enrollmentStackFile(
        team,
        [
          `    serviceEndpoint: ${emulator.serviceHost}`,
          "    authentication: connectionString",
          `    trustedCaCertPath: ${emulator.caCertPath}`,
          `    linkedHubs: { weu: ${WEU}, neu: ${NEU} }`,
        ].join("\n"),
      ),
      config: {
        "dps-as-code:existingDpsConnectionString": { value: emulator.connectionString, secret: true },
      },
    });

  beforeAll(async () => {
    // The existing DPS: hubs linked and enrollments made by others (Bicep, the portal, the SDK).
    emulator = await startTestEmulator({
      logRequests: true,
      logger: log,
      config: { linkedHubs: [{ hostName: WEU }, { hostName: NEU }] },
    });
    const sdk = service();
    await sdk.createOrUpdateIndividualEnrollment({
      registrationId: DEVICE,
      attestation: { type: "symmetricKey" },
      iotHubs: [WEU],
      allocationPolicy: "static",
      initialTwin: {
        tags: { fleet: "brownfield" },
        properties: { desired: { telemetryIntervalSeconds: 45 } },
      },
    } as never);
    await sdk.createOrUpdateEnrollmentGroup({
      enrollmentGroupId: GROUP,
      attestation: { type: "symmetricKey" },
      iotHubs: [WEU, NEU],
      allocationPolicy: "hashed",
    } as never);
    const device = (await sdk.getIndividualEnrollment(DEVICE)).responseBody;
    const deviceKeys = (await sdk.getIndividualEnrollmentAttestationMechanism(DEVICE)).responseBody
      .symmetricKey;
    const group = (await sdk.getEnrollmentGroup(GROUP)).responseBody;
    const groupKeys = (await sdk.getEnrollmentGroupAttestationMechanism(GROUP)).responseBody.symmetricKey;
    before[DEVICE] = { etag: device.etag!, primaryKey: deviceKeys?.primaryKey };
    before[GROUP] = { etag: group.etag!, primaryKey: groupKeys?.primaryKey };
    assigned[DEVICE] = (
      await symmetricKeyDeviceClientFor(emulator, DEVICE, before[DEVICE]!.primaryKey!).register()
    ).assignedHub;
    assigned[METER] = (
      await symmetricKeyDeviceClientFor(
        emulator,
        METER,
        deriveDeviceKey(before[GROUP]!.primaryKey!, METER),
      ).register()
    ).assignedHub;
    teamA = await existingDpsFor("team-a");
  });

  afterAll(async () => {
    teamA?.cleanup();
    teamB?.cleanup();
    await emulator?.stop();
  });

  it("exports the existing DPS and takes every entry with `pulumi up`, without a DPS write and without a platform resource", async () => {
    const out = path.join(teamA.manifestsDir, "exported.yaml");
    await new Promise<string>((resolve, reject) =>
      execFile(
        "npm",
        [
          ...["run", "--silent", "export", "--", "--connection-string-env", "EXISTING_DPS"],
          ...["--ca-cert", emulator.caCertPath, "--hub-key", `weu=${WEU}`, "--hub-key", `neu=${NEU}`],
          ...["--out", out],
        ],
        { cwd: projectRoot, env: { ...engine.env, EXISTING_DPS: emulator.connectionString } },
        (error, so, se) => (error ? reject(new Error(`npm run export failed: ${se}`)) : resolve(so)),
      ),
    );
    expect(fs.readFileSync(out, "utf8").match(/^\s+adoptExisting: true$/gm)).toHaveLength(2);

    log.lines.length = 0;
    const up = await teamA.up({ onOutput: teamA.onOutput });
    // The stack, two enrollments, the enrollment ledger: no hub, DPS or resource group.
    expect(up.summary.resourceChanges).toEqual({ create: 4 });
    expect(writes(log.lines)).toEqual([]);
    expect((await service().getIndividualEnrollment(DEVICE)).responseBody.etag).toBe(before[DEVICE]!.etag);
    expect((await service().getEnrollmentGroup(GROUP)).responseBody.etag).toBe(before[GROUP]!.etag);
    // The dynamic provider aside, the stack holds its enrollments and ledger, nothing of a platform.
    expect((await resourceNames(teamA)).sort()).toEqual([
      `${DEVICE}`,
      `${GROUP}`,
      "default",
      "dps-as-code-team-a",
      "enrollment-ledger",
    ]);
    const outputs = (await teamA.outputs()) as Outputs;
    expect(outputs["serviceEndpoint"]!.value).toBe(emulator.serviceHost);
    expect([...(outputs["linkedHubs"]!.value as string[])].sort()).toEqual([NEU, WEU]);
    expect(keysOf(outputs, "individualEnrollmentKeys")[DEVICE]!.primaryKey).toBe(before[DEVICE]!.primaryKey);
    expect(keysOf(outputs, "enrollmentGroupKeys")[GROUP]!.primaryKey).toBe(before[GROUP]!.primaryKey);
  });

  it("lets devices register again with the keys they have, to the same hubs", async () => {
    const device = await symmetricKeyDeviceClientFor(
      emulator,
      DEVICE,
      before[DEVICE]!.primaryKey!,
    ).register();
    const meter = await symmetricKeyDeviceClientFor(
      emulator,
      METER,
      deriveDeviceKey(before[GROUP]!.primaryKey!, METER),
    ).register();
    expect(device.assignedHub).toBe(assigned[DEVICE]);
    expect(meter.assignedHub).toBe(assigned[METER]);
  });

  it("sends a later manifest edit to DPS, marked as this stack's", async () => {
    const file = path.join(teamA.manifestsDir, "exported.yaml");
    const edited = fs
      .readFileSync(file, "utf8")
      .replace("telemetryIntervalSeconds: 45", "telemetryIntervalSeconds: 60");
    expect(edited).toContain("telemetryIntervalSeconds: 60");
    fs.writeFileSync(file, edited);
    const up = await teamA.up({ onOutput: teamA.onOutput });
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    const record = (await service().getIndividualEnrollment(DEVICE)).responseBody;
    expect(record.initialTwin?.properties?.desired).toMatchObject({ telemetryIntervalSeconds: 60 });
    expect(record.initialTwin?.tags).toMatchObject({ [OWNER_TAG]: "organization/dps-as-code/team-a" });
    const keys = (await service().getIndividualEnrollmentAttestationMechanism(DEVICE)).responseBody
      .symmetricKey;
    expect(keys?.primaryKey).toBe(before[DEVICE]!.primaryKey);
  });

  it("keeps a second enrollments-only stack on the same DPS from taking over the first one's enrollment", async () => {
    teamB = await existingDpsFor("team-b");
    const theirs = (await service().getIndividualEnrollment(DEVICE)).responseBody.etag;
    teamB.writeManifest(
      "devices.yaml",
      [
        "individualEnrollments:",
        "  - registrationId: team-b-device-01",
        "    attestation: { type: symmetricKey }",
        "    iotHubs: [neu]",
        "    allocationPolicy: static",
        `  - registrationId: ${DEVICE}`,
        "    attestation: { type: symmetricKey }",
        "    iotHubs: [weu]",
        "    allocationPolicy: static",
        "    adoptExisting: true",
        "",
      ].join("\n"),
    );
    await expect(teamB.up({ onOutput: teamB.onOutput })).rejects.toThrow(
      /cannot adopt individual enrollment "brown-device-01": it is managed by stack organization\/dps-as-code\/team-a/,
    );
    expect((await service().getIndividualEnrollment(DEVICE)).responseBody.etag).toBe(theirs);

    // Its own enrollment only: created, then removed by its destroy; team A's stay as they are.
    teamB.writeManifest(
      "devices.yaml",
      [
        "individualEnrollments:",
        "  - registrationId: team-b-device-01",
        "    attestation: { type: symmetricKey }",
        "    iotHubs: [neu]",
        "    allocationPolicy: static",
        "",
      ].join("\n"),
    );
    await teamB.up({ onOutput: teamB.onOutput });
    expect((await service().getIndividualEnrollment("team-b-device-01")).responseBody.iotHubs).toEqual([NEU]);
    await teamB.destroy({ onOutput: teamB.onOutput });
    await expect(service().getIndividualEnrollment("team-b-device-01")).rejects.toThrow();
    expect((await service().getIndividualEnrollment(DEVICE)).responseBody.etag).toBe(theirs);
    expect((await teamA.stack.preview({ onOutput: teamA.onOutput })).changeSummary).toEqual({ same: 4 });
  });

  it("removes only its own enrollments on destroy: the DPS, its hubs and what others made stay", async () => {
    await service().createOrUpdateIndividualEnrollment({
      registrationId: "made-by-hand-later",
      attestation: { type: "symmetricKey" },
    } as never);
    await teamA.destroy({ onOutput: teamA.onOutput });
    await expect(service().getIndividualEnrollment(DEVICE)).rejects.toThrow();
    await expect(service().getEnrollmentGroup(GROUP)).rejects.toThrow();
    expect((await service().getIndividualEnrollment("made-by-hand-later")).responseBody.registrationId).toBe(
      "made-by-hand-later",
    );
    expect(emulator.inspect.enrollmentCount()).toBe(1);
  });
});

describeWithEngine("a platform stack shared by an enrollment stack through a StackReference", (engine) => {
  let emulator: RunningEmulator;
  let platform: LocalProgram;
  let fleet: LocalProgram;
  const service = () => serviceClientFor(emulator);

  beforeAll(async () => {
    emulator = await startTestEmulator();
    platform = await createLocalProgram(engine, emulator, { stackName: "platform", manifests: {} });
    fleet = await createLocalProgram(engine, emulator, {
      stackName: "fleet-a",
      sharedWith: platform,
      manifests: {
        "devices.yaml": [
          "individualEnrollments:",
          "  - registrationId: fleet-a-device-01",
          "    attestation: { type: symmetricKey }",
          "    iotHubs: [weu]",
          "    allocationPolicy: static",
          "",
        ].join("\n"),
      },
      manifestsFolder: "enrollments/fleet-a",
      stackFile: enrollmentStackFile(
        "fleet-a",
        [
          "    platformStack: organization/dps-as-code/platform",
          "    authentication: connectionString",
          `    trustedCaCertPath: ${emulator.caCertPath}`,
          "    linkedHubs: [weu, neu]",
        ].join("\n"),
      ),
      config: {
        "dps-as-code:existingDpsConnectionString": { value: emulator.connectionString, secret: true },
      },
    });
  });

  afterAll(async () => {
    fleet?.cleanup();
    platform?.cleanup();
    await emulator?.stop();
  });

  it("takes the DPS and hub host names from the platform stack's outputs and manages only its enrollments", async () => {
    await platform.up({ onOutput: platform.onOutput });
    const platformOutputs = (await platform.outputs()) as Outputs;
    expect(platformOutputs["hubHostNames"]!.value).toEqual({
      weu: "dpsac-local-weu.azure-devices.net",
      neu: "dpsac-local-neu.azure-devices.net",
    });

    const up = await fleet.up({ onOutput: fleet.onOutput });
    expect(up.summary.resourceChanges).toEqual({ create: 3 }); // stack, enrollment, ledger
    const record = (await service().getIndividualEnrollment("fleet-a-device-01")).responseBody;
    expect(record.iotHubs).toEqual(["dpsac-local-weu.azure-devices.net"]);
    expect(record.initialTwin?.tags).toMatchObject({ [OWNER_TAG]: "organization/dps-as-code/fleet-a" });
    const outputs = (await fleet.outputs()) as Outputs;
    expect(outputs["serviceEndpoint"]!.value).toBe(platformOutputs["serviceEndpoint"]!.value);
    expect(outputs["idScope"]!.value).toBe(platformOutputs["idScope"]!.value);

    await fleet.destroy({ onOutput: fleet.onOutput });
    await expect(service().getIndividualEnrollment("fleet-a-device-01")).rejects.toThrow();
    // The platform stack still holds its DPS, unchanged (stack, platform, DPS, ledger).
    expect((await platform.stack.preview({ onOutput: platform.onOutput })).changeSummary).toEqual({
      same: 4,
    });
  });
});
