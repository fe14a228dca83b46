/**
 * The symmetric keys DPS holds for one individual enrollment, read from the stack's state
 * (`pulumi stack export --show-secrets`, held in memory only) wherever the stack keeps them:
 * - an IndividualEnrollment resource (the per-enrollment path): its `primaryKey`/`secondaryKey`
 *   outputs;
 * - an EnrollmentSet (the batch path): its `keys` output, one secret line text per set, which only
 *   the contract's `decodeKeys` reads (contract/resources/set-stored-form.ts).
 *
 * Why a tool and not a stack output: a stack output of every batched enrollment's keys repeated
 * the sets' keys as a second 100,000-entry tree, which the engine carried at every preview and in
 * every checkpoint (issue #26, benchmarks/README.md). The state already holds each key once.
 *
 * Only the resources that can hold the id are unwrapped (`revealed`), and only their key fields:
 * at 100,000 enrollments the rest of the state stays as exported.
 */
import {
  decodeKeys,
  enrollmentIdKey,
  ENROLLMENT_SET_TYPE,
  INDIVIDUAL_ENROLLMENT_TYPE,
  type SymmetricKeys,
} from "@dps-as-code/contract";
import { revealed, type Deployment } from "../recover/pending-plan";

export type KeySlot = "primary" | "secondary";
export const KEY_SLOTS: readonly KeySlot[] = ["primary", "secondary"];

/** Where a key was found, for the messages (never the key itself). */
export interface FoundKeys {
  readonly keys: SymmetricKeys;
  /** The resource holding them: its URN. */
  readonly heldBy: string;
}

/** Why no key could be read: a message naming the enrollment and what to do (it never holds a key). */
export class EnrollmentKeyError extends Error {}

function keysOfEnrollmentResource(outputs: Record<string, unknown> | undefined): SymmetricKeys | undefined {
  const primaryKey = revealed(outputs?.primaryKey);
  const secondaryKey = revealed(outputs?.secondaryKey);
  return typeof primaryKey === "string" && typeof secondaryKey === "string"
    ? { primaryKey, secondaryKey }
    : undefined;
}

function keysOfSet(urn: string, outputs: Record<string, unknown> | undefined): Record<string, SymmetricKeys> {
  try {
    return decodeKeys(revealed(outputs?.keys));
  } catch (error) {
    // decodeKeys names the line, never its text (a keys line holds keys).
    throw new EnrollmentKeyError(`${urn}: ${(error as Error).message}`);
  }
}

/**
 * Every place the state holds keys of `registrationId`. DPS compares registration ids without
 * regard to case (contract/dps/ids.ts), so the match does too. Usually one; two while an
 * enrollment is handed between the paths (a set hands it to an IndividualEnrollment).
 */
export function keysInState(deployment: Deployment, registrationId: string): FoundKeys[] {
  const wanted = enrollmentIdKey(registrationId);
  const found: FoundKeys[] = [];
  for (const resource of deployment.resources ?? []) {
    if (resource.type === INDIVIDUAL_ENROLLMENT_TYPE) {
      const id = resource.inputs?.registrationId;
      if (typeof id !== "string" || enrollmentIdKey(id) !== wanted) continue;
      const keys = keysOfEnrollmentResource(resource.outputs);
      if (keys) found.push({ keys, heldBy: resource.urn });
    } else if (resource.type === ENROLLMENT_SET_TYPE) {
      for (const [id, keys] of Object.entries(keysOfSet(resource.urn, resource.outputs)))
        if (enrollmentIdKey(id) === wanted) found.push({ keys, heldBy: resource.urn });
    }
  }
  return found;
}

/**
 * The key in `slot` of the individual enrollment `registrationId`, as the stack's state holds it.
 * Throws EnrollmentKeyError when the state holds none, or two that differ.
 */
export function enrollmentKey(
  deployment: Deployment,
  registrationId: string,
  slot: KeySlot,
  stack: string,
): string {
  const found = keysInState(deployment, registrationId);
  if (found.length === 0)
    throw new EnrollmentKeyError(
      `stack ${stack} holds no symmetric keys of individual enrollment "${registrationId}": ` +
        `check the id (an X.509 or TPM enrollment has no keys; an enrollment group's keys are the stack output enrollmentGroupKeys), ` +
        `and run \`pulumi up\` (or \`pulumi refresh\`) once if the enrollment was only just declared`,
    );
  const values = new Set(found.map(({ keys }) => (slot === "primary" ? keys.primaryKey : keys.secondaryKey)));
  if (values.size > 1)
    throw new EnrollmentKeyError(
      `stack ${stack} holds two different ${slot} keys of individual enrollment "${registrationId}" ` +
        `(${found.map((f) => f.heldBy).join(" and ")}): it is being handed between the per-enrollment and the batch path; ` +
        `run \`pulumi refresh -s ${stack}\` to read what DPS holds, then ask again`,
    );
  const [key] = values;
  if (!key)
    throw new EnrollmentKeyError(
      `stack ${stack} holds no ${slot} key of individual enrollment "${registrationId}" (${found[0]!.heldBy}): run \`pulumi refresh -s ${stack}\``,
    );
  return key;
}
