/**
 * Turning resource args into the props the enrollment resources register, shared by both resource
 * classes. Runs in the Pulumi program only (the provider process never loads it).
 */
import * as pulumi from "@pulumi/pulumi";
import { ownerName } from "./ownership";
import type { EnrollmentCommonArgs } from "./resource-args";
import {
  type Attestation,
  countLimitFinding,
  DPS_COUNT_LIMITS,
  type DpsConnection,
  type EnrollmentKind,
} from "@dps-as-code/contract";

/** DPS's hard limit on symmetric-key enrollment groups per DPS (contract/dps/limits.ts). */
export const MAX_SYMMETRIC_KEY_GROUPS = DPS_COUNT_LIMITS.symmetricKeyEnrollmentGroups.dpsDefault;

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
 * Symmetric-key enrollment groups declared per DPS endpoint in this program (check() cannot see
 * other resources); counted the way the manifest loader counts them. Only the fixed limit is
 * enforced here: X.509 groups count against an adjustable limit whose value is the stack's
 * (`dps-as-code:dpsLimits`), which the manifest loader reads and warns against.
 */
const symmetricKeyGroups = new Map<string, Set<string>>();

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
      if (kind === "group" && value.type === "symmetricKey")
        countSymmetricKeyGroup(connection.serviceEndpoint, name);
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

function countSymmetricKeyGroup(serviceEndpoint: string, name: string): void {
  const key = serviceEndpoint.toLowerCase();
  const names = symmetricKeyGroups.get(key) ?? new Set<string>();
  names.add(name);
  symmetricKeyGroups.set(key, names);
  const problem = countLimitFinding("symmetricKeyEnrollmentGroups", names.size);
  if (problem)
    throw new Error(
      `enrollment group resource "${name}": DPS ${serviceEndpoint}: ${problem.problem} in this program; allowed: ${problem.allowed}`,
    );
}
