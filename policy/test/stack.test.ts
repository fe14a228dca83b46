import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createDpsEnrollmentGroupCountPolicy } from "../policies/dps-enrollment-group-count";
import { createDpsEnrollmentX509GroupCountPolicy } from "../policies/dps-enrollment-x509-group-count";
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

describe("dps-enrollment-group-count", () => {
  it("accepts 100 symmetric-key groups and any number of X.509 groups", async () => {
    const policy = createDpsEnrollmentGroupCountPolicy();
    expect(await runStackPolicy(policy, [...groups(100, symmetric), ...groups(150, x509)])).toEqual([]);
  });
  it("rejects the 101st symmetric-key group: DPS's fixed limit", async () => {
    const policy = createDpsEnrollmentGroupCountPolicy();
    expect(await runStackPolicy(policy, [...groups(101, symmetric), ...groups(3, x509)])).toEqual([
      {
        message:
          "DPS mydps.azure-devices-provisioning.net would hold 101 symmetric-key enrollment groups; allowed: at most 100 per DPS (a fixed DPS limit, not raised on request; use more devices per group, individual enrollments, or another DPS).",
      },
    ]);
  });
  it("honours a lower configured maximum", async () => {
    const policy = createDpsEnrollmentGroupCountPolicy();
    expect(await runStackPolicy(policy, groups(3, symmetric), { maximumSymmetricKeyGroups: 2 })).toEqual([
      {
        message:
          "DPS mydps.azure-devices-provisioning.net would hold 3 symmetric-key enrollment groups; this environment allows 2: merge groups or move some to another DPS.",
      },
    ]);
  });
  it("refuses a configured maximum above DPS's fixed limit", () => {
    const schema = createDpsEnrollmentGroupCountPolicy().configSchema!.properties!.maximumSymmetricKeyGroups!;
    expect(schema).toMatchObject({ maximum: 100 });
  });
  it("does not count individual enrollments", async () => {
    const policy = createDpsEnrollmentGroupCountPolicy();
    const individuals = Array.from({ length: 3 }, (_, index) => ({
      type: INDIVIDUAL,
      props: mutate(individualEnrollment(), "registrationId", `d-${index}`),
    }));
    expect(await runStackPolicy(policy, individuals, { maximumSymmetricKeyGroups: 1 })).toEqual([]);
  });
});

describe("dps-enrollment-x509-group-count", () => {
  it("says nothing up to DPS's default of 100 X.509 groups, whatever the symmetric-key groups", async () => {
    const policy = createDpsEnrollmentX509GroupCountPolicy();
    expect(await runStackPolicy(policy, [...groups(100, x509), ...groups(150, symmetric)])).toEqual([]);
  });
  it("advises at the 101st X.509 group, naming the stack key that raises the limit", async () => {
    const policy = createDpsEnrollmentX509GroupCountPolicy();
    expect(await runStackPolicy(policy, groups(101, x509))).toEqual([
      {
        message:
          "DPS mydps.azure-devices-provisioning.net: 101 X.509 enrollment groups exceed DPS's default limit of 100, so DPS will refuse the ones past it unless Microsoft has raised this DPS's limit; allowed: at most 100 per DPS, or more once Microsoft raised the limit (an adjustable DPS limit: open an Azure support request), then set dps-as-code:dpsLimits.x509EnrollmentGroups in the stack's Pulumi.<stack>.yaml to the raised value, and this policy's maximumX509Groups in policy/config/<environment>.json.",
      },
    ]);
  });
  it("says nothing once the environment states its DPS's raised limit", async () => {
    const policy = createDpsEnrollmentX509GroupCountPolicy();
    expect(await runStackPolicy(policy, groups(250, x509), { maximumX509Groups: 300 })).toEqual([]);
  });
  it("is advisory in every environment's config", () => {
    for (const env of ["dev", "prod", "local"]) {
      const config = JSON.parse(
        fs.readFileSync(path.join(__dirname, "..", "config", `${env}.json`), "utf8"),
      ) as Record<string, { enforcementLevel?: string }>;
      expect(config["dps-enrollment-x509-group-count"]?.enforcementLevel, env).toBe("advisory");
    }
  });
});
