/**
 * Turning resource args into the props handed to `pulumi.dynamic.Resource`, shared by both
 * resource classes. Runs in the Pulumi program only (never serialised into the provider).
 */
import * as pulumi from "@pulumi/pulumi";
import type { EnrollmentCommonArgs } from "./resource-args";
import type { Attestation, DpsConnection, EnrollmentKind } from "./types";

/** DPS's hard limit on symmetric-key enrollment groups per DPS (not adjustable). */
export const MAX_SYMMETRIC_KEY_GROUPS = 100;

/**
 * Outputs stored as secrets: keys, the connection (its connection string), the webhook (its URL
 * carries a function key). The attestation output never holds keys (they move to primaryKey /
 * secondaryKey), so X.509 and TPM diffs stay readable; declared keys keep it secret anyway.
 */
export const SECRET_OUTPUTS = ["primaryKey", "secondaryKey", "dps", "customAllocationDefinition"];

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

/** Symmetric-key groups declared per DPS endpoint in this program (check() cannot see other resources). */
const symmetricKeyGroups = new Map<string, Set<string>>();

function hasDeclaredKeys(attestation: Attestation): boolean {
  return attestation.type === "symmetricKey" && !!(attestation.symmetricKey?.primaryKey || attestation.symmetricKey?.secondaryKey);
}

/**
 * Props for the dynamic resource: the args, with secrets wrapped so that they are secret in state
 * even when the program passed plain strings.
 */
export function enrollmentProps(kind: EnrollmentKind, name: string, args: EnrollmentCommonArgs): Record<string, unknown> {
  const dps = pulumi.output(args.dps as pulumi.Input<DpsConnection>);
  // Only the endpoint is read here: unsecret keeps the connection string's secrecy from
  // spreading to the attestation, which reviewers must see in previews (type, certificates).
  const attestation = pulumi.all([args.attestation as pulumi.Input<Attestation>, pulumi.unsecret(dps)]).apply(([value, connection]) => {
    if (kind === "group" && value.type === "symmetricKey") countSymmetricKeyGroup(connection.serviceEndpoint, name);
    return hasDeclaredKeys(value) ? pulumi.secret(value) : value;
  });
  return {
    ...args,
    attestation,
    dps: dps.apply((value) => (value.connectionString ? pulumi.secret(value) : value)),
    ...(args.customAllocationDefinition !== undefined ? { customAllocationDefinition: pulumi.secret(args.customAllocationDefinition) } : {}),
    ...OUTPUT_PLACEHOLDERS,
  };
}

function countSymmetricKeyGroup(serviceEndpoint: string, name: string): void {
  const key = serviceEndpoint.toLowerCase();
  const names = symmetricKeyGroups.get(key) ?? new Set<string>();
  names.add(name);
  symmetricKeyGroups.set(key, names);
  if (names.size > MAX_SYMMETRIC_KEY_GROUPS) {
    throw new Error(
      `enrollment group resource "${name}": DPS ${serviceEndpoint} would have ${names.size} symmetric-key enrollment groups in this program; ` +
        `DPS allows at most ${MAX_SYMMETRIC_KEY_GROUPS} (a hard limit): use X.509 groups or another DPS`,
    );
  }
}
