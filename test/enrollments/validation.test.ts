import { describe, expect, it } from "vitest";
import { validateEnrollmentInputs, type CheckFailure } from "../../components/enrollments/validation";
import { UNKNOWN_VALUE } from "@dps-as-code/contract";
import { makeCertificate } from "../../testkit/certificates";

const NOW = new Date("2030-01-01T00:00:00Z");
const KEY_A = Buffer.alloc(32, 1).toString("base64");
const KEY_B = Buffer.alloc(32, 2).toString("base64");
const CS = "HostName=localhost:8443;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=" + KEY_A;
const dps = { serviceEndpoint: "localhost:8443", connectionString: CS };

const individual = (over: Record<string, unknown> = {}) => ({
  registrationId: "dev-1",
  attestation: { type: "symmetricKey" },
  dps,
  ...over,
});
const group = (over: Record<string, unknown> = {}) => ({
  enrollmentGroupId: "line-a",
  attestation: { type: "symmetricKey" },
  dps,
  ...over,
});

const reasons = (failures: CheckFailure[]) => failures.map((f) => f.reason);

describe("validateEnrollmentInputs", () => {
  it("accepts a minimal symmetric-key individual enrollment and group", () => {
    expect(validateEnrollmentInputs("individual", individual(), NOW)).toEqual([]);
    expect(validateEnrollmentInputs("group", group(), NOW)).toEqual([]);
  });

  it.each([
    ["Bad Id!", true],
    ["-leading", true],
    ["trailing.", true],
    ["a".repeat(129), true],
    ["a", false],
    ["sn-007:888_abc.mac-", false],
    ["A".repeat(128), false],
  ])("judges registration id %j (invalid: %s)", (id, invalid) => {
    const failures = validateEnrollmentInputs("individual", individual({ registrationId: id }), NOW);
    expect(failures.length > 0).toBe(invalid);
  });

  it("names the enrollment, the field, the value and the rule for a bad id", () => {
    expect(validateEnrollmentInputs("group", group({ enrollmentGroupId: "line a" }), NOW)).toEqual([
      {
        property: "enrollmentGroupId",
        reason:
          "enrollment group \"line a\": enrollmentGroupId \"line a\" is not a valid DPS id: use 1 to 128 characters from letters, digits, '-', '.', '_' and ':', starting with a letter or digit and ending with a letter, digit or '-'",
        detail:
          "\"line a\" is not a valid DPS id: use 1 to 128 characters from letters, digits, '-', '.', '_' and ':', starting with a letter or digit and ending with a letter, digit or '-'",
      },
    ]);
  });

  it("rejects a key that is not base64 without echoing it", () => {
    const failures = validateEnrollmentInputs(
      "individual",
      individual({
        attestation: {
          type: "symmetricKey",
          symmetricKey: { primaryKey: "not base64!!", secondaryKey: KEY_B },
        },
      }),
      NOW,
    );
    expect(reasons(failures)).toEqual([
      'individual enrollment "dev-1": attestation.symmetricKey.primaryKey (value hidden: secret) is not valid base64: use standard base64 with padding, e.g. from `openssl rand -base64 64`',
    ]);
    expect(JSON.stringify(failures)).not.toContain("not base64!!");
  });

  it("rejects keys shorter than 16 or longer than 64 bytes", () => {
    const short = Buffer.alloc(15).toString("base64");
    const long = Buffer.alloc(65).toString("base64");
    const failures = validateEnrollmentInputs(
      "group",
      group({
        attestation: { type: "symmetricKey", symmetricKey: { primaryKey: short, secondaryKey: long } },
      }),
      NOW,
    );
    expect(reasons(failures)).toEqual([
      'enrollment group "line-a": attestation.symmetricKey.primaryKey (value hidden: secret) decodes to 15 bytes: DPS accepts 16 to 64 bytes',
      'enrollment group "line-a": attestation.symmetricKey.secondaryKey (value hidden: secret) decodes to 65 bytes: DPS accepts 16 to 64 bytes',
    ]);
  });

  it("requires both keys or neither", () => {
    const failures = validateEnrollmentInputs(
      "individual",
      individual({ attestation: { type: "symmetricKey", symmetricKey: { primaryKey: KEY_A } } }),
      NOW,
    );
    expect(failures.map((f) => f.property)).toEqual(["attestation.symmetricKey"]);
  });

  it("rejects a static policy with two hubs", () => {
    const failures = validateEnrollmentInputs(
      "individual",
      individual({ allocationPolicy: "static", iotHubs: ["a.azure-devices.net", "b.azure-devices.net"] }),
      NOW,
    );
    expect(reasons(failures)).toEqual([
      'individual enrollment "dev-1": iotHubs has 2 hubs ("a.azure-devices.net", "b.azure-devices.net"): allocationPolicy "static" needs exactly one hub',
    ]);
  });

  it("rejects a static policy without hubs", () => {
    expect(
      reasons(validateEnrollmentInputs("individual", individual({ allocationPolicy: "static" }), NOW)),
    ).toEqual([
      'individual enrollment "dev-1": iotHubs is required with allocationPolicy "static": give exactly one hub',
    ]);
  });

  it("requires a webhook and an api version for custom allocation, hiding the URL", () => {
    const failures = validateEnrollmentInputs(
      "group",
      group({
        allocationPolicy: "custom",
        customAllocationDefinition: {
          webhookUrl: "http://f.example/api?code=SECRET",
          apiVersion: "2017-01-01",
        },
      }),
      NOW,
    );
    expect(reasons(failures)).toEqual([
      'enrollment group "line-a": customAllocationDefinition.webhookUrl (value hidden: secret) must be an https:// URL of the allocation webhook',
      'enrollment group "line-a": customAllocationDefinition.apiVersion "2017-01-01" is not allowed: use a DPS API version: 2018-09-01-preview, 2018-11-01, 2019-03-31, 2021-06-01, 2021-10-01, 2021-11-01-preview, 2025-07-01-preview, 2026-04-01, 2026-07-01-preview, 2026-11-01 (2021-10-01 is what the Node SDK uses)',
    ]);
    expect(JSON.stringify(failures)).not.toContain("SECRET");
    expect(reasons(validateEnrollmentInputs("group", group({ allocationPolicy: "custom" }), NOW))).toEqual([
      'enrollment group "line-a": customAllocationDefinition is required with allocationPolicy "custom": { webhookUrl, apiVersion }',
    ]);
  });

  it("rejects hubs that are not linked when the linked hubs are known", () => {
    const failures = validateEnrollmentInputs(
      "individual",
      individual({
        allocationPolicy: "hashed",
        iotHubs: ["Hub-B.azure-devices.net"],
        linkedHubs: ["hub-a.azure-devices.net"],
      }),
      NOW,
    );
    expect(reasons(failures)).toEqual([
      'individual enrollment "dev-1": iotHubs contains "hub-b.azure-devices.net", which is not linked to this DPS: use one of "hub-a.azure-devices.net"',
    ]);
  });

  it("skips the linked-hub rule while the linked hubs are unknown (preview)", () => {
    expect(
      validateEnrollmentInputs(
        "individual",
        individual({
          allocationPolicy: "hashed",
          iotHubs: ["hub-b.azure-devices.net"],
          linkedHubs: [UNKNOWN_VALUE],
        }),
        NOW,
      ),
    ).toEqual([]);
    expect(
      validateEnrollmentInputs(
        "individual",
        individual({ registrationId: UNKNOWN_VALUE, attestation: UNKNOWN_VALUE, dps: UNKNOWN_VALUE }),
        NOW,
      ),
    ).toEqual([]);
  });

  it("accepts enum values in any case, as DPS does, and rejects unknown ones", () => {
    expect(
      validateEnrollmentInputs(
        "individual",
        individual({ allocationPolicy: "GeoLatency", provisioningStatus: "Disabled" }),
        NOW,
      ),
    ).toEqual([]);
    expect(
      reasons(validateEnrollmentInputs("individual", individual({ allocationPolicy: "random" }), NOW)),
    ).toEqual([
      'individual enrollment "dev-1": allocationPolicy "random" is not allowed: use one of "hashed", "geoLatency", "static", "custom"',
    ]);
  });

  it("rejects TPM on a group and individual-only fields on a group", () => {
    const failures = validateEnrollmentInputs(
      "group",
      group({ attestation: { type: "tpm", tpm: { endorsementKey: KEY_A } }, deviceId: "d" }),
      NOW,
    );
    expect(reasons(failures)).toEqual([
      'enrollment group "line-a": deviceId is not allowed: enrollment groups have no such field (individual enrollments only)',
      'enrollment group "line-a": attestation.type "tpm" is not allowed (DPS has no TPM enrollment groups): use one of "symmetricKey", "x509"',
    ]);
  });

  it("requires a base64 TPM endorsement key", () => {
    expect(
      reasons(
        validateEnrollmentInputs(
          "individual",
          individual({ attestation: { type: "tpm", tpm: { endorsementKey: "%%" } } }),
          NOW,
        ),
      ),
    ).toEqual([
      'individual enrollment "dev-1": attestation.tpm.endorsementKey is not valid base64: give the TPM\'s endorsementKey as base64',
    ]);
  });

  it("parses X.509 certificates and rejects expired or unparseable ones", () => {
    const valid = makeCertificate({ commonName: "dev-1", notAfter: new Date("2031-01-01T00:00:00Z") });
    const expired = makeCertificate({
      commonName: "old-ca",
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2029-06-01T00:00:00Z"),
      isCa: true,
    });
    expect(
      validateEnrollmentInputs(
        "individual",
        individual({
          attestation: {
            type: "x509",
            x509: { clientCertificates: { primary: { certificate: valid.certificatePem } } },
          },
        }),
        NOW,
      ),
    ).toEqual([]);
    const base64OfPem = Buffer.from(valid.certificatePem).toString("base64");
    expect(
      validateEnrollmentInputs(
        "individual",
        individual({
          attestation: {
            type: "x509",
            x509: { clientCertificates: { primary: { certificate: base64OfPem } } },
          },
        }),
        NOW,
      ),
    ).toEqual([]);
    const failures = validateEnrollmentInputs(
      "group",
      group({
        attestation: {
          type: "x509",
          x509: {
            signingCertificates: {
              primary: { certificate: expired.certificatePem },
              secondary: { certificate: "garbage" },
            },
          },
        },
      }),
      NOW,
    );
    expect(reasons(failures)).toEqual([
      'enrollment group "line-a": attestation.x509.signingCertificates.primary.certificate (subject "CN=old-ca") expired on 2029-06-01T00:00:00.000Z: devices cannot attest with it; give a certificate valid after 2030-01-01T00:00:00.000Z',
      "enrollment group \"line-a\": attestation.x509.signingCertificates.secondary.certificate is not a PEM certificate (nor base64 of PEM or DER): use one PEM certificate ('-----BEGIN CERTIFICATE-----' ... '-----END CERTIFICATE-----'), public part only",
    ]);
  });

  it("requires exactly one of signing certificates or CA references on an X.509 group", () => {
    const cert = makeCertificate({
      commonName: "ca",
      isCa: true,
      notAfter: new Date("2031-01-01T00:00:00Z"),
    });
    const both = {
      type: "x509",
      x509: {
        signingCertificates: { primary: { certificate: cert.certificatePem } },
        caReferences: { primary: "root" },
      },
    };
    expect(reasons(validateEnrollmentInputs("group", group({ attestation: both }), NOW))).toEqual([
      'enrollment group "line-a": attestation.x509 must give exactly one of signingCertificates or caReferences, got signingCertificates and caReferences',
    ]);
    expect(
      validateEnrollmentInputs(
        "group",
        group({ attestation: { type: "x509", x509: { caReferences: { primary: "root" } } } }),
        NOW,
      ),
    ).toEqual([]);
    expect(
      reasons(
        validateEnrollmentInputs(
          "individual",
          individual({ attestation: { type: "x509", x509: { caReferences: { primary: "root" } } } }),
          NOW,
        ),
      ),
    ).toEqual([
      'individual enrollment "dev-1": attestation.x509.caReferences is not allowed on an individual enrollment: use clientCertificates',
      'individual enrollment "dev-1": attestation.x509 must give clientCertificates',
    ]);
  });

  it("checks the connection without echoing the connection string", () => {
    const wrongHost = "HostName=other:1;SharedAccessKeyName=p;SharedAccessKey=" + KEY_A;
    const failures = validateEnrollmentInputs(
      "individual",
      individual({ dps: { serviceEndpoint: "localhost:8443", connectionString: wrongHost } }),
      NOW,
    );
    expect(reasons(failures)).toEqual([
      'individual enrollment "dev-1": dps.connectionString is for host "other:1", not for serviceEndpoint "localhost:8443": use the connection string of the same DPS',
    ]);
    expect(JSON.stringify(failures)).not.toContain(KEY_A);
    expect(
      reasons(
        validateEnrollmentInputs("individual", individual({ dps: { serviceEndpoint: "https://x/" } }), NOW),
      ),
    ).toEqual([
      'individual enrollment "dev-1": dps.serviceEndpoint "https://x/" is not a host name: use "mydps.azure-devices-provisioning.net" or "localhost:8443" (no scheme, no path)',
      'individual enrollment "dev-1": dps needs connectionString (a shared access policy) or useEntraId: true',
    ]);
  });

  it("rejects twin collections over IoT Hub's size limits and unknown twin sections", () => {
    const big = { a: "x".repeat(3000), b: "x".repeat(3000), c: "x".repeat(2990) };
    expect(
      reasons(
        validateEnrollmentInputs("individual", individual({ initialTwin: { tags: big, reported: {} } }), NOW),
      ),
    ).toEqual([
      'individual enrollment "dev-1": initialTwin.reported is not allowed: an initial twin has only tags and properties.desired',
      'individual enrollment "dev-1": initialTwin.tags is 9012 bytes: IoT Hub allows at most 8192 bytes of twin tags',
    ]);
  });

  it("rejects initial twins that break IoT Hub's key, depth and value rules", () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 11; i++) deep = { [`level${i}`]: deep };
    const desired = { "a.b": 1, $c: 2, "d e": 3, ok: { big: 2 ** 60 } };
    expect(
      reasons(
        validateEnrollmentInputs(
          "individual",
          individual({ initialTwin: { tags: deep, properties: { desired } } }),
          NOW,
        ),
      ),
    ).toEqual([
      "individual enrollment \"dev-1\": initialTwin.tags nests objects more than 10 levels deep at 'level10/level9/level8/level7/level6/level5/level4/level3/level2/level1/level0': IoT Hub allows at most 10 levels of nested objects",
      "individual enrollment \"dev-1\": initialTwin.properties.desired has a key with '.' at 'a.b': IoT Hub allows keys of at most 1 KB without '.', '$', spaces or control characters",
      "individual enrollment \"dev-1\": initialTwin.properties.desired has a key with '$' at '$c': IoT Hub allows keys of at most 1 KB without '.', '$', spaces or control characters",
      "individual enrollment \"dev-1\": initialTwin.properties.desired has a key with a space at 'd e': IoT Hub allows keys of at most 1 KB without '.', '$', spaces or control characters",
      "individual enrollment \"dev-1\": initialTwin.properties.desired has integer 1152921504606847000, out of range at 'ok/big': IoT Hub allows integers from -4503599627370496 to 4503599627370495",
    ]);
  });
});
