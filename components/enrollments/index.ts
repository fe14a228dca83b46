/**
 * Enrollments as code: DPS individual enrollments and enrollment groups as Pulumi dynamic
 * resources, plus derived device keys. See README.md.
 */
export { IndividualEnrollment } from "./individual-enrollment";
export { EnrollmentGroup } from "./enrollment-group";
export type {
  DpsConnectionArgs,
  EnrollmentCommonArgs,
  EnrollmentGroupArgs,
  IndividualEnrollmentArgs,
} from "./resource-args";
export type {
  AllocationPolicy,
  Attestation,
  CustomAllocationDefinition,
  DpsConnection,
  InitialTwin,
  ProvisioningStatus,
  ReprovisionPolicy,
  SymmetricKeyAttestation,
  TpmAttestation,
  X509Attestation,
} from "@dps-as-code/contract";
export { deriveDeviceKey, deriveDeviceKeyOutput } from "./derived-keys";
// createEnrollmentProvider is also what stacks stored by c7f66de load through this module (stored-forms.ts).
export { createEnrollmentProvider, type EnrollmentProviderOptions } from "./provider";
export { validateEnrollmentInputs, type CheckFailure } from "./validation";
export { MAX_SYMMETRIC_KEY_GROUPS } from "./resource-props";
export { EnrollmentSet, type EnrollmentSetArgs } from "./sets/enrollment-set";
export { shardIndex, shardLabel, shardOf } from "./sets/sharding";
export { decodeKeys, decodeMetadata } from "@dps-as-code/contract";
export type { EntrySecrets, SetEntry } from "@dps-as-code/contract";
