// A manifest entry reaches DPS with the same inputs on both paths: as an IndividualEnrollment
// resource (`mode: individual`) and as an entry of an EnrollmentSet (`mode: batch`), read through
// the contract's set-entry view. The fleet runs under Pulumi mocks; every manifest field is set
// on some entry, so a field one path drops or changes shows here.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { encodeSetEntries, encodeSetSecrets, entryInputs, type SetEntry } from "@dps-as-code/contract";
import { describe, expect, it } from "vitest";
import { decodeSetInputs } from "../../components/enrollments/sets/set-provider";
import { loadEnrollmentManifestTexts } from "../../components/manifests";
import {
  declareFleetUnderMocks,
  isSecret,
  MOCK_DPS_CONNECTION,
  unwrapped,
} from "../../testkit/fleet-under-mocks";

const INDIVIDUAL = "pulumi-nodejs:dynamic/dps:IndividualEnrollment";
const SET = "pulumi-nodejs:dynamic/dps:EnrollmentSet";
const FIXTURES = path.resolve(__dirname, "../fixtures");
// Test-only values: base64 of 32 bytes, and a webhook that exists nowhere.
const SECRETS: Record<string, string> = {
  meterPrimary: Buffer.alloc(32, 1).toString("base64"),
  meterSecondary: Buffer.alloc(32, 2).toString("base64"),
  labWebhook: "https://lab-allocation.example.net/api/allocate?code=not-a-real-key",
};
const ENDORSEMENT_KEY = Buffer.alloc(64, 3).toString("base64");

const manifest = (mode: "individual" | "batch") => `
mode: ${mode}
individualEnrollments:
  - registrationId: meter-01
    deviceId: meter-device-01
    attestation:
      type: symmetricKey
      symmetricKey: { primaryKeySecret: meterPrimary, secondaryKeySecret: meterSecondary }
    iotHubs: [weu]
    allocationPolicy: static
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false }
    initialTwin:
      tags: { fleet: meters }
      properties: { desired: { interval: 60 } }
    capabilities: { iotEdge: true }
    labels: { fleet: meters }
    allowSymmetricKeyInProduction: "Meters in the field cannot take certificates until the 2027 hardware revision"
  - registrationId: lab-01
    attestation: { type: symmetricKey }
    allocationPolicy: custom
    customAllocationDefinition: { webhookUrlSecret: labWebhook, apiVersion: "2021-10-01" }
    provisioningStatus: disabled
    adoptExisting: true
    deleteRegistrationStateOnDelete: true
    optionalDeviceInformation: { tags: { room: b12 } }
  - registrationId: medical-monitor-001
    attestation:
      type: x509
      x509: { clientCertificates: { primary: { certificateFile: "\${FIXTURES}/certs/medical-monitor-001.pem" } } }
    iotHubs: [weu, neu]
    allocationPolicy: hashed
  - registrationId: tpm-01
    attestation: { type: tpm, tpm: { endorsementKey: "${ENDORSEMENT_KEY}" } }
`;

interface RegisteredInputs {
  /** The inputs each entry reaches DPS with, by registration id. */
  readonly byId: Record<string, Record<string, unknown>>;
  /** Each EnrollmentSet's inputs as the program sent them (secrets still wrapped). */
  readonly sets: Record<string, unknown>[];
}

/** What one path registers: each entry's inputs, and the sets' inputs as sent. */
async function registeredOnPath(mode: "individual" | "batch"): Promise<RegisteredInputs> {
  const manifests = loadEnrollmentManifestTexts([{ file: "fleet.yaml", text: manifest(mode) }], {
    hubs: { weu: undefined, neu: undefined },
    now: new Date("2025-06-01T00:00:00Z"),
    pathVariables: { FIXTURES },
    repositoryRoot: FIXTURES,
  });
  const { registered } = await declareFleetUnderMocks({
    stackName: "both-paths",
    manifests,
    hubHostNames: { weu: "hub-weu.example.net", neu: "hub-neu.example.net" },
    secret: (name) => pulumi.secret(SECRETS[name]!),
    enrollmentSets: { threshold: 500, shards: 1, operationsPerMinute: 1000 },
    settle: (fleet) => fleet.summary,
  });

  const byId: Record<string, Record<string, unknown>> = {};
  const sets: Record<string, unknown>[] = [];
  for (const { type, inputs } of registered) {
    if (type === INDIVIDUAL) {
      const { __provider: _provider, ...rest } = inputs;
      byId[String(inputs.registrationId)] = rest;
    } else if (type === SET) {
      sets.push(inputs);
      // Read as the provider reads what it is sent: its boundary decodes the texts and resolves
      // the hubs named by key.
      const { inputs: set, failures } = decodeSetInputs(unwrapped(inputs) as Record<string, unknown>);
      expect(failures).toEqual([]);
      for (const id of Object.keys(set!.enrollments))
        byId[id] = entryInputs(set!, id) as unknown as Record<string, unknown>;
    }
  }
  return { byId, sets };
}

const inputsOnPath = async (mode: "individual" | "batch") => (await registeredOnPath(mode)).byId;

describe("a manifest entry on both paths", () => {
  it("reaches DPS with the same inputs as an IndividualEnrollment and as an EnrollmentSet entry", async () => {
    const individual = await inputsOnPath("individual");
    const batch = await inputsOnPath("batch");
    expect(Object.keys(individual).sort()).toEqual(["lab-01", "medical-monitor-001", "meter-01", "tpm-01"]);
    for (const id of Object.keys(individual)) expect(batch[id], id).toEqual(unwrapped(individual[id]));
  });

  it("maps every manifest field to the input of its name, secrets read and hub keys resolved", async () => {
    const individual = await inputsOnPath("individual");
    const dps = { ...MOCK_DPS_CONNECTION };
    const linkedHubs = ["hub-weu.example.net", "hub-neu.example.net"];
    const owner = "organization/dps-as-code/both-paths";
    expect(unwrapped(individual["meter-01"])).toEqual({
      registrationId: "meter-01",
      deviceId: "meter-device-01",
      attestation: {
        type: "symmetricKey",
        symmetricKey: { primaryKey: SECRETS.meterPrimary, secondaryKey: SECRETS.meterSecondary },
      },
      iotHubs: ["hub-weu.example.net"],
      allocationPolicy: "static",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false },
      initialTwin: { tags: { fleet: "meters" }, properties: { desired: { interval: 60 } } },
      capabilities: { iotEdge: true },
      labels: { fleet: "meters" },
      allowSymmetricKeyInProduction:
        "Meters in the field cannot take certificates until the 2027 hardware revision",
      dps,
      linkedHubs,
      owner,
    });
    expect(unwrapped(individual["lab-01"])).toEqual({
      registrationId: "lab-01",
      attestation: { type: "symmetricKey" },
      allocationPolicy: "custom",
      customAllocationDefinition: { webhookUrl: SECRETS.labWebhook, apiVersion: "2021-10-01" },
      provisioningStatus: "disabled",
      adoptExisting: true,
      deleteRegistrationStateOnDelete: true,
      optionalDeviceInformation: { tags: { room: "b12" } },
      dps,
      linkedHubs,
      owner,
    });
    expect(individual["medical-monitor-001"]).toMatchObject({
      attestation: {
        type: "x509",
        x509: { clientCertificates: { primary: { certificate: expect.any(String) } } },
      },
      iotHubs: ["hub-weu.example.net", "hub-neu.example.net"],
    });
    expect(individual["tpm-01"]).toMatchObject({
      attestation: { type: "tpm", tpm: { endorsementKey: ENDORSEMENT_KEY } },
    });
    // Secrets stay secret on the way: the declared keys and the webhook URL.
    expect(isSecret(individual["meter-01"]!.attestation)).toBe(true);
    expect(isSecret(individual["lab-01"]!.customAllocationDefinition)).toBe(true);
    expect(isSecret(individual["tpm-01"]!.attestation)).toBe(false);
  });

  it("sends a set's entries as one known text, its secrets as one secret text, and hubs by key", async () => {
    const { sets } = await registeredOnPath("batch");
    expect(sets).toHaveLength(1);
    const set = sets[0]!;
    // The entries: one text, exactly the contract's encoding, hubs as the manifest names them.
    expect(typeof set.enrollments).toBe("string");
    const entries = JSON.parse(set.enrollments as string) as Record<string, SetEntry>;
    expect(set.enrollments).toBe(encodeSetEntries(entries));
    expect(entries["meter-01"]!.iotHubs).toEqual(["weu"]);
    expect(entries["medical-monitor-001"]!.iotHubs).toEqual(["weu", "neu"]);
    expect(set.enrollments).not.toContain(SECRETS.meterPrimary);
    expect(set.enrollments).not.toContain(SECRETS.labWebhook);
    // Only the references the entries name, each to its host name.
    expect(set.hubHostNames).toEqual({ neu: "hub-neu.example.net", weu: "hub-weu.example.net" });
    // The secrets: one secret text holding only the ids that declare something.
    expect(isSecret(set.secrets)).toBe(true);
    expect(unwrapped(set.secrets)).toBe(
      encodeSetSecrets({
        "meter-01": { primaryKey: SECRETS.meterPrimary, secondaryKey: SECRETS.meterSecondary },
        "lab-01": { webhookUrl: SECRETS.labWebhook },
      }),
    );
  });
});
