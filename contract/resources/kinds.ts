/**
 * The two kinds of DPS enrollment, and everything that differs between them: the id field, the
 * words messages use, the resource type. One vocabulary for the resources, the policy pack and the
 * reports (the emulator, which imports nothing of the product, keeps its own).
 */
import { ENROLLMENT_GROUP_TYPE, INDIVIDUAL_ENROLLMENT_TYPE } from "./tokens";

/** Which DPS collection an enrollment lives in. */
export type EnrollmentKind = "individual" | "group";

export const ENROLLMENT_KINDS: readonly EnrollmentKind[] = ["individual", "group"];

/** What differs between the two kinds of enrollment; everything else is shared. */
export interface KindInfo {
  readonly kind: EnrollmentKind;
  /** The input (and DPS field) holding the enrollment's id. */
  readonly idField: "registrationId" | "enrollmentGroupId";
  /** How messages name this kind of enrollment. */
  readonly label: "individual enrollment" | "enrollment group";
  /** The dynamic resource type name (tokens.ts). */
  readonly typeName: "IndividualEnrollment" | "EnrollmentGroup";
  /** The resource type token. */
  readonly type: typeof INDIVIDUAL_ENROLLMENT_TYPE | typeof ENROLLMENT_GROUP_TYPE;
}

const KINDS: { readonly [K in EnrollmentKind]: KindInfo } = {
  individual: {
    kind: "individual",
    idField: "registrationId",
    label: "individual enrollment",
    typeName: "IndividualEnrollment",
    type: INDIVIDUAL_ENROLLMENT_TYPE,
  },
  group: {
    kind: "group",
    idField: "enrollmentGroupId",
    label: "enrollment group",
    typeName: "EnrollmentGroup",
    type: ENROLLMENT_GROUP_TYPE,
  },
};

export function kindInfo(kind: EnrollmentKind): KindInfo {
  return KINDS[kind];
}

/** The kind of an enrollment resource type, undefined for any other type (sets included). */
export function kindOfType(type: string): EnrollmentKind | undefined {
  return type === INDIVIDUAL_ENROLLMENT_TYPE
    ? "individual"
    : type === ENROLLMENT_GROUP_TYPE
      ? "group"
      : undefined;
}

/** `individual enrollment "dev-1"`: the prefix of every message about one enrollment. */
export function describeEnrollment(kind: EnrollmentKind, id: string): string {
  return `${KINDS[kind].label} "${id}"`;
}

/** The enrollment id from resolved inputs (validated before use), "" when absent. */
export function enrollmentId(
  kind: EnrollmentKind,
  inputs: Partial<Record<KindInfo["idField"], unknown>>,
): string {
  const value = inputs[KINDS[kind].idField];
  return typeof value === "string" ? value : "";
}
