/**
 * DPS's words, in the service API's spelling (service API 2021-10-01, `service.json` in
 * Azure/azure-rest-api-specs `specification/deviceprovisioningservices/data-plane`; see
 * docs/dps-contracts.md §1 and §4). Every module that names an allocation policy,
 * a provisioning status or an attestation type takes it from here.
 */

/** Enrollment-level allocation policies (`IndividualEnrollment.allocationPolicy`, SPEC-S21). */
export const ALLOCATION_POLICIES = ["hashed", "geoLatency", "static", "custom"] as const;
export type AllocationPolicy = (typeof ALLOCATION_POLICIES)[number];

/**
 * The DPS-level default policy: `custom` exists only per enrollment ("The DPS default can be
 * hashed, geoLatency or static, not custom": learn.microsoft.com/azure/iot-dps/how-to-use-allocation-policies).
 */
export const DPS_ALLOCATION_POLICIES = ["hashed", "geoLatency", "static"] as const;
export type DpsAllocationPolicy = (typeof DPS_ALLOCATION_POLICIES)[number];

/** `provisioningStatus` (SPEC-S21; default "enabled"). */
export const PROVISIONING_STATUSES = ["enabled", "disabled"] as const;
export type ProvisioningStatus = (typeof PROVISIONING_STATUSES)[number];
export const DEFAULT_PROVISIONING_STATUS: ProvisioningStatus = "enabled";

/**
 * Attestation types this project declares (SPEC-S21 also has "none", which no device can use).
 * DPS has no TPM enrollment groups (learn.microsoft.com/azure/iot-dps/concepts-service#enrollment-group).
 */
export const INDIVIDUAL_ATTESTATION_TYPES = ["symmetricKey", "x509", "tpm"] as const;
export const GROUP_ATTESTATION_TYPES = ["symmetricKey", "x509"] as const;
export type AttestationType = (typeof INDIVIDUAL_ATTESTATION_TYPES)[number];
export type GroupAttestationType = (typeof GROUP_ATTESTATION_TYPES)[number];

/** A value of `allowed` in any casing, in its canonical spelling (DPS compares enums case-insensitively). */
export function canonicalEnum<T extends string>(value: string, allowed: readonly T[]): T | undefined {
  const lower = value.toLowerCase();
  return allowed.find((a) => a.toLowerCase() === lower);
}
