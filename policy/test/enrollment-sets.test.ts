// Every rule about an individual enrollment holds for each entry of an EnrollmentSet, with the
// message it gives for the entry's own resource (naming the enrollment id) and under the same
// policy name, so the same configured enforcement. Each case mutates one entry of a compliant
// set and compares with the same mutation on an IndividualEnrollment resource.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { createPolicies } from "../policies";
import { createDpsEnrollmentAccessNotOwnerPolicy } from "../policies/dps-enrollment-access-not-owner";
import { dpsEnrollmentAllocationWebhookPolicy } from "../policies/dps-enrollment-allocation-webhook";
import { createDpsEnrollmentCertificateExpiryPolicy } from "../policies/dps-enrollment-certificate-expiry";
import { dpsEnrollmentDisabledReviewPolicy } from "../policies/dps-enrollment-disabled-review";
import { dpsEnrollmentInitialTwinNoSecretsPolicy } from "../policies/dps-enrollment-initial-twin-no-secrets";
import { createDpsEnrollmentRegistrationIdPatternPolicy } from "../policies/dps-enrollment-registration-id-pattern";
import { dpsEnrollmentStaticAllocationSingleHubPolicy } from "../policies/dps-enrollment-static-allocation-single-hub";
import { dpsEnrollmentTargetsLinkedHubsPolicy } from "../policies/dps-enrollment-targets-linked-hubs";
import { dpsEnrollmentUniqueIdsPolicy } from "../policies/dps-enrollment-unique-ids";
import { dpsIndividualEnrollmentSymmetricKeyAllowedPolicy } from "../policies/dps-individual-enrollment-symmetric-key-allowed";
import { makeCertificate } from "../../testkit/certificates";
import { ENROLLMENT_SET, enrollmentSet, INDIVIDUAL, individualEnrollment, NOW, setEntry } from "./fixtures";
import { mutate, runResourcePolicy, runStackPolicy } from "./harness";
import {
  encodeEntries,
  encodePackedEntries,
  encodeSetEntries,
  encodeSetSecrets,
  type EntrySecrets,
  type SetEntry,
  UNKNOWN_VALUE,
} from "@dps-as-code/contract";

const set = (props = enrollmentSet()) => ({ type: ENROLLMENT_SET, props, name: "enrollment-set-0-of-1" });
/** The same set as the program sends it as one text (contract/resources/set-text.ts). */
const asText = (props: Record<string, unknown>) => ({
  ...props,
  enrollments: encodeSetEntries(props["enrollments"] as Record<string, SetEntry>),
  secrets: encodeSetSecrets(props["secrets"] as Record<string, EntrySecrets>),
});
const FORMS = [
  ["map", (props: Record<string, unknown>) => props],
  ["text", asText],
] as const;
const individual = (props = individualEnrollment()) => ({ type: INDIVIDUAL, props });
const entry = (field: string, value: unknown) =>
  mutate(enrollmentSet(), `enrollments.device-002.${field}`, value);
const expired = makeCertificate({
  commonName: "device-002",
  notBefore: new Date("2025-01-01T00:00:00Z"),
  notAfter: new Date("2026-05-01T00:00:00Z"),
}).certificatePem;
const ownerConnection =
  "HostName=mydps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=c2VjcmV0LWRwcy1rZXktdmFsdWUtZG8tbm90LWxvZw==";

/** One case per rule: the field of entry device-002 to change (and the value), and the config it runs with. */
const RULES: {
  policy: ResourceValidationPolicy;
  field: string;
  value: unknown;
  config?: Record<string, unknown>;
  message: RegExp;
}[] = [
  {
    policy: dpsEnrollmentTargetsLinkedHubsPolicy,
    field: "iotHubs",
    value: ["hub-old.azure-devices.net"],
    message: /^individual enrollment "device-002" targets hub "hub-old/,
  },
  {
    policy: dpsEnrollmentStaticAllocationSingleHubPolicy,
    field: "iotHubs",
    value: ["hub-weu.azure-devices.net", "hub-neu.azure-devices.net"],
    message: /^individual enrollment "device-002" uses allocationPolicy "static" with 2 hub\(s\)/,
  },
  {
    policy: dpsEnrollmentAllocationWebhookPolicy,
    field: "allocationPolicy",
    value: "custom",
    message:
      /^individual enrollment "device-002" uses allocationPolicy "custom" without customAllocationDefinition\.(apiVersion|webhookUrl);/,
  },
  {
    policy: createDpsEnrollmentCertificateExpiryPolicy(undefined, () => NOW),
    field: "attestation.x509.clientCertificates.primary.certificate",
    value: expired,
    message:
      /^individual enrollment "device-002" attestation\.x509\.clientCertificates\.primary\.certificate \(CN=device-002\) expired/,
  },
  {
    policy: dpsIndividualEnrollmentSymmetricKeyAllowedPolicy,
    field: "attestation",
    value: { type: "symmetricKey" },
    message: /^individual enrollment "device-002" uses symmetric-key attestation without an exception/,
  },
  {
    policy: createDpsEnrollmentRegistrationIdPatternPolicy(),
    field: "provisioningStatus",
    value: "enabled",
    config: { registrationIdPattern: "device-00[1]" },
    message: /^registrationId "device-002" does not match this environment's pattern \/device-00\[1\]\//,
  },
  {
    policy: dpsEnrollmentInitialTwinNoSecretsPolicy,
    field: "initialTwin.tags.conn",
    value: ownerConnection,
    message: /^individual enrollment "device-002" initialTwin\.tags\.conn /,
  },
  {
    policy: dpsEnrollmentDisabledReviewPolicy,
    field: "provisioningStatus",
    value: "disabled",
    message: /^individual enrollment "device-002" is disabled/,
  },
];

describe("policies on enrollment set entries", () => {
  const CASES = FORMS.flatMap(([form, shape]) =>
    RULES.map((rule) => [rule.policy.name, form, shape, rule] as const),
  );
  it.each(CASES)("%s: accepts the compliant set (entries as a %s)", async (_name, _form, shape, rule) => {
    const config = rule.policy.name === "dps-enrollment-registration-id-pattern" ? {} : (rule.config ?? {});
    expect(await runResourcePolicy(rule.policy, set(shape(enrollmentSet())), config)).toEqual({
      violations: [],
    });
  });

  it.each(CASES)(
    "%s: reports the mutated entry as its own resource would (entries as a %s)",
    async (_name, _form, shape, rule) => {
      const inSet = await runResourcePolicy(
        rule.policy,
        set(shape(entry(rule.field, rule.value))),
        rule.config,
      );
      const asResource = await runResourcePolicy(
        rule.policy,
        individual(
          mutate(mutate(individualEnrollment(), "registrationId", "device-002"), rule.field, rule.value),
        ),
        rule.config,
      );
      expect(inSet.violations.length).toBeGreaterThan(0);
      expect(inSet).toEqual(asResource);
      for (const message of inSet.violations) expect(message).toMatch(rule.message);
    },
  );

  it("checks the set's DPS connection for every entry, as for each resource", async () => {
    const props = mutate(enrollmentSet(), "dps.connectionString", ownerConnection);
    const { violations } = await runResourcePolicy(createDpsEnrollmentAccessNotOwnerPolicy(), set(props));
    expect(violations.map((v) => v.split(" is managed")[0])).toEqual([
      'individual enrollment "device-001"',
      'individual enrollment "device-002"',
    ]);
  });

  it.each(FORMS)(
    "reads a custom allocation webhook URL from the set's secrets (as a %s)",
    async (_form, shape) => {
      let props = entry("allocationPolicy", "custom");
      props = mutate(props, "enrollments.device-002.customAllocationDefinition", {
        apiVersion: "2021-10-01",
      });
      props = mutate(props, "secrets.device-002", {
        webhookUrl: "http://alloc.example.com/api/allocate?code=s3cret",
      });
      const { violations } = await runResourcePolicy(dpsEnrollmentAllocationWebhookPolicy, set(shape(props)));
      expect(violations).toEqual([
        'individual enrollment "device-002" custom allocation webhook http://alloc.example.com/api/allocate uses http; DPS would send its key and the device\'s registration unencrypted: use https.',
      ]);
      expect(violations.join()).not.toContain("s3cret");
    },
  );

  describe("hubs named by key, resolved through the set's hubHostNames", () => {
    const HOSTS = { weu: "hub-weu.azure-devices.net", neu: "hub-neu.azure-devices.net" };
    const byKey = (hubs: string[], hubHostNames: unknown = HOSTS) =>
      mutate(asText(entry("iotHubs", hubs)), "hubHostNames", hubHostNames);

    it("checks the host name a key stands for, as if the entry named it", async () => {
      expect(await runResourcePolicy(dpsEnrollmentTargetsLinkedHubsPolicy, set(byKey(["weu"])))).toEqual({
        violations: [],
      });
      const twoHubs = await runResourcePolicy(
        dpsEnrollmentStaticAllocationSingleHubPolicy,
        set(byKey(["weu", "neu"])),
      );
      expect(twoHubs).toEqual(
        await runResourcePolicy(
          dpsEnrollmentStaticAllocationSingleHubPolicy,
          set(entry("iotHubs", ["hub-weu.azure-devices.net", "hub-neu.azure-devices.net"])),
        ),
      );
      expect(twoHubs.violations).toHaveLength(1);
    });

    it("reports a key whose hub is not linked by its host name", async () => {
      const props = byKey(["old"], { ...HOSTS, old: "hub-old.azure-devices.net" });
      const { violations } = await runResourcePolicy(dpsEnrollmentTargetsLinkedHubsPolicy, set(props));
      expect(violations).toHaveLength(1);
      expect(violations[0]).toMatch(
        /^individual enrollment "device-002" targets hub "hub-old\.azure-devices\.net"/,
      );
    });

    it("is not applicable while the host names are unknown (a hub created or updated in this change)", async () => {
      expect(
        await runResourcePolicy(dpsEnrollmentTargetsLinkedHubsPolicy, set(byKey(["weu"], UNKNOWN_VALUE))),
      ).toEqual({
        violations: [],
        notApplicable: "iotHubs or linkedHubs is unknown during preview; checked on update",
      });
    });
  });

  describe("unknown during preview", () => {
    it("is not applicable while the set's entries are unknown", async () => {
      expect(
        await runResourcePolicy(
          dpsEnrollmentDisabledReviewPolicy,
          set(mutate(enrollmentSet(), "enrollments", UNKNOWN_VALUE)),
        ),
      ).toEqual({
        violations: [],
        notApplicable: "the set's enrollments are unknown during preview; checked on update",
      });
    });

    it("checks the known entries while one entry's field is unknown", async () => {
      let props = entry("iotHubs", UNKNOWN_VALUE);
      props = mutate(props, "enrollments.device-001.iotHubs", [
        "hub-weu.azure-devices.net",
        "hub-neu.azure-devices.net",
      ]);
      expect(await runResourcePolicy(dpsEnrollmentStaticAllocationSingleHubPolicy, set(props))).toEqual({
        violations: [
          'individual enrollment "device-001" uses allocationPolicy "static" with 2 hub(s) (hub-weu.azure-devices.net, hub-neu.azure-devices.net); name exactly one hub in iotHubs, or choose "hashed" or "geoLatency".',
        ],
      });
    });

    it("skips a whole entry that is unknown, checking the others", async () => {
      let props = mutate(enrollmentSet(), "enrollments.device-002", UNKNOWN_VALUE);
      props = mutate(props, "enrollments.device-001.provisioningStatus", "disabled");
      const { violations, notApplicable } = await runResourcePolicy(
        dpsEnrollmentDisabledReviewPolicy,
        set(props),
      );
      expect(notApplicable).toBeUndefined();
      expect(violations).toHaveLength(1);
      expect(violations[0]).toMatch(/^individual enrollment "device-001" is disabled/);
    });

    it("is not applicable, with the resource's reason, when no entry can be checked", async () => {
      const props = mutate(enrollmentSet(), "linkedHubs", ["hub-weu.azure-devices.net", UNKNOWN_VALUE]);
      expect(await runResourcePolicy(dpsEnrollmentTargetsLinkedHubsPolicy, set(props))).toEqual(
        await runResourcePolicy(
          dpsEnrollmentTargetsLinkedHubsPolicy,
          individual(
            mutate(individualEnrollment(), "linkedHubs", ["hub-weu.azure-devices.net", UNKNOWN_VALUE]),
          ),
        ),
      );
    });
  });

  describe("dps-enrollment-unique-ids", () => {
    it("reports an id declared in a set and as its own resource", async () => {
      const violations = await runStackPolicy(dpsEnrollmentUniqueIdsPolicy, [
        set(),
        { ...individual(), name: "device-001" },
      ]);
      expect(violations.map((v) => v.message)).toEqual([
        'registrationId "device-001" is declared by 2 resources ("enrollment-set-0-of-1[device-001]", "device-001") for DPS mydps.azure-devices-provisioning.net; keep one and remove the others.',
        'registrationId "device-001" is declared by 2 resources ("enrollment-set-0-of-1[device-001]", "device-001") for DPS mydps.azure-devices-provisioning.net; keep one and remove the others.',
      ]);
    });

    it("reads a set the change leaves alone from its stored outputs: entries packed, or lines stored before", async () => {
      // A stack policy is handed the stored outputs of a set that is not changing
      // (contract/resources/set-stored-form.ts): the duplicate is found there too.
      const props = enrollmentSet() as Record<string, unknown>;
      for (const encode of [encodePackedEntries, encodeEntries]) {
        const stored = { ...props, enrollments: encode(props["enrollments"] as Record<string, SetEntry>) };
        const violations = await runStackPolicy(dpsEnrollmentUniqueIdsPolicy, [
          { type: ENROLLMENT_SET, props: stored, name: "enrollment-set-0-of-1" },
          { ...individual(), name: "device-001" },
        ]);
        expect(violations.map((v) => v.message)).toEqual([
          'registrationId "device-001" is declared by 2 resources ("enrollment-set-0-of-1[device-001]", "device-001") for DPS mydps.azure-devices-provisioning.net; keep one and remove the others.',
          'registrationId "device-001" is declared by 2 resources ("enrollment-set-0-of-1[device-001]", "device-001") for DPS mydps.azure-devices-provisioning.net; keep one and remove the others.',
        ]);
      }
    });

    it("reports an id in two sets, case-insensitively, and nothing for one compliant set", async () => {
      expect(await runStackPolicy(dpsEnrollmentUniqueIdsPolicy, [set()])).toEqual([]);
      const other = mutate(mutate(enrollmentSet(), "enrollments", {}), "enrollments.DEVICE-002", setEntry());
      const violations = await runStackPolicy(dpsEnrollmentUniqueIdsPolicy, [
        set(),
        { type: ENROLLMENT_SET, props: other, name: "enrollment-set-1-of-2" },
      ]);
      expect(violations).toHaveLength(2);
      expect(violations[0]!.message).toContain(
        '("enrollment-set-0-of-1[device-002]", "enrollment-set-1-of-2[DEVICE-002]")',
      );
    });
  });

  it("covers every resource rule of the pack that applies to individual enrollments", () => {
    const covered = new Set(RULES.map((rule) => rule.policy.name));
    covered.add("dps-enrollment-access-not-owner");
    // Rules for groups only (reprovision policy, group symmetric keys) have no set entries to check.
    const notForSetEntries = new Set([
      "dps-enrollment-group-reprovision-policy",
      "dps-enrollment-group-symmetric-key-exception",
      // Read the fleet's EnrollmentLedger, not enrollment resources (its credentials cover set entries too).
      "dps-enrollment-retirement-covered",
      "dps-enrollment-credential-rotation",
    ]);
    const enrollmentRules = createPolicies()
      .filter(
        (policy) =>
          "validateResource" in policy &&
          policy.name.startsWith("dps-") &&
          policy.name.includes("enrollment"),
      )
      .map((policy) => policy.name)
      .filter((name) => !notForSetEntries.has(name));
    expect(enrollmentRules.filter((name) => !covered.has(name))).toEqual([]);
  });
});
