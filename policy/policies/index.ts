import type { Policies } from "@pulumi/policy";
import { createDpsEnrollmentAccessNotOwnerPolicy } from "./dps-enrollment-access-not-owner";
import { dpsEnrollmentAllocationWebhookPolicy } from "./dps-enrollment-allocation-webhook";
import { createDpsEnrollmentCertificateExpiryPolicy } from "./dps-enrollment-certificate-expiry";
import { dpsEnrollmentDisabledReviewPolicy } from "./dps-enrollment-disabled-review";
import { createDpsEnrollmentGroupCountPolicy } from "./dps-enrollment-group-count";
import { createDpsEnrollmentX509GroupCountPolicy } from "./dps-enrollment-x509-group-count";
import { dpsEnrollmentGroupReprovisionPolicyPolicy } from "./dps-enrollment-group-reprovision-policy";
import { dpsEnrollmentGroupSymmetricKeyExceptionPolicy } from "./dps-enrollment-group-symmetric-key-exception";
import { dpsEnrollmentInitialTwinNoSecretsPolicy } from "./dps-enrollment-initial-twin-no-secrets";
import { createDpsEnrollmentRegistrationIdPatternPolicy } from "./dps-enrollment-registration-id-pattern";
import { dpsEnrollmentStaticAllocationSingleHubPolicy } from "./dps-enrollment-static-allocation-single-hub";
import { dpsEnrollmentTargetsLinkedHubsPolicy } from "./dps-enrollment-targets-linked-hubs";
import { dpsEnrollmentUniqueIdsPolicy } from "./dps-enrollment-unique-ids";
import { createDpsEnrollmentIndividualOrGroupPolicy } from "./dps-enrollment-individual-or-group";
import { dpsEnrollmentRetirementCoveredPolicy } from "./dps-enrollment-retirement-covered";
import { dpsEnrollmentCredentialRotationPolicy } from "./dps-enrollment-credential-rotation";
import { dpsIndividualEnrollmentSymmetricKeyAllowedPolicy } from "./dps-individual-enrollment-symmetric-key-allowed";
import { dpsServiceAllocationWeightsPolicy } from "./dps-service-allocation-weights";
import { createDpsServiceLinkedHubsPolicy } from "./dps-service-linked-hubs";
import { createDpsServiceNetworkAccessPolicy } from "./dps-service-network-access";
import { createIotHubDpsLinkAccessPolicy } from "./iothub-hub-dps-link-access-policy";
import { iotHubMinTlsVersionPolicy } from "./iothub-hub-min-tls-version";
import { createIotHubNetworkAccessPolicy } from "./iothub-hub-network-access";
import { createIotHubSkuSupportsTwinsPolicy } from "./iothub-hub-sku-supports-twins";

/**
 * Every policy of the pack, with the defaults of a development environment. Per-environment
 * values and enforcement levels come from the policy config files (policy/config/*.json).
 * Kept apart from index.ts: constructing the PolicyPack starts a gRPC server, so tests import this.
 */
export function createPolicies(): Policies {
  return [
    // IoT Hub
    iotHubMinTlsVersionPolicy,
    createIotHubSkuSupportsTwinsPolicy(),
    createIotHubNetworkAccessPolicy(),
    createIotHubDpsLinkAccessPolicy(),
    // DPS
    createDpsServiceLinkedHubsPolicy(),
    dpsServiceAllocationWeightsPolicy,
    createDpsEnrollmentAccessNotOwnerPolicy(),
    createDpsServiceNetworkAccessPolicy(),
    // Enrollments
    dpsEnrollmentTargetsLinkedHubsPolicy,
    dpsEnrollmentStaticAllocationSingleHubPolicy,
    dpsEnrollmentAllocationWebhookPolicy,
    createDpsEnrollmentCertificateExpiryPolicy(),
    dpsIndividualEnrollmentSymmetricKeyAllowedPolicy,
    dpsEnrollmentGroupSymmetricKeyExceptionPolicy,
    createDpsEnrollmentRegistrationIdPatternPolicy(),
    dpsEnrollmentInitialTwinNoSecretsPolicy,
    dpsEnrollmentDisabledReviewPolicy,
    dpsEnrollmentGroupReprovisionPolicyPolicy,
    // Stack-wide
    dpsEnrollmentUniqueIdsPolicy,
    createDpsEnrollmentGroupCountPolicy(),
    createDpsEnrollmentX509GroupCountPolicy(),
    createDpsEnrollmentIndividualOrGroupPolicy(),
    // Deletions (through the fleet's enrollment ledger)
    dpsEnrollmentRetirementCoveredPolicy,
    // Credential rotations (through the same ledger)
    dpsEnrollmentCredentialRotationPolicy,
  ];
}
