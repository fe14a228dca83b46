/**
 * Field catalogues of the enrollment resources: which outputs are secret in state, which are
 * output-only (what DPS or the provider adds to the inputs), and which field names hold secrets
 * wherever they appear. The resources register with these lists, the providers split outputs by
 * them, and the reports mask by them: one list each.
 */

/**
 * Outputs of IndividualEnrollment / EnrollmentGroup stored as secrets: keys, the connection (its
 * connection string), the webhook (its URL carries a function key). The attestation output never
 * holds keys (they move to primaryKey / secondaryKey), so X.509 and TPM diffs stay readable.
 */
export const ENROLLMENT_SECRET_OUTPUTS = [
  "primaryKey",
  "secondaryKey",
  "dps",
  "customAllocationDefinition",
] as const;

/** Outputs of an EnrollmentSet stored as secrets: the connection, the entries' secrets, their keys. */
export const ENROLLMENT_SET_SECRET_OUTPUTS = ["dps", "secrets", "keys"] as const;

/** Outputs of the local platform's DPS stored as secrets. */
export const LOCAL_DPS_SECRET_OUTPUTS = ["connectionString"] as const;

/**
 * What an enrollment's outputs hold beyond its inputs (the provider keeps the inputs in its
 * outputs, for readable diffs): everything else in the outputs is an input.
 */
export const ENROLLMENT_OUTPUT_ONLY = [
  "serviceEndpoint",
  "etag",
  "createdDateTimeUtc",
  "lastUpdatedDateTimeUtc",
  "primaryKey",
  "secondaryKey",
  "adopted",
  "__provider",
] as const;

export type EnrollmentOutputOnlyField = (typeof ENROLLMENT_OUTPUT_ONLY)[number];

export function isEnrollmentOutputOnly(field: string): field is EnrollmentOutputOnlyField {
  return (ENROLLMENT_OUTPUT_ONLY as readonly string[]).includes(field);
}

/**
 * Inputs that steer how the resource reaches DPS or who owns a record, not what DPS holds for
 * the enrollment: an enrollment that moves between a set and its own resource is unchanged when
 * only these differ.
 */
export const ENROLLMENT_PLUMBING_INPUTS = [
  "__provider",
  "dps",
  "linkedHubs",
  "owner",
  "adoptExisting",
] as const;

/** Field names whose values are secret whatever the state says (masked in every report). */
export const SECRET_FIELD_NAMES = [
  "primaryKey",
  "secondaryKey",
  "webhookUrl",
  "connectionString",
  "sharedAccessKey",
] as const;

/** Whether the last segment of a field path (`attestation.symmetricKey.primaryKey`) names a secret. */
export function isSecretFieldPath(path: string): boolean {
  const last = (path.split(".").pop() ?? path).replace(/\[\d+\]$/, "").toLowerCase();
  return SECRET_FIELD_NAMES.some((name) => name.toLowerCase() === last);
}
