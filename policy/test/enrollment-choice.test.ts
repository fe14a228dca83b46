import { describe, expect, it } from "vitest";
import {
  encodeEntries,
  encodePackedEntries,
  encodeSetEntries,
  ENROLLMENT_LEDGER_TYPE,
  ENROLLMENT_SET_TYPE,
  ledgerIndividual,
  type SetEntry,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";
import { makeCertificate } from "../../testkit/certificates";
import { createDpsEnrollmentIndividualOrGroupPolicy } from "../policies/dps-enrollment-individual-or-group";
import { dpsEnrollmentRetirementCoveredPolicy } from "../policies/dps-enrollment-retirement-covered";
import { enrollmentGroup, GROUP, INDIVIDUAL, individualEnrollment, LOCAL_DPS, localDps } from "./fixtures";
import { mutate, runResourcePolicy, runStackPolicy } from "./harness";

const ca = makeCertificate({ commonName: "Contoso Camera CA", isCa: true });
const otherCa = makeCertificate({ commonName: "Fabrikam Camera CA", isCa: true });
const camera = makeCertificate({ commonName: "cam-001", issuer: ca });
/** A manifest entry's X.509 attestation, as ledgers deployed before the ledger kept certificate facts recorded it. */
const x509Entry = (id: string, pem: string) => ({
  registrationId: id,
  attestation: { type: "x509", x509: { clientCertificates: { primary: { certificate: pem } } } },
});
/** What the ledger records now: the certificate's facts (thumbprint, issuer, key identifier). */
const x509Individual = (id: string, pem: string) => ledgerIndividual(x509Entry(id, pem));

function ledger(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    individualEnrollments: [],
    enrollmentGroups: [],
    caCertificates: [],
    retiredEnrollments: [],
    deletedIndividualEnrollments: [],
    ...overrides,
  };
}

describe("dps-enrollment-retirement-covered", () => {
  const run = (props: Record<string, unknown>) =>
    runResourcePolicy(dpsEnrollmentRetirementCoveredPolicy, {
      type: ENROLLMENT_LEDGER_TYPE,
      props,
      name: "enrollment-ledger",
    });

  it("accepts a ledger with no deletion", async () => {
    expect(await run(ledger())).toEqual({ violations: [] });
  });
  it("accepts deleting an X.509 device whose CA a group references", async () => {
    const props = ledger({
      deletedIndividualEnrollments: [x509Individual("cam-001", camera.certificatePem)],
      enrollmentGroups: [
        {
          enrollmentGroupId: "cams",
          provisioningStatus: "enabled",
          attestation: { type: "x509", x509: { caReferences: { primary: "camera-ca" } } },
        },
      ],
      caCertificates: [{ name: "camera-ca", certificate: ca.certificatePem }],
    });
    expect(await run(props)).toEqual({ violations: [] });
  });
  it("reads a ledger recorded before it kept certificate facts (whole device certificates)", async () => {
    const group = {
      enrollmentGroupId: "cams",
      attestation: {
        type: "x509",
        x509: { signingCertificates: { primary: { certificate: ca.certificatePem } } },
      },
    };
    expect(
      await run(
        ledger({
          deletedIndividualEnrollments: [x509Entry("cam-001", camera.certificatePem)],
          enrollmentGroups: [group],
        }),
      ),
    ).toEqual({ violations: [] });
    const other = {
      ...group,
      attestation: {
        type: "x509",
        x509: { signingCertificates: { primary: { certificate: otherCa.certificatePem } } },
      },
    };
    expect(
      (
        await run(
          ledger({
            deletedIndividualEnrollments: [x509Entry("cam-001", camera.certificatePem)],
            enrollmentGroups: [other],
          }),
        )
      ).violations,
    ).toHaveLength(1);
  });
  it("accepts deleting an X.509 device whose issuer is a group's signing certificate", async () => {
    const props = ledger({
      deletedIndividualEnrollments: [x509Individual("cam-001", camera.certificatePem)],
      enrollmentGroups: [
        {
          enrollmentGroupId: "cams",
          attestation: {
            type: "x509",
            x509: { signingCertificates: { primary: { certificate: ca.certificatePem } } },
          },
        },
      ],
    });
    expect(await run(props)).toEqual({ violations: [] });
  });
  it("refuses deleting an X.509 device when only a group of another CA exists, naming the issuer", async () => {
    const props = ledger({
      deletedIndividualEnrollments: [x509Individual("cam-001", camera.certificatePem)],
      enrollmentGroups: [
        {
          enrollmentGroupId: "cams",
          attestation: {
            type: "x509",
            x509: { signingCertificates: { primary: { certificate: otherCa.certificatePem } } },
          },
        },
      ],
    });
    expect(await run(props)).toEqual({
      violations: [
        'individual enrollment "cam-001" is deleted but no enrollment group of this stack covers its device (no enabled X.509 enrollment group holds the certificate that issued it (CN=Contoso Camera CA)): ' +
          "the device could no longer provision. Create or widen the group first, in an earlier change (npm run plan-enrollment-move), or, if the device is retired on purpose, list it under retiredEnrollments with the reason.",
      ],
    });
  });
  it("refuses deleting a symmetric-key device when the only symmetric-key group is disabled", async () => {
    const props = ledger({
      deletedIndividualEnrollments: [{ registrationId: "sensor-01", attestation: { type: "symmetricKey" } }],
      enrollmentGroups: [
        {
          enrollmentGroupId: "sensors",
          provisioningStatus: "disabled",
          attestation: { type: "symmetricKey" },
        },
      ],
    });
    expect((await run(props)).violations).toEqual([
      expect.stringContaining(
        '"sensor-01" is deleted but no enrollment group of this stack covers its device (no enabled symmetric-key enrollment group)',
      ),
    ]);
  });
  it("accepts deleting a symmetric-key device an enabled symmetric-key group covers", async () => {
    const props = ledger({
      deletedIndividualEnrollments: [{ registrationId: "sensor-01", attestation: { type: "symmetricKey" } }],
      enrollmentGroups: [
        {
          enrollmentGroupId: "sensors",
          provisioningStatus: "enabled",
          attestation: { type: "symmetricKey" },
        },
      ],
    });
    expect(await run(props)).toEqual({ violations: [] });
  });
  it("refuses deleting a TPM device: DPS has no TPM groups", async () => {
    const props = ledger({
      deletedIndividualEnrollments: [{ registrationId: "tpm-01", attestation: { type: "tpm" } }],
    });
    expect((await run(props)).violations).toEqual([
      expect.stringContaining("(DPS has no TPM enrollment groups)"),
    ]);
  });
  it("accepts an uncovered deletion the change lists in retiredEnrollments (case-insensitive)", async () => {
    const props = ledger({
      deletedIndividualEnrollments: [{ registrationId: "tpm-01", attestation: { type: "tpm" } }],
      retiredEnrollments: [{ registrationId: "TPM-01", reason: "scrapped" }],
    });
    expect(await run(props)).toEqual({ violations: [] });
  });
  it("is not applicable to other resources", async () => {
    expect(
      await runResourcePolicy(dpsEnrollmentRetirementCoveredPolicy, {
        type: INDIVIDUAL,
        props: individualEnrollment(),
      }),
    ).toEqual({ violations: [] });
  });
  it("is not applicable while the ledger is unknown during preview", async () => {
    expect(await run(ledger({ caCertificates: UNKNOWN_VALUE }))).toEqual({
      violations: [],
      notApplicable: "the enrollment ledger is unknown during preview; checked on update",
    });
  });
});

describe("dps-enrollment-individual-or-group", () => {
  const policy = createDpsEnrollmentIndividualOrGroupPolicy();
  const sensors = (count: number): { type: string; name: string; props: Record<string, unknown> }[] =>
    Array.from({ length: count }, (_, i) => ({
      type: INDIVIDUAL,
      name: `sensor-${i + 1}`,
      props: {
        ...mutate(individualEnrollment(), "registrationId", `sensor-${String(i + 1).padStart(2, "0")}`),
        attestation: { type: "symmetricKey" },
      },
    }));

  it("suggests a group for five individual enrollments sharing one configuration", async () => {
    const violations = await runStackPolicy(policy, sensors(5));
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toMatch(
      /^5 individual enrollments share one configuration \(symmetric key; hubs .*\): sensor-01, sensor-02, sensor-03, sensor-04, sensor-05; one enrollment group \("sensor-group"\) would replace them/,
    );
  });
  it("gives the same suggestion for the same enrollments on the batch path (entries of an EnrollmentSet)", async () => {
    const entries = sensors(5).map(({ props }) => {
      const { registrationId, dps: _dps, linkedHubs: _hubs, ...entry } = props;
      return [String(registrationId), entry] as const;
    });
    const set = {
      type: ENROLLMENT_SET_TYPE,
      name: "enrollment-set-00-of-01",
      props: {
        dps: individualEnrollment()["dps"],
        shard: "00-of-01",
        enrollments: Object.fromEntries(entries),
        secrets: {},
      },
    };
    const [individual] = await runStackPolicy(policy, sensors(5));
    expect(await runStackPolicy(policy, [set])).toEqual([individual]);
    // A set the change leaves alone reaches a stack policy as its stored outputs: entries packed
    // (or lines, stored by an older version).
    for (const encode of [encodePackedEntries, encodeEntries]) {
      const stored = {
        ...set,
        props: {
          ...set.props,
          enrollments: encode(set.props.enrollments as unknown as Record<string, SetEntry>),
        },
      };
      expect(await runStackPolicy(policy, [stored])).toEqual([individual]);
    }
    // The program sends the entries as one text, hubs by key with the set's hubHostNames.
    const hubs = individualEnrollment()["iotHubs"] as string[];
    const byKey = Object.fromEntries(hubs.map((host, i) => [`hub-${i}`, host]));
    const text = {
      ...set,
      props: {
        ...set.props,
        enrollments: encodeSetEntries(
          Object.fromEntries(
            entries.map(([id, entry]) => [id, { ...entry, iotHubs: Object.keys(byKey) }]),
          ) as unknown as Record<string, SetEntry>,
        ),
        secrets: "{}",
        hubHostNames: byKey,
      },
    };
    expect(await runStackPolicy(policy, [text])).toEqual([individual]);
  });
  it("stays quiet below the threshold, and follows a configured threshold", async () => {
    expect(await runStackPolicy(policy, sensors(4))).toEqual([]);
    expect(await runStackPolicy(policy, sensors(3), { minimumSharedConfiguration: 3 })).toHaveLength(1);
  });
  it("leaves out individual enrollments marked for individual traceability", async () => {
    const resources = sensors(5);
    resources[0]!.props = { ...resources[0]!.props, labels: { traceability: "individual" } };
    expect(await runStackPolicy(policy, resources)).toEqual([]);
  });
  it("points out a group marked for individual traceability, on the group", async () => {
    const marked = {
      type: GROUP,
      name: "pumps",
      props: { ...enrollmentGroup(), labels: { audit: "per-device" } },
    };
    expect(
      await runStackPolicy(policy, [marked], { traceabilityLabel: "audit", traceabilityValue: "per-device" }),
    ).toEqual([
      {
        message: `enrollment group "${String(enrollmentGroup()["enrollmentGroupId"])}" is marked "audit: per-device": its devices need individual traceability; enroll each one individually and retire the group.`,
        urn: "urn:pulumi:test::dps-as-code::pulumi-nodejs:dynamic/dps:EnrollmentGroup::pumps",
      },
    ]);
  });
  it("groups X.509 devices by the DPS CA certificate that issued them", async () => {
    const cams = Array.from({ length: 5 }, (_, i) => {
      const id = `cam-00${i + 1}`;
      const cert = makeCertificate({ commonName: id, issuer: ca });
      return {
        type: INDIVIDUAL,
        name: id,
        props: {
          ...mutate(individualEnrollment(), "registrationId", id),
          attestation: x509Entry(id, cert.certificatePem).attestation,
        },
      };
    });
    const dps = {
      type: LOCAL_DPS,
      name: "dps",
      props: {
        ...localDps(),
        caCertificates: [{ name: "camera-ca", certificate: ca.certificatePem, isVerified: true }],
      },
    };
    const violations = await runStackPolicy(policy, [...cams, dps]);
    expect(violations.map((v) => v.message)).toEqual([
      expect.stringContaining('(X.509 issued by DPS CA certificate "camera-ca" (CN=Contoso Camera CA);'),
    ]);
  });
});
