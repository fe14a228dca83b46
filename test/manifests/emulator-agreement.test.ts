// The offline validator must refuse everything the emulator refuses. The emulator imports
// nothing of the product and keeps its own checks (it plays DPS); this test feeds both the
// same inputs: each entry of a manifest is turned into the body a DPS PUT would carry (hub keys
// to the stack's host names, secret names to test values, certificate files read), the
// emulator's request validation judges the body, and the validator judges the manifest.
// Inputs: the bad-manifest corpus, a valid entry (which both must accept),
// and one-field mutations of a valid entry, many of which DPS refuses.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  loadEnrollmentManifestTexts,
  ManifestValidationError,
  type LoadManifestOptions,
} from "../../components/manifests";
import { parseEnrollmentGroup, parseIndividualEnrollment } from "../../emulator/model/enrollments";

const fixtures = path.resolve(__dirname, "../fixtures");
const corpus = path.join(fixtures, "bad-manifests");
const HUBS = { weu: "dpsac-corpus-weu.azure-devices.net", neu: "dpsac-corpus-neu.azure-devices.net" };
const CA_NAMES = ["ev-charger-root-ca"];
const SECRETS: Record<string, string> = {
  meterGroupPrimaryKey: Buffer.alloc(32, 1).toString("base64"),
  meterGroupSecondaryKey: Buffer.alloc(32, 2).toString("base64"),
  labAllocationWebhookUrl: "https://lab-alloc.example.net/api/allocate",
};
const OPTIONS: LoadManifestOptions = {
  hubs: HUBS,
  linkedHubs: Object.values(HUBS),
  caCertificates: CA_NAMES,
  stackSecrets: { names: Object.keys(SECRETS) },
  pathVariables: { FIXTURES: fixtures, DPS_HOME: fixtures },
  repositoryRoot: path.resolve(__dirname, "../.."),
  now: new Date("2025-06-01T00:00:00Z"),
};
const emulatorContext = {
  linkedHubs: Object.values(HUBS).map((hostName) => ({
    hostName,
    location: "westeurope",
    allocationWeight: 1,
    applyAllocationPolicy: true,
  })),
  caCertificateExists: (name: string) => CA_NAMES.includes(name),
};

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isMap(out[k]) && isMap(v) ? merge(out[k] as Json, v) : v;
  return out;
}

/** The body a DPS PUT would carry for one manifest entry, or undefined when it has no such form. */
function dpsBody(entry: Json, file: string): Json | undefined {
  const body: Json = { ...entry };
  for (const field of [
    "previousIds",
    "labels",
    "adoptExisting",
    "deleteRegistrationStateOnDelete",
    "allowSymmetricKeyInProduction",
  ])
    delete body[field];
  if (Array.isArray(entry.iotHubs))
    body.iotHubs = entry.iotHubs.map((h) =>
      typeof h === "string" ? ((HUBS as Record<string, string>)[h] ?? h) : h,
    );
  const attestation = entry.attestation;
  if (isMap(attestation) && isMap(attestation.symmetricKey)) {
    const sk = attestation.symmetricKey;
    body.attestation = {
      ...attestation,
      symmetricKey: {
        primaryKey: SECRETS[String(sk.primaryKeySecret)] ?? sk.primaryKeySecret,
        secondaryKey: SECRETS[String(sk.secondaryKeySecret)] ?? sk.secondaryKeySecret,
      },
    };
  }
  if (isMap(attestation) && isMap(attestation.x509)) {
    const x509: Json = { ...attestation.x509 };
    for (const pairName of ["clientCertificates", "signingCertificates"]) {
      const pair = x509[pairName];
      if (!isMap(pair)) continue;
      const read = (slot: unknown) => {
        if (!isMap(slot) || typeof slot.certificateFile !== "string") return slot;
        const file_ = path.resolve(
          path.dirname(file),
          slot.certificateFile.replace("${FIXTURES}", fixtures).replace("${DPS_HOME}", fixtures),
        );
        try {
          return { certificate: fs.readFileSync(file_, "utf8") };
        } catch {
          return { certificate: "" };
        }
      };
      x509[pairName] = {
        primary: read(pair.primary),
        ...(pair.secondary ? { secondary: read(pair.secondary) } : {}),
      };
    }
    body.attestation = { ...attestation, x509 };
  }
  const custom = entry.customAllocationDefinition;
  if (isMap(custom))
    body.customAllocationDefinition = {
      webhookUrl: SECRETS[String(custom.webhookUrlSecret)] ?? custom.webhookUrlSecret,
      apiVersion: custom.apiVersion,
    };
  return body;
}

/** Does the emulator refuse any entry of this manifest text? */
function emulatorRefuses(text: string, file: string): boolean {
  let document: unknown;
  try {
    document = parse(text);
  } catch {
    return false; // not YAML: no body could be sent at all
  }
  if (!isMap(document)) return false;
  const defaults = isMap(document.defaults) ? document.defaults : {};
  let refused = false;
  for (const [list, parseBody] of [
    ["individualEnrollments", parseIndividualEnrollment],
    ["enrollmentGroups", parseEnrollmentGroup],
  ] as const) {
    const entries = document[list];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (!isMap(entry)) continue;
      const body = dpsBody(merge(defaults, entry), file);
      try {
        parseBody(body, undefined, undefined, emulatorContext);
      } catch {
        refused = true;
      }
    }
  }
  return refused;
}

function validatorRefuses(text: string, file: string): boolean {
  try {
    loadEnrollmentManifestTexts([{ file, text }], OPTIONS);
    return false;
  } catch (error) {
    if (error instanceof ManifestValidationError) return true;
    throw error;
  }
}

const VALID = `individualEnrollments:
  - registrationId: sensor-01
    deviceId: sensor-01
    attestation: { type: symmetricKey, symmetricKey: { primaryKeySecret: meterGroupPrimaryKey, secondaryKeySecret: meterGroupSecondaryKey } }
    allocationPolicy: static
    iotHubs: [weu]
    provisioningStatus: enabled
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: false }
    capabilities: { iotEdge: false }
    initialTwin: { tags: { site: north }, properties: { desired: { interval: 30 } } }
`;

/** One field changed each; most of these DPS refuses. */
const MUTATIONS: [string, string][] = [
  ["registrationId: sensor-01", "registrationId: sensor/01"],
  ["registrationId: sensor-01", "registrationId: -sensor"],
  ["registrationId: sensor-01", `registrationId: ${"s".repeat(129)}`],
  ["deviceId: sensor-01", "deviceId: sensor 01"],
  ["deviceId: sensor-01", `deviceId: ${"d".repeat(129)}`],
  ["allocationPolicy: static", "allocationPolicy: roundRobin"],
  ["allocationPolicy: static", "allocationPolicy: custom"],
  ["iotHubs: [weu]", "iotHubs: [weu, neu]"],
  ["iotHubs: [weu]", "iotHubs: [sea]"],
  ["iotHubs: [weu]", "iotHubs: [other.azure-devices.net]"],
  ["provisioningStatus: enabled", "provisioningStatus: paused"],
  ["updateHubAssignment: true", "updateHubAssignment: yes"],
  ["iotEdge: false", "iotEdge: maybe"],
  ["primaryKeySecret: meterGroupPrimaryKey", "primaryKeySecret: shortKey"],
  [
    "type: symmetricKey, symmetricKey: { primaryKeySecret: meterGroupPrimaryKey, secondaryKeySecret: meterGroupSecondaryKey }",
    "type: tpm, tpm: { endorsementKey: not-base64 }",
  ],
  [
    "type: symmetricKey, symmetricKey: { primaryKeySecret: meterGroupPrimaryKey, secondaryKeySecret: meterGroupSecondaryKey }",
    "type: tpm, tpm: { endorsementKey: AAAA, storageRootKey: '@@' }",
  ],
  [
    "type: symmetricKey, symmetricKey: { primaryKeySecret: meterGroupPrimaryKey, secondaryKeySecret: meterGroupSecondaryKey }",
    "type: none",
  ],
  [
    "type: symmetricKey, symmetricKey: { primaryKeySecret: meterGroupPrimaryKey, secondaryKeySecret: meterGroupSecondaryKey }",
    "type: x509, x509: {}",
  ],
  [
    "type: symmetricKey, symmetricKey: { primaryKeySecret: meterGroupPrimaryKey, secondaryKeySecret: meterGroupSecondaryKey }",
    "type: x509, x509: { clientCertificates: { primary: { certificate: garbage } } }",
  ],
  [
    "initialTwin: { tags: { site: north }, properties: { desired: { interval: 30 } } }",
    "initialTwin: { tags: [north] }",
  ],
  [
    "initialTwin: { tags: { site: north }, properties: { desired: { interval: 30 } } }",
    "initialTwin: { properties: { desired: 30 } }",
  ],
  [
    "allocationPolicy: static\n    iotHubs: [weu]",
    "allocationPolicy: custom\n    customAllocationDefinition: { webhookUrlSecret: labAllocationWebhookUrl, apiVersion: '2017-11-15' }",
  ],
  [
    "allocationPolicy: static\n    iotHubs: [weu]",
    "allocationPolicy: custom\n    customAllocationDefinition: { webhookUrlSecret: labAllocationWebhookUrl, apiVersion: '2021-10-01' }",
  ],
  ["allocationPolicy: static", "allocationPolicy: hashed"],
];

const GROUP_MUTATIONS = [
  "enrollmentGroups:\n  - enrollmentGroupId: chargers\n    attestation: { type: tpm, tpm: { endorsementKey: AAAA } }\n",
  "enrollmentGroups:\n  - enrollmentGroupId: chargers\n    attestation: { type: x509, x509: { caReferences: { primary: unknown-ca } } }\n",
  "enrollmentGroups:\n  - enrollmentGroupId: chargers\n    attestation: { type: x509, x509: { caReferences: { primary: ev-charger-root-ca } } }\n",
  "enrollmentGroups:\n  - enrollmentGroupId: chargers\n    attestation: { type: x509, x509: { signingCertificates: { primary: { certificateFile: '${FIXTURES}/certs/ev-charger-signing-ca.pem' } } } }\n",
  "enrollmentGroups:\n  - enrollmentGroupId: 'chargers!'\n    attestation: { type: symmetricKey }\n",
];

describe("the validator refuses whatever the emulator refuses", () => {
  const inputs: { name: string; file: string; text: string }[] = [
    ...fs
      .readdirSync(corpus)
      .filter((n) => n.endsWith(".yaml"))
      .map((n) => ({
        name: `corpus ${n}`,
        file: path.join(corpus, n),
        text: fs.readFileSync(path.join(corpus, n), "latin1"),
      })),
    ...MUTATIONS.map(([from, to]) => ({
      name: `mutation ${to.split("\n")[0]}`,
      file: path.join(corpus, "mutation.yaml"),
      text: VALID.replace(from, to),
    })),
    ...GROUP_MUTATIONS.map((text) => ({
      name: `group ${text.split("\n")[2]!.trim()}`,
      file: path.join(corpus, "group.yaml"),
      text,
    })),
    { name: "the valid entry", file: path.join(corpus, "valid.yaml"), text: VALID },
  ];

  it("on the corpus and one-field mutations of a valid entry", () => {
    const lenient = inputs
      .filter(({ text, file }) => emulatorRefuses(text, file) && !validatorRefuses(text, file))
      .map((i) => i.name);
    expect(lenient, "refused by the emulator but accepted offline").toEqual([]);
    // The test can fail: many inputs are refused by the emulator.
    expect(inputs.filter(({ text, file }) => emulatorRefuses(text, file)).length).toBeGreaterThanOrEqual(25);
  });

  it("accepts what both accept: the valid entry", () => {
    expect(validatorRefuses(VALID, path.join(corpus, "valid.yaml"))).toBe(false);
    expect(emulatorRefuses(VALID, path.join(corpus, "valid.yaml"))).toBe(false);
  });
});
