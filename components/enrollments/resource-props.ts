/**
 * Turning resource args into the props the enrollment resources register, shared by both resource
 * classes. Runs in the Pulumi program only (the provider process never loads it).
 */
import * as pulumi from "@pulumi/pulumi";
import { ownerName } from "./ownership";
import type { EnrollmentCommonArgs } from "./resource-args";
import {
  type Attestation,
  type DpsConnection,
  enrollmentGroupLimitProblem,
  type EnrollmentKind,
  MAX_ENROLLMENT_GROUPS_PER_ATTESTATION,
} from "@dps-as-code/contract";

/** DPS's hard limit on symmetric-key enrollment groups per DPS (contract/dps/limits.ts). */
export const MAX_SYMMETRIC_KEY_GROUPS = MAX_ENROLLMENT_GROUPS_PER_ATTESTATION.symmetricKey;

/** Every output, passed as undefined so the engine fills it (outputs not declared this way disappear). */
export const OUTPUT_PLACEHOLDERS = {
  serviceEndpoint: undefined,
  etag: undefined,
  createdDateTimeUtc: undefined,
  lastUpdatedDateTimeUtc: undefined,
  primaryKey: undefined,
  secondaryKey: undefined,
  adopted: undefined,
};

/**
 * Enrollment groups declared per DPS endpoint and attestation type in this program (check()
 * cannot see other resources); counted the way the manifest loader counts them.
 */
const groupsPerAttestation = new Map<string, Set<string>>();

function hasDeclaredKeys(attestation: Attestation): boolean {
  return (
    attestation.type === "symmetricKey" &&
    !!(attestation.symmetricKey?.primaryKey || attestation.symmetricKey?.secondaryKey)
  );
}

/**
 * Props for the dynamic resource: the args, with secrets wrapped so that they are secret in state
 * even when the program passed plain strings.
 */
export function enrollmentProps(
  kind: EnrollmentKind,
  name: string,
  args: EnrollmentCommonArgs,
): Record<string, unknown> {
  const dps = pulumi.output(args.dps as pulumi.Input<DpsConnection>);
  // Only the endpoint is read here: unsecret keeps the connection string's secrecy from
  // spreading to the attestation, which reviewers must see in previews (type, certificates).
  const attestation = pulumi
    .all([args.attestation as pulumi.Input<Attestation>, pulumi.unsecret(dps)])
    .apply(([value, connection]) => {
      if (kind === "group" && (value.type === "symmetricKey" || value.type === "x509"))
        countEnrollmentGroup(connection.serviceEndpoint, value.type, name);
      return hasDeclaredKeys(value) ? pulumi.secret(value) : value;
    });
  return {
    ...args,
    owner: thisStackOwner(),
    attestation,
    dps: dps.apply((value) => (value.connectionString ? pulumi.secret(value) : value)),
    ...(args.customAllocationDefinition !== undefined
      ? { customAllocationDefinition: pulumi.secret(args.customAllocationDefinition) }
      : {}),
    ...OUTPUT_PLACEHOLDERS,
  };
}

/** This program's owner marker (ownership.ts). */
export function thisStackOwner(): string {
  // DIY backends call every organization "organization"; test mocks may name none.
  let organization = "organization";
  try {
    organization = pulumi.getOrganization();
  } catch {
    // keep the default
  }
  return ownerName(organization, pulumi.getProject(), pulumi.getStack());
}

function countEnrollmentGroup(serviceEndpoint: string, type: "symmetricKey" | "x509", name: string): void {
  const key = `${serviceEndpoint.toLowerCase()}|${type}`;
  const names = groupsPerAttestation.get(key) ?? new Set<string>();
  names.add(name);
  groupsPerAttestation.set(key, names);
  const problem = enrollmentGroupLimitProblem(type, names.size);
  if (problem)
    throw new Error(
      `enrollment group resource "${name}": DPS ${serviceEndpoint}: ${problem.problem} in this program; allowed: ${problem.allowed}`,
    );
}
