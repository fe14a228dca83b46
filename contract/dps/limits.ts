/**
 * Numeric limits of DPS and of the IoT hubs it assigns devices to. Sources:
 * - DPS quotas: learn.microsoft.com/azure/iot-dps/about-iot-dps#quotas-and-limits
 *   (MicrosoftDocs/azure-docs `includes/iot-dps-limits.md`, 2024-03-06; docs/dps-contracts.md §6).
 * - Symmetric keys: learn.microsoft.com/azure/iot-dps/concepts-symmetric-key-attestation (docs/dps-contracts.md §5).
 * - Allocation weight: ARM `IotHubDefinitionDescription.allocationWeight` ("between one and 1000").
 */

/** Registration ids, enrollment group ids and IoT Hub device ids: at most 128 characters. */
export const MAX_ID_LENGTH = 128;

/** Symmetric keys DPS accepts: base64 of 16 to 64 bytes; the keys it generates are 64 bytes. */
export const SYMMETRIC_KEY_BYTES = { min: 16, max: 64, generated: 64 } as const;

/**
 * Enrollment groups per DPS, counted per attestation type: 100 X.509 groups and 100
 * symmetric-key groups (the latter a hard limit). One count, used by the manifest loader and by
 * the resources, so the two cannot disagree.
 */
export const MAX_ENROLLMENT_GROUPS_PER_ATTESTATION = { symmetricKey: 100, x509: 100 } as const;

/** How messages name the attestation types whose groups are counted. */
export const LIMITED_GROUP_KIND_NAMES: {
  readonly [K in keyof typeof MAX_ENROLLMENT_GROUPS_PER_ATTESTATION]: string;
} = {
  symmetricKey: "symmetric-key",
  x509: "X.509",
};

export const MAX_INDIVIDUAL_ENROLLMENTS = 1_000_000;

/**
 * Service operations a DPS accepts per minute (docs/dps-contracts.md §6 "service operations
 * 1,000 / min / service", adjustable on request): the pace the batch path keeps unless the stack
 * says its DPS has more.
 */
export const SERVICE_OPERATIONS_PER_MINUTE = 1000;

/** Enrollments in one bulk operation (`POST /enrollments`): at most 10 a call (docs/dps-contracts.md §1 "Bulk"). */
export const MAX_BULK_ENROLLMENTS = 10;
export const MAX_LINKED_HUBS = 50;
export const MAX_CA_CERTIFICATES = 25;
export const ALLOCATION_WEIGHT = { min: 1, max: 1000 } as const;

/** The problem when `count` groups of one attestation type exceed DPS's limit; `undefined` within it. */
export function enrollmentGroupLimitProblem(
  type: keyof typeof MAX_ENROLLMENT_GROUPS_PER_ATTESTATION,
  count: number,
): { problem: string; allowed: string } | undefined {
  const max = MAX_ENROLLMENT_GROUPS_PER_ATTESTATION[type];
  if (count <= max) return undefined;
  return {
    problem: `too many ${LIMITED_GROUP_KIND_NAMES[type]} enrollment groups: ${count}`,
    allowed: `at most ${max} per DPS (a DPS limit; use more devices per group, or another DPS)`,
  };
}
