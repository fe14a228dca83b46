import { describe, expect, it } from "vitest";
import { diffEnrollment } from "../../components/enrollments/diff";
import { canonicalSettings } from "../../components/enrollments/normalize";
import { buildOutputs } from "../../components/enrollments/provider";
import { enrollmentStoredForms } from "../../components/enrollments/stored-forms";
import {
  type EnrollmentInputs,
  providerReference,
  storedProviderForm,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";
import { makeCertificate } from "../../testkit/certificates";

const KEY_A = Buffer.alloc(32, 1).toString("base64");
const KEY_B = Buffer.alloc(32, 2).toString("base64");
const KEY_C = Buffer.alloc(32, 3).toString("base64");
const dps = {
  serviceEndpoint: "localhost:8443",
  connectionString: "HostName=localhost:8443;SharedAccessKeyName=p;SharedAccessKey=" + KEY_A,
};

function base(over: Partial<EnrollmentInputs> = {}): EnrollmentInputs {
  return {
    registrationId: "dev-1",
    attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_A, secondaryKey: KEY_B } },
    iotHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
    allocationPolicy: "hashed",
    initialTwin: { tags: { line: "a" } },
    dps,
    ...over,
  };
}

/** State as create() would record it for `inputs`. */
function stateOf(inputs: EnrollmentInputs) {
  const keys =
    inputs.attestation.type === "symmetricKey" && inputs.attestation.symmetricKey?.primaryKey
      ? {
          primaryKey: inputs.attestation.symmetricKey.primaryKey,
          secondaryKey: inputs.attestation.symmetricKey.secondaryKey ?? "",
        }
      : { primaryKey: KEY_A, secondaryKey: KEY_B };
  return buildOutputs(inputs, { etag: '"1"' }, keys, false);
}

describe("diffEnrollment", () => {
  it("reports no change for an unchanged enrollment", () => {
    expect(diffEnrollment("individual", stateOf(base()), base())).toEqual({
      changes: false,
      replaces: [],
      updates: [],
      deleteBeforeReplace: false,
    });
  });

  it("ignores what DPS normalises: enum case, hub order and case, empty twin, explicit defaults", () => {
    const old = stateOf(base({ initialTwin: undefined }));
    const same = base({
      allocationPolicy: "Hashed" as never,
      iotHubs: ["HUB-B.azure-devices.net", "hub-a.azure-devices.net"],
      initialTwin: { tags: {}, properties: { desired: {} } },
      provisioningStatus: "enabled",
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
      capabilities: { iotEdge: false },
    });
    expect(diffEnrollment("individual", old, same).changes).toBe(false);
  });

  it("replaces, deleting first, when the registration id changes", () => {
    expect(diffEnrollment("individual", stateOf(base()), base({ registrationId: "dev-2" }))).toEqual({
      changes: true,
      replaces: ["registrationId"],
      updates: [],
      deleteBeforeReplace: true,
    });
  });

  it("treats a change of id case as the same enrollment (DPS ids are case-insensitive)", () => {
    expect(diffEnrollment("individual", stateOf(base()), base({ registrationId: "DEV-1" })).changes).toBe(
      false,
    );
  });

  it("replaces when the attestation type or the DPS changes", () => {
    const tpm = base({ attestation: { type: "tpm", tpm: { endorsementKey: KEY_C } } });
    expect(diffEnrollment("individual", stateOf(base()), tpm).replaces).toEqual(["attestation"]);
    const otherDps = base({ dps: { ...dps, serviceEndpoint: "other.azure-devices-provisioning.net" } });
    expect(diffEnrollment("individual", stateOf(base()), otherDps).replaces).toEqual(["dps"]);
  });

  it("updates in place when a hub, the twin or the status changes, naming only those fields", () => {
    const changed = base({
      iotHubs: ["hub-a.azure-devices.net"],
      initialTwin: { tags: { line: "b" } },
      provisioningStatus: "disabled",
    });
    expect(diffEnrollment("individual", stateOf(base()), changed)).toEqual({
      changes: true,
      replaces: [],
      updates: ["initialTwin", "iotHubs", "provisioningStatus"],
      deleteBeforeReplace: false,
    });
  });

  it("updates the attestation when one declared key changes (rotation)", () => {
    const rotated = base({
      attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_A, secondaryKey: KEY_C } },
    });
    expect(diffEnrollment("individual", stateOf(base()), rotated).updates).toEqual(["attestation"]);
  });

  it("keeps DPS-generated keys when no keys are declared", () => {
    const generated = base({ attestation: { type: "symmetricKey" } });
    expect(diffEnrollment("individual", stateOf(generated), generated).changes).toBe(false);
  });

  it("updates (without replacing) when only the connection string or delete option changes", () => {
    const rotatedPolicy = base({
      dps: { ...dps, connectionString: dps.connectionString.replace(KEY_A, KEY_B) },
      deleteRegistrationStateOnDelete: true,
    });
    expect(diffEnrollment("individual", stateOf(base()), rotatedPolicy)).toEqual({
      changes: true,
      replaces: [],
      updates: ["deleteRegistrationStateOnDelete", "dps"],
      deleteBeforeReplace: false,
    });
  });

  it("updates in place, naming only __provider, when the state carries another provider text (an older version's embedded code)", () => {
    const withProvider = (inputs: EnrollmentInputs, text: string) =>
      ({ ...inputs, __provider: text }) as unknown as EnrollmentInputs;
    const olds = {
      ...stateOf(base()),
      __provider: "exports.handler = __f0; /* 97 KB of embedded code */",
    } as never;
    expect(
      diffEnrollment("individual", olds, withProvider(base(), "exports.handler = function () {}")),
    ).toEqual({ changes: true, replaces: [], updates: ["__provider"], deleteBeforeReplace: false });
    const current = { ...stateOf(base()), __provider: "exports.handler = function () {}" } as never;
    expect(
      diffEnrollment("individual", current, withProvider(base(), "exports.handler = function () {}")).changes,
    ).toBe(false);
  });

  it("sees no change when the state holds an older reference (a folder) and the program the provider's name", () => {
    for (const form of enrollmentStoredForms("individual").filter(
      (f) => f.field === "__provider" && storedProviderForm(f.example as string) === "folder",
    )) {
      const olds = { ...stateOf(base()), __provider: form.example } as never;
      const news = { ...base(), __provider: providerReference("IndividualEnrollment") } as never;
      expect(diffEnrollment("individual", olds, news), form.writtenBy).toEqual({
        changes: false,
        replaces: [],
        updates: [],
        deleteBeforeReplace: false,
      });
    }
  });

  it("never diffs on linkedHubs or adoptExisting, which only matter to check and create", () => {
    expect(
      diffEnrollment(
        "individual",
        stateOf(base()),
        base({ linkedHubs: ["x.azure-devices.net"], adoptExisting: true }),
      ).changes,
    ).toBe(false);
  });

  it("compares certificates by content, whatever form they were given in", () => {
    const cert = makeCertificate({ commonName: "dev-1" });
    const pem = base({
      attestation: {
        type: "x509",
        x509: { clientCertificates: { primary: { certificate: cert.certificatePem } } },
      },
    });
    const b64 = base({
      attestation: {
        type: "x509",
        x509: {
          clientCertificates: {
            primary: { certificate: Buffer.from(cert.certificatePem).toString("base64") },
          },
        },
      },
    });
    expect(diffEnrollment("individual", stateOf(pem), b64).changes).toBe(false);
    const other = makeCertificate({ commonName: "dev-1" });
    const renewed = base({
      attestation: {
        type: "x509",
        x509: {
          clientCertificates: {
            primary: { certificate: cert.certificatePem },
            secondary: { certificate: other.certificatePem },
          },
        },
      },
    });
    expect(diffEnrollment("individual", stateOf(pem), renewed).updates).toEqual(["attestation"]);
  });

  it("reports unknown values during preview as updates, not replacements", () => {
    const preview = base({ initialTwin: UNKNOWN_VALUE as never, attestation: UNKNOWN_VALUE as never });
    expect(diffEnrollment("individual", stateOf(base()), preview)).toEqual({
      changes: true,
      replaces: [],
      updates: ["attestation", "initialTwin"],
      deleteBeforeReplace: false,
    });
  });

  it("replaces when the id itself is unknown", () => {
    expect(
      diffEnrollment("individual", stateOf(base()), base({ registrationId: UNKNOWN_VALUE })).replaces,
    ).toEqual(["registrationId"]);
  });
});

describe("canonicalSettings", () => {
  it("applies DPS's defaults in one place", () => {
    expect(canonicalSettings("group", { attestation: { type: "symmetricKey" } })).toEqual({
      deviceId: undefined,
      attestation: { type: "symmetricKey" },
      iotHubs: undefined,
      allocationPolicy: undefined,
      customAllocationDefinition: undefined,
      reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
      initialTwin: undefined,
      capabilities: { iotEdge: false },
      provisioningStatus: "enabled",
      optionalDeviceInformation: undefined,
    });
  });

  it("drops the service's twin bookkeeping", () => {
    const twin = {
      tags: { a: 1, $metadata: { x: 1 }, version: null },
      properties: { desired: { $version: 3 } },
    };
    expect(
      canonicalSettings("individual", { attestation: { type: "symmetricKey" }, initialTwin: twin as never })
        .initialTwin,
    ).toEqual({ tags: { a: 1 } });
  });
});
