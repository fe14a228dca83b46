// The steps of a credential rotation, by name: the plan (components/advice/rotation-plan.ts,
// `npm run plan-rotation`) writes one pull request per step under these names, and the policy
// `dps-enrollment-credential-rotation` names the step a refused change skipped. One list, so the
// two never disagree.
//
// What DPS does with two credentials, which every order below relies on:
// - Symmetric keys: a device's SAS token is accepted when it is signed with the enrollment's
//   primary or its secondary key (for a group: the key derived from either group key), so one key
//   can change while devices use the other. "Symmetric key attestation", section "Group
//   enrollments" / "Individual enrollments" and the key roll-over advice:
//   https://learn.microsoft.com/azure/iot-dps/concepts-symmetric-key-attestation ; the service SDK's
//   `SymmetricKeyAttestation { primaryKey, secondaryKey }` (azure-iot-provisioning-service
//   `interfaces.ts`), and `deviceKey = HMAC-SHA256(groupKey, registrationId)` for either group key
//   (azure-iot-provisioning-device samples `register_symkey_group.js`).
// - X.509: an enrollment group accepts device certificates that chain to its primary or its
//   secondary certificate (a signing certificate or a DPS CA certificate named in caReferences);
//   an individual enrollment accepts its primary or its secondary client certificate. "How to roll
//   X.509 device certificates", sections "Individual enrollments and certificate expiration" and
//   "Enrollment groups and certificate expiration": put the new certificate in the secondary
//   slot, let devices move, then promote it and remove the old one:
//   https://learn.microsoft.com/azure/iot-dps/how-to-roll-certificates
//
// The emulator implements exactly this (emulator/auth/authenticators.ts: either key, either
// certificate, either CA reference), and test/e2e/rotation.test.ts registers devices with
// Microsoft's device SDK after every step.

export const ROTATION_STEPS = {
  /** DPS generated the keys: name them as stack secrets first (the preview shows no change). */
  declareCurrentKeys: "declare-current-keys",
  /** A new secondary key; devices on the primary key keep working. */
  replaceSecondaryKey: "replace-secondary-key",
  /** A new primary key, once every device uses the new secondary key. */
  replacePrimaryKey: "replace-primary-key",
  /** The new CA uploaded to the DPS and referenced as the group's secondary CA. */
  addNewCa: "add-new-ca",
  /** The group references only the new CA, once every device holds a certificate it issued. */
  switchToNewCa: "switch-to-new-ca",
  /** The old CA removed from the DPS, once no group references it. */
  retireOldCa: "retire-old-ca",
  /** The device's new certificate as the enrollment's secondary certificate. */
  addSecondaryCertificate: "add-secondary-certificate",
  /** The new certificate becomes the primary one and the old one goes, once the device uses it. */
  promoteNewCertificate: "promote-new-certificate",
} as const;

export type RotationStep = (typeof ROTATION_STEPS)[keyof typeof ROTATION_STEPS];

/** How a person asks for the plan, as the policy and the plan print it. */
export function planRotationCommand(enrollmentId: string, kind?: RotationKind): string {
  return `npm run plan-rotation -- --stack <stack> --enrollment ${enrollmentId}${kind ? ` --kind ${kind}` : ""} --out <folder>`;
}

/**
 * Placeholders in a printed plan command, for what only the person has: the new CA's name and
 * certificate file, or the device's new certificate file (paths from the repository root).
 */
export const NEW_CA_NAME_PLACEHOLDER = "<new-ca-name>";
export const NEW_CA_FILE_PLACEHOLDER = "<new-ca.pem>";
export const NEW_CERTIFICATE_FILE_PLACEHOLDER = "<new-certificate.pem>";

/** What is rotated: the symmetric keys, an X.509 group's CA, an individual enrollment's certificate. */
export type RotationKind = "symmetric-key" | "ca" | "certificate";
export const ROTATION_KINDS: readonly RotationKind[] = ["symmetric-key", "ca", "certificate"];
