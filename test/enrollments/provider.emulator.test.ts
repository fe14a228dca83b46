/**
 * The enrollment provider against the local DPS emulator, through Microsoft's unmodified SDKs:
 * every attestation type round-trips, devices register afterwards and land where the allocation
 * says, updates touch only what changed, drift and deletions show on read, and the 412 / 404 /
 * 429 / 5xx paths behave.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveDeviceKey } from "../../components/enrollments/derived-keys";
import { createEnrollmentProvider } from "../../components/enrollments/provider";
import type { EnrollmentInputs, EnrollmentOutputs } from "@dps-as-code/contract";
import { serviceClientFor, symmetricKeyDeviceClientFor, x509DeviceClientFor } from "../../emulator/clients";
import type { EmulatorOptions, RunningEmulator } from "../../emulator/index";
import { HUB_A, HUB_B, startTestEmulator } from "../../testkit/emulator";
import { makeCertificate, pemToBase64Der, type KeyAndCertificate } from "../../testkit/certificates";

const KEY_1 = Buffer.alloc(32, 11).toString("base64");
const KEY_2 = Buffer.alloc(32, 22).toString("base64");
const KEY_3 = Buffer.alloc(32, 33).toString("base64");
// Group keys must differ between groups: DPS matches a derived key against every symmetric-key group.
const GROUP_DEL_KEY_1 = Buffer.alloc(32, 44).toString("base64");
const GROUP_DEL_KEY_2 = Buffer.alloc(32, 55).toString("base64");
const FAST_RETRY = {
  retryPolicy: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 200, totalBudgetMs: 10_000 },
};

let emu: RunningEmulator;
let caRoot: KeyAndCertificate;
let caSecond: KeyAndCertificate;
const individual = createEnrollmentProvider("individual", FAST_RETRY);
const group = createEnrollmentProvider("group", FAST_RETRY);

function connection(e: RunningEmulator = emu) {
  return {
    serviceEndpoint: e.serviceHost,
    connectionString: e.connectionString,
    trustedCaCertificate: e.caCertPem,
  };
}

/** An emulator with two linked hubs and, once made, the factory CAs. */
function startFleetEmulator(options: EmulatorOptions = {}) {
  return startTestEmulator({
    ...options,
    config: {
      linkedHubs: [
        { hostName: HUB_A, location: "westeurope" },
        { hostName: HUB_B, location: "eastus" },
      ],
      certificates: caRoot
        ? [
            { name: "factory-root", certificate: caRoot.certificatePem, isVerified: true },
            { name: "factory-root-2", certificate: caSecond.certificatePem, isVerified: true },
          ]
        : [],
      ...options.config,
    },
  });
}

/** What DPS holds, minus what every write changes. */
async function dpsRecord(kind: "individual" | "group", id: string): Promise<Record<string, unknown>> {
  const sdk = serviceClientFor(emu);
  const result =
    kind === "individual" ? await sdk.getIndividualEnrollment(id) : await sdk.getEnrollmentGroup(id);
  const {
    etag: _etag,
    lastUpdatedDateTimeUtc: _updated,
    ...rest
  } = result.responseBody as unknown as Record<string, unknown>;
  return rest;
}

async function register(client: { register(cb: (err?: Error, result?: unknown) => void): void }) {
  return new Promise<{ assignedHub: string; deviceId: string }>((resolve, reject) =>
    client.register((err, result) =>
      err ? reject(err) : resolve(result as { assignedHub: string; deviceId: string }),
    ),
  );
}

function deviceEndpoint() {
  return {
    connectionString: emu.connectionString,
    caCertPem: emu.caCertPem,
    deviceHost: emu.deviceHost,
    idScope: emu.idScope,
  };
}

beforeAll(async () => {
  caRoot = makeCertificate({ commonName: "factory-root", isCa: true });
  caSecond = makeCertificate({ commonName: "factory-root-2", isCa: true });
  emu = await startFleetEmulator();
});
afterAll(async () => emu?.stop());

describe("individual enrollments", () => {
  it("creates a symmetric-key enrollment with DPS-generated keys, and a device registers with them on the static hub", async () => {
    const inputs: EnrollmentInputs = {
      registrationId: "sym-gen-1",
      attestation: { type: "symmetricKey" },
      allocationPolicy: "static",
      iotHubs: [HUB_B],
      dps: connection(),
    };
    const created = await individual.create(inputs);
    const outs = created.outs as EnrollmentOutputs;
    expect(created.id).toBe("sym-gen-1");
    expect(Buffer.from(outs.primaryKey ?? "", "base64")).toHaveLength(64);
    expect(outs).toMatchObject({
      adopted: false,
      serviceEndpoint: emu.serviceHost,
      attestation: { type: "symmetricKey" },
    });
    expect(outs.etag).not.toBe("");

    const state = await register(
      symmetricKeyDeviceClientFor(deviceEndpoint(), "sym-gen-1", outs.primaryKey ?? ""),
    );
    expect(state.assignedHub).toBe(HUB_B);
    expect(emu.inspect.findDevice("sym-gen-1")?.hubHostName).toBe(HUB_B);
  });

  it("round-trips every option, and a refresh of an unchanged enrollment shows no diff", async () => {
    const inputs: EnrollmentInputs = {
      registrationId: "full-1",
      deviceId: "device-full-1",
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_2 } },
      iotHubs: [HUB_B, HUB_A],
      allocationPolicy: "hashed",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
      initialTwin: { tags: { site: "plant-7" }, properties: { desired: { telemetryInterval: 30 } } },
      capabilities: { iotEdge: true },
      provisioningStatus: "enabled",
      optionalDeviceInformation: { model: "x1" },
      dps: connection(),
    };
    const created = await individual.create(inputs);
    expect(await dpsRecord("individual", "full-1")).toMatchObject({
      registrationId: "full-1",
      deviceId: "device-full-1",
      allocationPolicy: "hashed",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
      initialTwin: { tags: { site: "plant-7" }, properties: { desired: { telemetryInterval: 30 } } },
      capabilities: { iotEdge: true },
      provisioningStatus: "enabled",
      optionalDeviceInformation: { model: "x1" },
    });
    const read = await individual.read!(created.id, created.outs);
    expect(read.id).toBe("full-1");
    expect(read.props).toMatchObject({ primaryKey: KEY_1, secondaryKey: KEY_2 });
    expect(await individual.diff!(created.id, read.props, inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });

    const state = await register(symmetricKeyDeviceClientFor(deviceEndpoint(), "full-1", KEY_2));
    expect(state.deviceId).toBe("device-full-1");
    expect(emu.inspect.device(state.assignedHub, "device-full-1")).toMatchObject({
      capabilities: { iotEdge: true },
    });
  });

  it("creates an X.509 enrollment and the device attests with its certificate", async () => {
    const device = makeCertificate({ commonName: "x509-dev-1" });
    const inputs: EnrollmentInputs = {
      registrationId: "x509-dev-1",
      attestation: {
        type: "x509",
        x509: { clientCertificates: { primary: { certificate: device.certificatePem } } },
      },
      allocationPolicy: "static",
      iotHubs: [HUB_A],
      dps: connection(),
    };
    const created = await individual.create(inputs);
    expect((created.outs as EnrollmentOutputs).primaryKey).toBeUndefined();
    const read = await individual.read!(created.id, created.outs);
    expect(await individual.diff!(created.id, read.props, inputs)).toMatchObject({ changes: false });
    const state = await register(
      x509DeviceClientFor(deviceEndpoint(), "x509-dev-1", device.certificatePem, device.privateKeyPem),
    );
    expect(state.assignedHub).toBe(HUB_A);
  });

  it("creates a TPM enrollment and reads it back unchanged", async () => {
    const inputs: EnrollmentInputs = {
      registrationId: "tpm-1",
      attestation: { type: "tpm", tpm: { endorsementKey: Buffer.alloc(256, 7).toString("base64") } },
      dps: connection(),
    };
    const created = await individual.create(inputs);
    expect(await dpsRecord("individual", "tpm-1")).toMatchObject({ attestation: { type: "tpm" } });
    const read = await individual.read!(created.id, created.outs);
    expect(await individual.diff!(created.id, read.props, inputs)).toMatchObject({ changes: false });
  });

  it("updates one field in place, sending the ETag, and changes nothing else in DPS", async () => {
    const inputs: EnrollmentInputs = {
      registrationId: "upd-1",
      attestation: { type: "symmetricKey" },
      initialTwin: { tags: { line: "a" } },
      allocationPolicy: "hashed",
      iotHubs: [HUB_A, HUB_B],
      dps: connection(),
    };
    const created = await individual.create(inputs);
    const before = await dpsRecord("individual", "upd-1");
    const news = { ...inputs, provisioningStatus: "disabled" as const };
    const diff = await individual.diff!(created.id, created.outs, news);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await individual.update!(created.id, created.outs, news);
    const after = await dpsRecord("individual", "upd-1");
    expect(after).toEqual({ ...before, provisioningStatus: "disabled" });
    // DPS-generated keys survive the update (PUT replaces the record, so the provider resends them).
    expect(updated.outs).toMatchObject({
      primaryKey: (created.outs as EnrollmentOutputs).primaryKey,
      provisioningStatus: "disabled",
    });
    expect((updated.outs as EnrollmentOutputs).etag).not.toBe((created.outs as EnrollmentOutputs).etag);
  });

  it("detects a change made outside Pulumi on read, and refuses a stale update with a 412 naming the fix", async () => {
    const inputs: EnrollmentInputs = {
      registrationId: "drift-1",
      attestation: { type: "symmetricKey" },
      initialTwin: { tags: { a: 1 } },
      dps: connection(),
    };
    const created = await individual.create(inputs);
    const sdk = serviceClientFor(emu);
    const current = (await sdk.getIndividualEnrollment("drift-1")).responseBody;
    const keys = (await sdk.getIndividualEnrollmentAttestationMechanism("drift-1")).responseBody;
    await sdk.createOrUpdateIndividualEnrollment({
      ...current,
      attestation: keys,
      provisioningStatus: "disabled",
      initialTwin: { tags: { a: 2 } },
    } as never);

    const read = await individual.read!(created.id, created.outs);
    expect(read.inputs).toMatchObject({ provisioningStatus: "disabled", initialTwin: { tags: { a: 2 } } });
    expect(await individual.diff!(created.id, read.props, inputs)).toMatchObject({
      changes: true,
      replaces: [],
    });

    // An update from the stale state (before refresh) carries the old ETag.
    await expect(
      individual.update!(created.id, created.outs, { ...inputs, initialTwin: { tags: { a: 3 } } }),
    ).rejects.toThrow(
      /update individual enrollment "drift-1" on DPS localhost:\d+ failed: HTTP 412 .*It was changed outside Pulumi: run `pulumi refresh`/,
    );
    // After refresh the update goes through and restores the declared values.
    await individual.update!(created.id, read.props, inputs);
    expect(await dpsRecord("individual", "drift-1")).toMatchObject({
      provisioningStatus: "enabled",
      initialTwin: { tags: { a: 1 } },
    });
  });

  it("takes a 412 as done when DPS already holds exactly the update (an earlier attempt whose answer was lost)", async () => {
    const inputs: EnrollmentInputs = {
      registrationId: "lost-answer-1",
      attestation: { type: "symmetricKey" },
      initialTwin: { tags: { a: 1 } },
      dps: connection(),
    };
    const created = await individual.create(inputs);
    const outs = created.outs as EnrollmentOutputs;
    const news = { ...inputs, provisioningStatus: "disabled" as const };
    // What a first PUT that timed out after DPS applied it leaves behind: the update done, a new ETag.
    const sdk = serviceClientFor(emu);
    const current = (await sdk.getIndividualEnrollment("lost-answer-1")).responseBody;
    const keys = (await sdk.getIndividualEnrollmentAttestationMechanism("lost-answer-1")).responseBody;
    await sdk.createOrUpdateIndividualEnrollment({
      ...current,
      attestation: keys,
      provisioningStatus: "disabled",
    } as never);
    const etagNow = (await sdk.getIndividualEnrollment("lost-answer-1")).responseBody.etag;

    const updated = (await individual.update!(created.id, outs, news)).outs as EnrollmentOutputs;
    expect(updated).toMatchObject({
      provisioningStatus: "disabled",
      etag: etagNow,
      primaryKey: outs.primaryKey,
      secondaryKey: outs.secondaryKey,
    });
    // A different change made meanwhile is still refused (covered for twins above); so are other keys.
    const otherKeys = {
      ...news,
      attestation: {
        type: "symmetricKey" as const,
        symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_2 },
      },
    };
    await expect(individual.update!(created.id, outs, otherKeys)).rejects.toThrow(
      /HTTP 412 .*run `pulumi refresh`/,
    );
  });

  it("reports a deleted enrollment as gone on read, and treats deleting it again as done (404)", async () => {
    const created = await individual.create({
      registrationId: "gone-1",
      attestation: { type: "symmetricKey" },
      dps: connection(),
    });
    await serviceClientFor(emu).deleteIndividualEnrollment("gone-1");
    expect(await individual.read!(created.id, created.outs)).toEqual({ id: "", props: {} });
    await expect(individual.delete!(created.id, created.outs)).resolves.toBeUndefined();
  });

  it("refuses to take over an existing enrollment unless adoptExisting is set, then adopts it without touching its keys", async () => {
    const sdk = serviceClientFor(emu);
    await sdk.createOrUpdateIndividualEnrollment({
      registrationId: "legacy-1",
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_2 } },
    } as never);
    const inputs: EnrollmentInputs = {
      registrationId: "legacy-1",
      attestation: { type: "symmetricKey" },
      dps: connection(),
    };
    await expect(individual.create(inputs)).rejects.toThrow(
      /individual enrollment "legacy-1" already exists on DPS localhost:\d+ .* set adoptExisting: true to manage it as it is/,
    );
    const declaredOther = {
      ...inputs,
      adoptExisting: true,
      attestation: {
        type: "symmetricKey" as const,
        symmetricKey: { primaryKey: KEY_3, secondaryKey: KEY_2 },
      },
    };
    await expect(individual.create(declaredOther)).rejects.toThrow(
      /cannot adopt individual enrollment "legacy-1": the declared symmetric keys differ/,
    );
    const adopted = await individual.create({ ...inputs, adoptExisting: true });
    expect(adopted.outs).toMatchObject({
      adopted: true,
      adoptExisting: true,
      primaryKey: KEY_1,
      secondaryKey: KEY_2,
    });
    const keys = (await sdk.getIndividualEnrollmentAttestationMechanism("legacy-1")).responseBody;
    expect(keys.symmetricKey).toMatchObject({ primaryKey: KEY_1, secondaryKey: KEY_2 });
  });

  it("deletes the registration state too when asked", async () => {
    const inputs: EnrollmentInputs = {
      registrationId: "reg-del-1",
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_2 } },
      deleteRegistrationStateOnDelete: true,
      dps: connection(),
    };
    const created = await individual.create(inputs);
    await register(symmetricKeyDeviceClientFor(deviceEndpoint(), "reg-del-1", KEY_1));
    expect(emu.inspect.registration("reg-del-1")).toBeDefined();
    await individual.delete!(created.id, created.outs);
    expect(emu.inspect.registration("reg-del-1")).toBeUndefined();
  });

  it("keeps the connection string and keys out of error text", async () => {
    const badKey = Buffer.alloc(32, 99).toString("base64");
    const bad = {
      ...connection(),
      connectionString: `HostName=${emu.serviceHost};SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=${badKey}`,
    };
    const inputs: EnrollmentInputs = {
      registrationId: "auth-1",
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_2 } },
      dps: bad,
    };
    const error = await individual.create(inputs).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /get individual enrollment "auth-1" on DPS localhost:\d+ failed: HTTP 401/,
    );
    for (const secret of [badKey, KEY_1, KEY_2, encodeURIComponent(badKey)])
      expect(error?.message).not.toContain(secret);
  });
});

describe("enrollment groups", () => {
  it("creates a symmetric-key group; devices register with derived keys and land on the group's hubs", async () => {
    const inputs: EnrollmentInputs = {
      enrollmentGroupId: "line-a",
      attestation: { type: "symmetricKey" },
      iotHubs: [HUB_B],
      allocationPolicy: "hashed",
      initialTwin: { tags: { line: "a" } },
      dps: connection(),
    };
    const created = await group.create(inputs);
    const groupKey = (created.outs as EnrollmentOutputs).primaryKey ?? "";
    for (const device of ["line-a-dev-1", "line-a-dev-2"]) {
      const state = await register(
        symmetricKeyDeviceClientFor(deviceEndpoint(), device, deriveDeviceKey(groupKey, device)),
      );
      expect(state.assignedHub).toBe(HUB_B);
      expect(emu.inspect.device(HUB_B, device)?.twin.tags).toMatchObject({ line: "a" });
    }
    const read = await group.read!(created.id, created.outs);
    expect(await group.diff!(created.id, read.props, inputs)).toMatchObject({ changes: false });
  });

  it("rotates one group key at a time: devices on the other key keep registering", async () => {
    const inputs: EnrollmentInputs = {
      enrollmentGroupId: "rotate-a",
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_2 } },
      dps: connection(),
    };
    const created = await group.create(inputs);
    const rotated = {
      ...inputs,
      attestation: {
        type: "symmetricKey" as const,
        symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_3 },
      },
    };
    expect(await group.diff!(created.id, created.outs, rotated)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const updated = await group.update!(created.id, created.outs, rotated);
    expect(updated.outs).toMatchObject({ primaryKey: KEY_1, secondaryKey: KEY_3 });
    await register(
      symmetricKeyDeviceClientFor(deviceEndpoint(), "rot-dev-1", deriveDeviceKey(KEY_1, "rot-dev-1")),
    );
    await register(
      symmetricKeyDeviceClientFor(deviceEndpoint(), "rot-dev-2", deriveDeviceKey(KEY_3, "rot-dev-2")),
    );
    await expect(
      register(
        symmetricKeyDeviceClientFor(deviceEndpoint(), "rot-dev-3", deriveDeviceKey(KEY_2, "rot-dev-3")),
      ),
    ).rejects.toThrow();
  });

  it("creates X.509 groups from a signing certificate and from a CA reference; devices signed by the CA register", async () => {
    const leaf = makeCertificate({ commonName: "x509-grp-dev-1", issuer: caRoot });
    const signing: EnrollmentInputs = {
      enrollmentGroupId: "x509-signing",
      attestation: {
        type: "x509",
        x509: { signingCertificates: { primary: { certificate: caRoot.certificatePem } } },
      },
      dps: connection(),
    };
    const created = await group.create(signing);
    const read = await group.read!(created.id, created.outs);
    expect(await group.diff!(created.id, read.props, signing)).toMatchObject({ changes: false });
    const state = await register(
      x509DeviceClientFor(deviceEndpoint(), "x509-grp-dev-1", leaf.certificatePem, leaf.privateKeyPem),
    );
    expect([HUB_A, HUB_B]).toContain(state.assignedHub);
    await group.delete!(created.id, created.outs);

    const byReference: EnrollmentInputs = {
      enrollmentGroupId: "x509-ca-ref",
      attestation: { type: "x509", x509: { caReferences: { primary: "factory-root" } } },
      dps: connection(),
    };
    const createdRef = await group.create(byReference);
    expect(await dpsRecord("group", "x509-ca-ref")).toMatchObject({
      attestation: { type: "x509", x509: { caReferences: { primary: "factory-root" } } },
    });
    const readRef = await group.read!(createdRef.id, createdRef.outs);
    expect(await group.diff!(createdRef.id, readRef.props, byReference)).toMatchObject({ changes: false });
  });

  it("deletes the registration states of a group's devices when asked", async () => {
    const inputs: EnrollmentInputs = {
      enrollmentGroupId: "line-del",
      attestation: {
        type: "symmetricKey",
        symmetricKey: { primaryKey: GROUP_DEL_KEY_1, secondaryKey: GROUP_DEL_KEY_2 },
      },
      deleteRegistrationStateOnDelete: true,
      dps: connection(),
    };
    const created = await group.create(inputs);
    await register(
      symmetricKeyDeviceClientFor(
        deviceEndpoint(),
        "line-del-dev",
        deriveDeviceKey(GROUP_DEL_KEY_1, "line-del-dev"),
      ),
    );
    expect(emu.inspect.registration("line-del-dev")).toBeDefined();
    await group.delete!(created.id, created.outs);
    expect(emu.inspect.registration("line-del-dev")).toBeUndefined();
  });
});

describe("no-op preview after create and after refresh, for every attestation type and option", () => {
  const device = () => makeCertificate({ commonName: "noop-x509-1" });
  const cases: { name: string; kind: "individual" | "group"; inputs: () => EnrollmentInputs }[] = [
    {
      name: "TPM with a storage root key",
      kind: "individual",
      inputs: () => ({
        registrationId: "noop-tpm-1",
        attestation: {
          type: "tpm",
          tpm: {
            endorsementKey: Buffer.alloc(256, 9).toString("base64"),
            storageRootKey: Buffer.alloc(256, 10).toString("base64"),
          },
        },
        dps: connection(),
      }),
    },
    {
      name: "X.509 client certificates, primary and secondary, one given as base64 DER",
      kind: "individual",
      inputs: () => {
        const primary = device();
        const secondary = makeCertificate({ commonName: "noop-x509-1" });
        const der = pemToBase64Der(secondary.certificatePem);
        return {
          registrationId: "noop-x509-1",
          attestation: {
            type: "x509",
            x509: {
              clientCertificates: {
                primary: { certificate: primary.certificatePem },
                secondary: { certificate: der },
              },
            },
          },
          dps: connection(),
        };
      },
    },
    {
      name: "X.509 signing certificates, primary and secondary",
      kind: "group",
      inputs: () => ({
        enrollmentGroupId: "noop-signing",
        attestation: {
          type: "x509",
          x509: {
            signingCertificates: {
              primary: { certificate: caRoot.certificatePem },
              secondary: { certificate: caSecond.certificatePem },
            },
          },
        },
        dps: connection(),
      }),
    },
    {
      name: "X.509 CA references, primary and secondary",
      kind: "group",
      inputs: () => ({
        enrollmentGroupId: "noop-ca-refs",
        attestation: {
          type: "x509",
          x509: { caReferences: { primary: "factory-root", secondary: "factory-root-2" } },
        },
        dps: connection(),
      }),
    },
    {
      name: "custom allocation",
      kind: "group",
      inputs: () => ({
        enrollmentGroupId: "noop-custom",
        attestation: { type: "symmetricKey" },
        allocationPolicy: "custom",
        iotHubs: [HUB_A, HUB_B],
        customAllocationDefinition: {
          webhookUrl: "https://alloc.azurewebsites.net/api/allocate?code=c29tZS1mdW5jdGlvbi1rZXk=",
          apiVersion: "2021-10-01",
        },
        dps: connection(),
      }),
    },
    {
      name: "initial twin with nested objects, capabilities, optional device information, every other option",
      kind: "individual",
      inputs: () => ({
        registrationId: "noop-everything",
        deviceId: "noop-device",
        attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_3 } },
        iotHubs: [HUB_B],
        allocationPolicy: "static",
        reprovisionPolicy: { updateHubAssignment: false, migrateDeviceData: false },
        initialTwin: {
          tags: { site: { building: "B7", floor: 3, geo: { lat: 52.1, lon: 4.3 } }, critical: true },
          properties: {
            desired: {
              telemetry: { intervalSeconds: 30, channels: { temperature: true, humidity: false } },
              firmware: "1.2.3",
            },
          },
        },
        capabilities: { iotEdge: true },
        provisioningStatus: "disabled",
        optionalDeviceInformation: { model: "x1", hardware: { revision: 4, vendor: { name: "Contoso" } } },
        dps: connection(),
      }),
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const provider = c.kind === "individual" ? individual : group;
      const inputs = c.inputs();
      const created = await provider.create(inputs);
      const noChange = { changes: false, replaces: [], deleteBeforeReplace: false };
      expect(await provider.diff!(created.id, created.outs, inputs)).toEqual(noChange);
      const read = await provider.read!(created.id, created.outs);
      expect(read.id).toBe(created.id);
      // Refresh reports the declared inputs back unchanged (declared keys aside: state keeps them
      // in primaryKey / secondaryKey only, so the refreshed attestation input is { type }).
      const { attestation: readAttestation, ...readRest } = read.inputs as EnrollmentInputs;
      const { attestation: declaredAttestation, ...declaredRest } = inputs;
      expect(readRest).toEqual(declaredRest);
      expect(readAttestation).toEqual(
        declaredAttestation.type === "symmetricKey" ? { type: "symmetricKey" } : declaredAttestation,
      );
      expect(await provider.diff!(created.id, read.props, inputs)).toEqual(noChange);
      const again = await provider.read!(created.id, read.props);
      expect(again.props).toEqual(read.props);
      // No key DPS holds ever reaches the attestation output.
      expect(JSON.stringify(read.props.attestation)).not.toMatch(/primaryKey|secondaryKey/);
      await provider.delete!(created.id, read.props);
    });
  }
});

describe("throttling and faults", () => {
  it("retries 429s honouring Retry-After and gives up within the time budget, saying what happened", async () => {
    const throttled = await startFleetEmulator({
      throttle: { operationsPerMinute: 2, registrationsPerMinute: 1000, retryAfterSeconds: 1 },
    });
    try {
      const provider = createEnrollmentProvider("individual", {
        retryPolicy: { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 500, totalBudgetMs: 2_500 },
      });
      const dps = connection(throttled);
      const started = Date.now();
      // get + put use the two operations of this minute; the next create is throttled.
      await provider.create({
        registrationId: "thr-1",
        attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_1, secondaryKey: KEY_2 } },
        dps,
      });
      await expect(
        provider.create({ registrationId: "thr-2", attestation: { type: "symmetricKey" }, dps }),
      ).rejects.toThrow(
        /get individual enrollment "thr-2" on DPS localhost:\d+ failed: DPS kept throttling \(429\): gave up after 3 attempts over 2\.\ds, the next wait would pass the budget of 2\.5s without a successful DPS call \(set DPS_RETRY_BUDGET_SECONDS to wait longer\); last failure: HTTP 429/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      expect(throttled.inspect.stats().byStatus["429"]).toBe(3);
    } finally {
      await throttled.stop();
    }
  });

  it("rides out 500s, 503s and connection resets", async () => {
    const faulty = await startFleetEmulator({
      faults: { rate: 0.4, kinds: ["500", "503", "reset"], seed: 7, apis: ["service"] },
    });
    try {
      const provider = createEnrollmentProvider("group", {
        requestTimeoutMs: 1_000,
        retryPolicy: { maxAttempts: 12, baseDelayMs: 10, maxDelayMs: 100, totalBudgetMs: 20_000 },
      });
      const dps = connection(faulty);
      for (let i = 0; i < 2; i++) {
        const inputs: EnrollmentInputs = {
          enrollmentGroupId: `faulty-${i}`,
          attestation: { type: "symmetricKey" },
          dps,
        };
        const created = await provider.create(inputs);
        const read = await provider.read!(created.id, created.outs);
        expect(read.id).toBe(`faulty-${i}`);
        await provider.update!(created.id, read.props, { ...inputs, provisioningStatus: "disabled" });
        await provider.delete!(created.id, read.props);
      }
      const byStatus = faulty.inspect.stats().byStatus;
      expect((byStatus["500"] ?? 0) + (byStatus["503"] ?? 0)).toBeGreaterThan(0);
    } finally {
      await faulty.stop();
    }
  });
});
