// The rule that keeps a rotation from locking devices out, between the last deployment and the
// next one: the enrollment ledger's provider computes the changes in check() (it alone sees both
// deployments), and the policy `dps-enrollment-credential-rotation` refuses the lock-outs with
// these messages, naming the step of `npm run plan-rotation` the change skipped.
//
// DPS accepts either of an enrollment's two credentials (steps.ts), so a change is safe while at
// least one credential devices held before stays accepted: one key, one certificate, one CA per
// deployment. Replacing both at once (or the only one) leaves every device on the old
// credentials unable to register, and re-provision after a reset or a hub failover.
import { describeEnrollment } from "../resources/kinds";
import {
  caNameOf,
  type CredentialBook,
  type CredentialRecord,
  type CredentialSlot,
  splitCredentialKey,
} from "./credentials";
import { planRotationCommand, ROTATION_STEPS } from "./steps";

/** One enrollment whose credentials changed since the last deployment (no fingerprint in it: it is not secret). */
export interface CredentialChange {
  readonly kind: "individual" | "group";
  readonly id: string;
  readonly type: string;
  /** The slots whose credential was accepted before and is not any more. */
  readonly dropped: readonly CredentialSlot[];
  /** How many credentials accepted before stay accepted. */
  readonly kept: number;
  /** CA names no longer referenced by the group (X.509 groups). */
  readonly droppedCaNames: readonly string[];
}

/** A DPS CA certificate removed from the stack while a group that stays referenced it at the last deployment. */
export interface EarlyCaRetirement {
  readonly name: string;
  readonly enrollmentGroupIds: readonly string[];
}

const SLOTS: readonly CredentialSlot[] = ["primary", "secondary"];
const filled = (record: CredentialRecord) =>
  SLOTS.flatMap((slot) => (record[slot] !== undefined ? [record[slot]] : []));

/**
 * The enrollments present in both books, of the same attestation type, whose accepted credentials
 * changed. Enrollments with no known credential before (DPS-generated keys, a ledger from before
 * this record) are not compared: nothing is known of what their devices hold.
 */
export function credentialChanges(
  before: CredentialBook | undefined,
  after: CredentialBook,
): CredentialChange[] {
  const changes: CredentialChange[] = [];
  for (const [key, now] of Object.entries(after)) {
    const then = before?.[key];
    if (!then || then.type !== now.type) continue;
    const previous = filled(then);
    if (previous.length === 0) continue;
    const current = new Set(filled(now));
    const dropped = SLOTS.filter((slot) => then[slot] !== undefined && !current.has(then[slot]));
    if (dropped.length === 0 && previous.length === current.size) continue;
    const { kind, id } = splitCredentialKey(key);
    changes.push({
      kind,
      id,
      type: now.type,
      dropped,
      kept: previous.filter((fingerprint) => current.has(fingerprint)).length,
      droppedCaNames: dropped.flatMap((slot) => {
        const name = caNameOf(then[slot]!);
        return name !== undefined ? [name] : [];
      }),
    });
  }
  return changes.sort((a, b) => (a.kind + a.id < b.kind + b.id ? -1 : 1));
}

/**
 * CA certificates the stack held at the last deployment and no longer holds, while a group still
 * declared referenced them then. Retiring a CA is safe only in a later deployment than the one
 * that stopped referencing it: until that one is deployed, DPS still sends the group's devices to it.
 */
export function earlyCaRetirements(
  before: { readonly credentials?: CredentialBook; readonly caNames: readonly string[] } | undefined,
  after: { readonly credentials: CredentialBook; readonly caNames: readonly string[] },
): EarlyCaRetirement[] {
  if (!before?.credentials) return [];
  const kept = new Set(after.caNames.map((n) => n.toLowerCase()));
  return before.caNames
    .filter((name) => !kept.has(name.toLowerCase()))
    .flatMap((name) => {
      const groups = Object.entries(before.credentials!)
        .filter(([key, record]) => {
          const { kind } = splitCredentialKey(key);
          return (
            kind === "group" &&
            after.credentials[key] !== undefined &&
            filled(record).some((f) => caNameOf(f)?.toLowerCase() === name.toLowerCase())
          );
        })
        .map(([key]) => splitCredentialKey(key).id);
      return groups.length > 0 ? [{ name, enrollmentGroupIds: groups }] : [];
    });
}

/** The violation of a change that locks devices out, undefined when at least one credential devices held stays accepted. */
export function credentialLockout(change: CredentialChange): string | undefined {
  if (change.kept > 0) return undefined;
  const who = describeEnrollment(change.kind, change.id);
  const plan = planRotationCommand(change.id);
  if (change.type === "symmetricKey")
    return (
      `${who} replaces ${change.dropped.length === 2 ? "both its keys" : `its only declared key (${change.dropped.join(", ")})`} in one update: ` +
      `every device still on the current keys would be refused. Replace one key per deployment (${plan}): ` +
      `this change skipped step "${ROTATION_STEPS.replaceSecondaryKey}" (deploy a new secondary key and move the devices to it before the primary key changes).`
    );
  if (change.droppedCaNames.length > 0)
    return (
      `${who} stops referencing ${change.droppedCaNames.map((n) => `CA "${n}"`).join(" and ")} without keeping a CA its devices' certificates chain to: ` +
      `every device whose certificate the old CA issued would be refused. Rotate the CA in steps (${planRotationCommand(change.id, "ca")}): ` +
      `this change skipped step "${ROTATION_STEPS.addNewCa}" (upload the new CA and reference it as the group's secondary CA, deployed before the switch).`
    );
  return (
    `${who} replaces ${change.dropped.length === 2 ? "both its certificates" : `its ${change.dropped.join(", ")} certificate`} in one update, keeping none its devices hold: ` +
    `a device still presenting the old certificate would be refused. ` +
    (change.kind === "individual"
      ? `Rotate in steps (${planRotationCommand(change.id, "certificate")}): this change skipped step "${ROTATION_STEPS.addSecondaryCertificate}" (the new certificate as secondary first, deployed, then promoted).`
      : `Add the new signing certificate as the secondary one first, deploy, and remove the old one in a later change.`)
  );
}

/** The violation of a CA retired before the groups stopped referencing it. */
export function earlyCaRetirementProblem(retirement: EarlyCaRetirement): string {
  return (
    `DPS CA certificate "${retirement.name}" is removed from the stack in the same update in which ` +
    `${retirement.enrollmentGroupIds.map((id) => describeEnrollment("group", id)).join(", ")} stops referencing it: ` +
    `retire a CA only once no deployed group references it. Deploy step "${ROTATION_STEPS.switchToNewCa}" first, ` +
    `then remove the CA in its own change (step "${ROTATION_STEPS.retireOldCa}" of ${planRotationCommand(retirement.enrollmentGroupIds[0]!, "ca")}).`
  );
}
