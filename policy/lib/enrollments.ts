import { isEnrollmentGroup, isIndividualEnrollment } from "./resource-types";
import { isUnknown, knownPath, knownProperty, type Unknown } from "./known";

// What the enrollment policies need to know about an enrollment resource, read from its inputs
// (contracts.md: DPS's own field names) through the unknown-aware readers.

export type EnrollmentKind = "individual" | "group";

export interface EnrollmentInputs {
  readonly kind: EnrollmentKind;
  /** `registrationId` or `enrollmentGroupId`, UNKNOWN during preview if computed. */
  readonly id: string | Unknown | undefined;
  /** "individual enrollment \"dev-001\"": how messages name the enrollment. */
  readonly label: string;
  readonly props: Record<string, unknown>;
}

export function enrollmentInputs(type: string, props: Record<string, unknown>): EnrollmentInputs | undefined {
  const kind: EnrollmentKind | undefined = isIndividualEnrollment(type)
    ? "individual"
    : isEnrollmentGroup(type)
      ? "group"
      : undefined;
  if (kind === undefined) {
    return undefined;
  }
  const rawId = knownProperty(props, kind === "individual" ? "registrationId" : "enrollmentGroupId");
  const id = isUnknown(rawId) ? rawId : typeof rawId === "string" ? rawId : undefined;
  const what = kind === "individual" ? "individual enrollment" : "enrollment group";
  const label = typeof id === "string" ? `${what} "${id}"` : `${what} (id unknown during preview)`;
  return { kind, id, label, props };
}

export type AttestationType = "symmetricKey" | "x509" | "tpm";

/** The attestation mechanism, UNKNOWN during preview, undefined when absent or not recognised. */
export function attestationType(props: Record<string, unknown>): AttestationType | Unknown | undefined {
  const type = knownPath(props, ["attestation", "type"]);
  if (isUnknown(type)) {
    return type;
  }
  return type === "symmetricKey" || type === "x509" || type === "tpm" ? type : undefined;
}

/** A documented reason set on the enrollment (`allowSymmetricKeyInProduction`), if any. */
export function symmetricKeyException(props: Record<string, unknown>): string | Unknown | undefined {
  const reason = knownProperty(props, "allowSymmetricKeyInProduction");
  if (isUnknown(reason)) {
    return reason;
  }
  return typeof reason === "string" && reason.trim() !== "" ? reason.trim() : undefined;
}
