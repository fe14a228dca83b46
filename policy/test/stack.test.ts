import { describe, expect, it } from "vitest";
import { createDpsEnrollmentGroupCountPolicy } from "../policies/dps-enrollment-group-count";
import { dpsEnrollmentUniqueIdsPolicy } from "../policies/dps-enrollment-unique-ids";
import { AZURE_DPS, azureDps, enrollmentGroup, GROUP, INDIVIDUAL, individualEnrollment } from "./fixtures";
import { mutate, runStackPolicy } from "./harness";
import { UNKNOWN_VALUE } from "@dps-as-code/contract";

describe("dps-enrollment-unique-ids", () => {
  const policy = dpsEnrollmentUniqueIdsPolicy;
  it("accepts distinct ids", async () => {
    const resources = [
      { type: INDIVIDUAL, props: individualEnrollment(), name: "a" },
      { type: INDIVIDUAL, props: mutate(individualEnrollment(), "registrationId", "device-002"), name: "b" },
      { type: GROUP, props: mutate(enrollmentGroup(), "enrollmentGroupId", "device-001"), name: "g" },
      { type: AZURE_DPS, props: azureDps(), name: "dps" },
    ];
    expect(await runStackPolicy(policy, resources)).toEqual([]);
  });
  it("reports a registration id declared twice, case-insensitively, on each resource", async () => {
    const resources = [
      { type: INDIVIDUAL, props: individualEnrollment(), name: "first" },
      {
        type: INDIVIDUAL,
        props: mutate(individualEnrollment(), "registrationId", "DEVICE-001"),
        name: "second",
      },
    ];
    const message =
      'registrationId "device-001" is declared by 2 resources ("first", "second") for DPS mydps.azure-devices-provisioning.net; keep one and remove the others.';
    expect(await runStackPolicy(policy, resources)).toEqual([
      { message, urn: "urn:pulumi:test::dps-as-code::pulumi-nodejs:dynamic/dps:IndividualEnrollment::first" },
      {
        message,
        urn: "urn:pulumi:test::dps-as-code::pulumi-nodejs:dynamic/dps:IndividualEnrollment::second",
      },
    ]);
  });
  it("allows the same id in two different DPS instances", async () => {
    const resources = [
      { type: GROUP, props: enrollmentGroup(), name: "weu" },
      {
        type: GROUP,
        props: mutate(enrollmentGroup(), "dps.serviceEndpoint", "other.azure-devices-provisioning.net"),
        name: "neu",
      },
    ];
    expect(await runStackPolicy(policy, resources)).toEqual([]);
  });
  it("compares enrollments whose DPS endpoint is unknown during preview with each other", async () => {
    const resources = [
      { type: GROUP, props: mutate(enrollmentGroup(), "dps.serviceEndpoint", UNKNOWN_VALUE), name: "one" },
      { type: GROUP, props: mutate(enrollmentGroup(), "dps.serviceEndpoint", UNKNOWN_VALUE), name: "two" },
    ];
    const violations = await runStackPolicy(policy, resources);
    expect(violations.map((violation) => violation.message)).toEqual([
      'enrollmentGroupId "sensors-plant-7" is declared by 2 resources ("one", "two") for DPS (DPS endpoint unknown during preview); keep one and remove the others.',
      'enrollmentGroupId "sensors-plant-7" is declared by 2 resources ("one", "two") for DPS (DPS endpoint unknown during preview); keep one and remove the others.',
    ]);
  });
  it("skips enrollments whose id is unknown during preview", async () => {
    const resources = [
      { type: INDIVIDUAL, props: mutate(individualEnrollment(), "registrationId", UNKNOWN_VALUE), name: "a" },
      { type: INDIVIDUAL, props: mutate(individualEnrollment(), "registrationId", UNKNOWN_VALUE), name: "b" },
    ];
    expect(await runStackPolicy(policy, resources)).toEqual([]);
  });
});

describe("dps-enrollment-group-count", () => {
  const groups = (count: number, attestation: Record<string, unknown>) =>
    Array.from({ length: count }, (_, index) => ({
      type: GROUP,
      props: mutate(
        mutate(enrollmentGroup(), "enrollmentGroupId", `group-${index}`),
        "attestation",
        attestation,
      ),
      name: `group-${index}`,
    }));
  const symmetric = { type: "symmetricKey" };
  const x509 = { type: "x509", x509: { caReferences: { primary: "ca" } } };
  it("accepts 100 groups of each kind", async () => {
    const policy = createDpsEnrollmentGroupCountPolicy();
    expect(await runStackPolicy(policy, [...groups(100, symmetric), ...groups(100, x509)])).toEqual([]);
  });
  it("rejects the 101st symmetric-key group", async () => {
    const policy = createDpsEnrollmentGroupCountPolicy();
    expect(await runStackPolicy(policy, [...groups(101, symmetric), ...groups(3, x509)])).toEqual([
      {
        message:
          "DPS mydps.azure-devices-provisioning.net would hold 101 symmetric-key enrollment groups; the limit is 100: merge groups or move some to another DPS.",
      },
    ]);
  });
  it("honours a lower configured maximum", async () => {
    const policy = createDpsEnrollmentGroupCountPolicy();
    expect(await runStackPolicy(policy, groups(3, x509), { maximumGroupsPerKind: 2 })).toEqual([
      {
        message:
          "DPS mydps.azure-devices-provisioning.net would hold 3 X.509 enrollment groups; the limit is 2: merge groups or move some to another DPS.",
      },
    ]);
  });
  it("does not count individual enrollments", async () => {
    const policy = createDpsEnrollmentGroupCountPolicy();
    const individuals = Array.from({ length: 3 }, (_, index) => ({
      type: INDIVIDUAL,
      props: mutate(individualEnrollment(), "registrationId", `d-${index}`),
    }));
    expect(await runStackPolicy(policy, individuals, { maximumGroupsPerKind: 1 })).toEqual([]);
  });
});
