import { describe, expect, it } from "vitest";
import { dpsEnrollmentAllocationWebhookPolicy } from "../policies/dps-enrollment-allocation-webhook";
import { createDpsEnrollmentCertificateExpiryPolicy } from "../policies/dps-enrollment-certificate-expiry";
import { dpsEnrollmentDisabledReviewPolicy } from "../policies/dps-enrollment-disabled-review";
import { dpsEnrollmentGroupReprovisionPolicyPolicy } from "../policies/dps-enrollment-group-reprovision-policy";
import { dpsEnrollmentGroupSymmetricKeyExceptionPolicy } from "../policies/dps-enrollment-group-symmetric-key-exception";
import { dpsEnrollmentInitialTwinNoSecretsPolicy } from "../policies/dps-enrollment-initial-twin-no-secrets";
import { createDpsEnrollmentRegistrationIdPatternPolicy } from "../policies/dps-enrollment-registration-id-pattern";
import { dpsEnrollmentStaticAllocationSingleHubPolicy } from "../policies/dps-enrollment-static-allocation-single-hub";
import { dpsEnrollmentTargetsLinkedHubsPolicy } from "../policies/dps-enrollment-targets-linked-hubs";
import { dpsIndividualEnrollmentSymmetricKeyAllowedPolicy } from "../policies/dps-individual-enrollment-symmetric-key-allowed";
import { makeCertificate, pemToBase64Der } from "../../testkit/certificates";
import {
  AZURE_DPS,
  azureDps,
  DPS_CERTIFICATE,
  dpsCertificate,
  enrollmentGroup,
  GROUP,
  INDIVIDUAL,
  individualEnrollment,
  NOW,
} from "./fixtures";
import { mutate, runResourcePolicy } from "./harness";
import { DPS_CA_CERTIFICATE_TYPE, UNKNOWN_VALUE } from "@dps-as-code/contract";

const individual = (props = individualEnrollment()) => ({ type: INDIVIDUAL, props });
const group = (props = enrollmentGroup()) => ({ type: GROUP, props });
const DAY = 86_400_000;

describe("dps-enrollment-targets-linked-hubs", () => {
  const policy = dpsEnrollmentTargetsLinkedHubsPolicy;
  it("accepts enrollments that target linked hubs", async () => {
    expect(await runResourcePolicy(policy, individual())).toEqual({ violations: [] });
    expect(await runResourcePolicy(policy, group())).toEqual({ violations: [] });
  });
  it("rejects a target that is not linked, listing the linked hubs", async () => {
    const props = mutate(enrollmentGroup(), "iotHubs", [
      "hub-weu.azure-devices.net",
      "hub-old.azure-devices.net",
    ]);
    expect((await runResourcePolicy(policy, group(props))).violations).toEqual([
      'enrollment group "sensors-plant-7" targets hub "hub-old.azure-devices.net", which is not linked to the DPS; use one of: hub-weu.azure-devices.net, hub-neu.azure-devices.net, or link the hub first.',
    ]);
  });
  it("compares host names case-insensitively", async () => {
    const props = mutate(individualEnrollment(), "iotHubs", ["HUB-WEU.azure-devices.net"]);
    expect((await runResourcePolicy(policy, individual(props))).violations).toEqual([]);
  });
  it("is not applicable when the enrollment names no hubs", async () => {
    const props = mutate(enrollmentGroup(), "iotHubs", undefined);
    expect((await runResourcePolicy(policy, group(props))).notApplicable).toBe(
      "the enrollment names no hubs; DPS chooses among all linked hubs",
    );
  });
  it("defers when a linked hub name is unknown during preview", async () => {
    const props = mutate(individualEnrollment(), "linkedHubs", ["hub-weu.azure-devices.net", UNKNOWN_VALUE]);
    expect((await runResourcePolicy(policy, individual(props))).notApplicable).toBe(
      "iotHubs or linkedHubs is unknown during preview; checked on update",
    );
  });
});

describe("dps-enrollment-static-allocation-single-hub", () => {
  const policy = dpsEnrollmentStaticAllocationSingleHubPolicy;
  it("accepts a static enrollment with one hub", async () => {
    expect(await runResourcePolicy(policy, individual())).toEqual({ violations: [] });
  });
  it("rejects a static policy with two hubs", async () => {
    const props = mutate(individualEnrollment(), "iotHubs", [
      "hub-weu.azure-devices.net",
      "hub-neu.azure-devices.net",
    ]);
    expect((await runResourcePolicy(policy, individual(props))).violations).toEqual([
      'individual enrollment "device-001" uses allocationPolicy "static" with 2 hub(s) (hub-weu.azure-devices.net, hub-neu.azure-devices.net); name exactly one hub in iotHubs, or choose "hashed" or "geoLatency".',
    ]);
  });
  it("rejects a static policy with no hub", async () => {
    const props = mutate(individualEnrollment(), "iotHubs", undefined);
    expect((await runResourcePolicy(policy, individual(props))).violations).toEqual([
      'individual enrollment "device-001" uses allocationPolicy "static" with 0 hub(s); name exactly one hub in iotHubs, or choose "hashed" or "geoLatency".',
    ]);
  });
  it("ignores hashed groups with several hubs", async () => {
    expect(await runResourcePolicy(policy, group())).toEqual({ violations: [] });
  });
  it("defers when iotHubs is unknown during preview", async () => {
    const props = mutate(individualEnrollment(), "iotHubs", UNKNOWN_VALUE);
    expect((await runResourcePolicy(policy, individual(props))).notApplicable).toBe(
      "iotHubs is unknown during preview; checked on update",
    );
  });
});

describe("dps-enrollment-allocation-webhook", () => {
  const policy = dpsEnrollmentAllocationWebhookPolicy;
  const custom = (webhookUrl: unknown, apiVersion: unknown = "2021-10-01") => {
    const props = mutate(enrollmentGroup(), "allocationPolicy", "custom");
    return group(mutate(props, "customAllocationDefinition", { webhookUrl, apiVersion }));
  };
  it("accepts an https webhook with its key in the query string", async () => {
    expect(
      await runResourcePolicy(policy, custom("https://alloc.example.net/api/allocate?code=S3CR3T-K3Y")),
    ).toEqual({ violations: [] });
  });
  it("rejects an http webhook without printing its key", async () => {
    const { violations } = await runResourcePolicy(
      policy,
      custom("http://alloc.example.net/api/allocate?code=S3CR3T-K3Y"),
    );
    expect(violations).toEqual([
      'enrollment group "sensors-plant-7" custom allocation webhook http://alloc.example.net/api/allocate uses http; DPS would send its key and the device\'s registration unencrypted: use https.',
    ]);
    expect(violations.join()).not.toContain("S3CR3T");
  });
  it("rejects credentials before the host name without printing them", async () => {
    const { violations } = await runResourcePolicy(
      policy,
      custom("https://ops:S3CR3T@alloc.example.net/api/allocate"),
    );
    expect(violations).toEqual([
      'enrollment group "sensors-plant-7" custom allocation webhook https://alloc.example.net/api/allocate carries credentials before the host name; remove them and use the function key in the query string, passed as a Pulumi secret.',
    ]);
    expect(violations.join()).not.toContain("S3CR3T");
  });
  it("rejects a custom policy without webhook URL and apiVersion", async () => {
    const props = mutate(enrollmentGroup(), "allocationPolicy", "custom");
    expect((await runResourcePolicy(policy, group(props))).violations).toEqual([
      'enrollment group "sensors-plant-7" uses allocationPolicy "custom" without customAllocationDefinition.apiVersion; set it (e.g. "2021-10-01").',
      'enrollment group "sensors-plant-7" uses allocationPolicy "custom" without customAllocationDefinition.webhookUrl; pass the webhook URL as a Pulumi secret.',
    ]);
  });
  it("ignores enrollments without custom allocation", async () => {
    expect(await runResourcePolicy(policy, group())).toEqual({ violations: [] });
  });
  it("skips the URL checks while the URL is unknown during preview", async () => {
    expect(await runResourcePolicy(policy, custom(UNKNOWN_VALUE))).toEqual({ violations: [] });
  });
});

describe("dps-enrollment-certificate-expiry", () => {
  const policy = createDpsEnrollmentCertificateExpiryPolicy(undefined, () => NOW);
  const withCertificate = (pem: string) =>
    individual(
      mutate(individualEnrollment(), "attestation.x509.clientCertificates.primary.certificate", pem),
    );
  it("accepts a certificate valid for a year", async () => {
    expect(await runResourcePolicy(policy, individual())).toEqual({ violations: [] });
  });
  it("rejects an expired certificate naming its subject and date", async () => {
    const pem = makeCertificate({
      commonName: "device-001",
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2026-05-01T00:00:00Z"),
    }).certificatePem;
    expect((await runResourcePolicy(policy, withCertificate(pem))).violations).toEqual([
      'individual enrollment "device-001" attestation.x509.clientCertificates.primary.certificate (CN=device-001) expired on 2026-05-01T00:00:00.000Z; issue a new certificate and replace it.',
    ]);
  });
  it("rejects a certificate expiring within the window", async () => {
    const pem = makeCertificate({
      commonName: "device-001",
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date(NOW.getTime() + 10 * DAY),
    }).certificatePem;
    expect((await runResourcePolicy(policy, withCertificate(pem))).violations).toEqual([
      'individual enrollment "device-001" attestation.x509.clientCertificates.primary.certificate (CN=device-001) expires on 2026-06-11T00:00:00.000Z, in 10 day(s) (window: 30); roll it over now, using the secondary slot.',
    ]);
  });
  it("honours a configured window", async () => {
    const pem = makeCertificate({
      commonName: "device-001",
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date(NOW.getTime() + 10 * DAY),
    }).certificatePem;
    expect(
      (await runResourcePolicy(policy, withCertificate(pem), { expiryWarningDays: 7 })).violations,
    ).toEqual([]);
  });
  it("rejects text that is no certificate", async () => {
    expect(
      (
        await runResourcePolicy(
          policy,
          withCertificate("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"),
        )
      ).violations,
    ).toEqual([
      'individual enrollment "device-001" attestation.x509.clientCertificates.primary.certificate is not a readable X.509 certificate (PEM or base64 DER); replace it.',
    ]);
  });
  it("checks the project's DpsCaCertificate as it checks azure-native's DpsCertificate", async () => {
    const pem = makeCertificate({
      commonName: "plant-ca",
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2026-01-01T00:00:00Z"),
    }).certificatePem;
    const props = mutate(dpsCertificate(), "properties.certificate", pem);
    expect(
      (await runResourcePolicy(policy, { type: DPS_CA_CERTIFICATE_TYPE, props, name: "plant-ca" }))
        .violations,
    ).toEqual([
      'DPS certificate "plant-ca" properties.certificate (CN=plant-ca) expired on 2026-01-01T00:00:00.000Z; issue a new certificate and replace it.',
    ]);
  });
  it("checks DPS CA certificates given as base64 DER", async () => {
    const pem = makeCertificate({
      commonName: "plant-ca",
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2026-01-01T00:00:00Z"),
    }).certificatePem;
    const props = mutate(dpsCertificate(), "properties.certificate", pemToBase64Der(pem));
    expect(
      (await runResourcePolicy(policy, { type: DPS_CERTIFICATE, props, name: "plant-ca" })).violations,
    ).toEqual([
      'DPS certificate "plant-ca" properties.certificate (CN=plant-ca) expired on 2026-01-01T00:00:00.000Z; issue a new certificate and replace it.',
    ]);
  });
  it("reads a certificate given as base64 of PEM", async () => {
    const pem = makeCertificate({
      commonName: "device-001",
      notBefore: new Date("2025-01-01T00:00:00Z"),
      notAfter: new Date("2026-05-01T00:00:00Z"),
    }).certificatePem;
    const { violations } = await runResourcePolicy(
      policy,
      withCertificate(Buffer.from(pem).toString("base64")),
    );
    expect(violations).toEqual([
      'individual enrollment "device-001" attestation.x509.clientCertificates.primary.certificate (CN=device-001) expired on 2026-05-01T00:00:00.000Z; issue a new certificate and replace it.',
    ]);
  });
  it("ignores symmetric-key enrollments and CA-reference groups", async () => {
    const props = mutate(individualEnrollment(), "attestation", { type: "symmetricKey" });
    expect(await runResourcePolicy(policy, individual(props))).toEqual({ violations: [] });
    expect(await runResourcePolicy(policy, group())).toEqual({ violations: [] });
  });
  it("defers when the attestation is unknown during preview", async () => {
    const props = mutate(individualEnrollment(), "attestation", UNKNOWN_VALUE);
    expect((await runResourcePolicy(policy, individual(props))).notApplicable).toBe(
      "attestation is unknown during preview; checked on update",
    );
  });
});

describe("dps-individual-enrollment-symmetric-key-allowed", () => {
  const policy = dpsIndividualEnrollmentSymmetricKeyAllowedPolicy;
  const symmetric = mutate(individualEnrollment(), "attestation", { type: "symmetricKey" });
  it("accepts X.509 enrollments", async () => {
    expect(await runResourcePolicy(policy, individual())).toEqual({ violations: [] });
  });
  it("rejects a symmetric-key enrollment without an exception", async () => {
    expect((await runResourcePolicy(policy, individual(symmetric))).violations).toEqual([
      'individual enrollment "device-001" uses symmetric-key attestation without an exception; use X.509 or TPM, or set allowSymmetricKeyInProduction to the documented reason this device needs a symmetric key.',
    ]);
  });
  it("accepts a symmetric-key enrollment marked with a reason", async () => {
    const props = mutate(
      symmetric,
      "allowSymmetricKeyInProduction",
      "legacy gateway without a secure element (TICKET-123)",
    );
    expect(await runResourcePolicy(policy, individual(props))).toEqual({ violations: [] });
  });
  it("does not count a blank reason", async () => {
    const props = mutate(symmetric, "allowSymmetricKeyInProduction", "  ");
    expect((await runResourcePolicy(policy, individual(props))).violations).toHaveLength(1);
  });
  it("does not apply to groups", async () => {
    expect(
      await runResourcePolicy(
        policy,
        group(mutate(enrollmentGroup(), "attestation", { type: "symmetricKey" })),
      ),
    ).toEqual({ violations: [] });
  });
});

describe("dps-enrollment-group-symmetric-key-exception", () => {
  const policy = dpsEnrollmentGroupSymmetricKeyExceptionPolicy;
  const symmetric = mutate(enrollmentGroup(), "attestation", { type: "symmetricKey" });
  it("accepts X.509 CA groups", async () => {
    expect(await runResourcePolicy(policy, group())).toEqual({ violations: [] });
  });
  it("rejects a symmetric-key group without an exception", async () => {
    expect((await runResourcePolicy(policy, group(symmetric))).violations).toEqual([
      'enrollment group "sensors-plant-7" uses a symmetric group key, which derives every device key in the group; prefer an X.509 CA group (attestation.x509.caReferences), or set allowSymmetricKeyInProduction to the documented exception.',
    ]);
  });
  it("accepts a symmetric-key group with a documented exception", async () => {
    const props = mutate(symmetric, "allowSymmetricKeyInProduction", "constrained MCU fleet, ADR-7");
    expect(await runResourcePolicy(policy, group(props))).toEqual({ violations: [] });
  });
  it("defers when the attestation is unknown during preview", async () => {
    const props = mutate(enrollmentGroup(), "attestation.type", UNKNOWN_VALUE);
    expect((await runResourcePolicy(policy, group(props))).notApplicable).toBe(
      "attestation or allowSymmetricKeyInProduction is unknown during preview; checked on update",
    );
  });
});

describe("dps-enrollment-registration-id-pattern", () => {
  const policy = createDpsEnrollmentRegistrationIdPatternPolicy();
  it("accepts ids that follow DPS's rule by default", async () => {
    expect(await runResourcePolicy(policy, individual())).toEqual({ violations: [] });
    expect(await runResourcePolicy(policy, group())).toEqual({ violations: [] });
  });
  it("rejects an id DPS itself would refuse", async () => {
    const props = mutate(individualEnrollment(), "registrationId", "device 001!");
    expect((await runResourcePolicy(policy, individual(props))).violations).toEqual([
      'registrationId "device 001!" does not match this environment\'s pattern /^[A-Za-z0-9](?:[A-Za-z0-9._:-]{0,126}[A-Za-z0-9-])?$/; rename the enrollment.',
    ]);
  });
  it("applies the environment's pattern to the whole id", async () => {
    const config = { registrationIdPattern: "prod-[a-z0-9-]+" };
    expect((await runResourcePolicy(policy, individual(), config)).violations).toEqual([
      'registrationId "device-001" does not match this environment\'s pattern /prod-[a-z0-9-]+/; rename the enrollment.',
    ]);
    const props = mutate(individualEnrollment(), "registrationId", "prod-device-001");
    expect((await runResourcePolicy(policy, individual(props), config)).violations).toEqual([]);
  });
  it("reports an invalid configured pattern instead of crashing", async () => {
    expect((await runResourcePolicy(policy, group(), { enrollmentGroupIdPattern: "(" })).violations).toEqual([
      "Policy config enrollmentGroupIdPattern /(/ is not a valid regular expression; fix the policy config file.",
    ]);
  });
  it("defers when the id is unknown during preview", async () => {
    const props = mutate(individualEnrollment(), "registrationId", UNKNOWN_VALUE);
    expect((await runResourcePolicy(policy, individual(props))).notApplicable).toBe(
      "the enrollment id is unknown during preview; checked on update",
    );
  });
});

describe("dps-enrollment-initial-twin-no-secrets", () => {
  const policy = dpsEnrollmentInitialTwinNoSecretsPolicy;
  const twin = (path: string, value: unknown) =>
    individual(mutate(individualEnrollment(), `initialTwin.${path}`, value));
  it("accepts ordinary tags and desired properties", async () => {
    expect(await runResourcePolicy(policy, individual())).toEqual({ violations: [] });
  });
  it("rejects a connection string in a desired property without printing it", async () => {
    const { violations } = await runResourcePolicy(
      policy,
      twin("properties.desired.upload", {
        target: "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=QUJDREVGR0g=",
      }),
    );
    expect(violations).toEqual([
      'individual enrollment "device-001" initialTwin.properties.desired.upload.target holds a storage connection string; twins are readable by hub services and stored in plain text: deliver the secret another way (Key Vault, device-side secure storage).',
    ]);
    expect(violations.join()).not.toContain("QUJDREVGR0g");
  });
  it("rejects an opaque value under a key-like name", async () => {
    expect(
      (await runResourcePolicy(policy, twin("tags.apiKey", "c2VjcmV0LXZhbHVlLWRvLW5vdC1zaGlw"))).violations,
    ).toEqual([
      'individual enrollment "device-001" initialTwin.tags.apiKey is named like a secret and holds an opaque 32-character value; twins are readable by hub services and stored in plain text: deliver the secret another way (Key Vault, device-side secure storage).',
    ]);
  });
  it("accepts a short readable value under a key-like name", async () => {
    expect((await runResourcePolicy(policy, twin("tags.primaryKey", "rotated-monthly"))).violations).toEqual(
      [],
    );
  });
  it("finds a SAS token inside an array", async () => {
    const token = "SharedAccessSignature sr=hub.azure-devices.net&sig=abc&se=1";
    expect(
      (await runResourcePolicy(policy, twin("properties.desired.endpoints", ["ok", token]))).violations,
    ).toEqual([
      'individual enrollment "device-001" initialTwin.properties.desired.endpoints[1] holds a SAS token; twins are readable by hub services and stored in plain text: deliver the secret another way (Key Vault, device-side secure storage).',
    ]);
  });
  it("still checks known values next to one unknown during preview", async () => {
    let props = mutate(individualEnrollment(), "initialTwin.tags.site", UNKNOWN_VALUE);
    props = mutate(props, "initialTwin.tags.password", "aHVudGVyMmh1bnRlcjJodW50ZXIy");
    expect((await runResourcePolicy(policy, individual(props))).violations).toHaveLength(1);
  });
  it("is not applicable without an initial twin", async () => {
    const props = mutate(individualEnrollment(), "initialTwin", undefined);
    expect((await runResourcePolicy(policy, individual(props))).notApplicable).toBe(
      "the enrollment has no initial twin",
    );
  });
});

describe("dps-enrollment-disabled-review", () => {
  const policy = dpsEnrollmentDisabledReviewPolicy;
  it("accepts enabled enrollments", async () => {
    expect(await runResourcePolicy(policy, individual())).toEqual({ violations: [] });
  });
  it("flags a disabled group", async () => {
    const props = mutate(enrollmentGroup(), "provisioningStatus", "disabled");
    expect((await runResourcePolicy(policy, group(props))).violations).toEqual([
      'enrollment group "sensors-plant-7" is disabled: DPS refuses every device of this group; confirm that is intended, or set provisioningStatus to "enabled" (or remove the enrollment).',
    ]);
  });
  it("ignores DPS instances", async () => {
    expect(await runResourcePolicy(policy, { type: AZURE_DPS, props: azureDps() })).toEqual({
      violations: [],
    });
  });
});

describe("dps-enrollment-group-reprovision-policy", () => {
  const policy = dpsEnrollmentGroupReprovisionPolicyPolicy;
  it("accepts a group with an explicit reprovision policy", async () => {
    expect(await runResourcePolicy(policy, group())).toEqual({ violations: [] });
  });
  it("rejects a group without reprovisionPolicy", async () => {
    const props = mutate(enrollmentGroup(), "reprovisionPolicy", undefined);
    expect((await runResourcePolicy(policy, group(props))).violations).toEqual([
      'enrollment group "sensors-plant-7" does not set reprovisionPolicy.updateHubAssignment and reprovisionPolicy.migrateDeviceData; state both (DPS defaults to updateHubAssignment: true, migrateDeviceData: true, which moves devices when allocation changes).',
    ]);
  });
  it("rejects a group that sets only one field", async () => {
    const props = mutate(enrollmentGroup(), "reprovisionPolicy", { updateHubAssignment: false });
    expect((await runResourcePolicy(policy, group(props))).violations).toEqual([
      'enrollment group "sensors-plant-7" does not set reprovisionPolicy.migrateDeviceData; state both (DPS defaults to updateHubAssignment: true, migrateDeviceData: true, which moves devices when allocation changes).',
    ]);
  });
  it("does not apply to individual enrollments", async () => {
    expect(await runResourcePolicy(policy, individual())).toEqual({ violations: [] });
  });
});
