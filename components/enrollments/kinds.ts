import type { EnrollmentInputs, EnrollmentKind } from "./types";

/** What differs between the two kinds of enrollment; everything else is shared. */
export interface KindInfo {
  kind: EnrollmentKind;
  /** The input holding the enrollment's id. */
  idField: "registrationId" | "enrollmentGroupId";
  /** How messages name this kind of enrollment. */
  label: string;
  /** The dynamic resource type (the token is `pulumi-nodejs:dynamic/dps:<typeName>`). */
  typeName: "IndividualEnrollment" | "EnrollmentGroup";
}

export function kindInfo(kind: EnrollmentKind): KindInfo {
  return kind === "individual"
    ? { kind, idField: "registrationId", label: "individual enrollment", typeName: "IndividualEnrollment" }
    : { kind, idField: "enrollmentGroupId", label: "enrollment group", typeName: "EnrollmentGroup" };
}

/** The enrollment id from resolved inputs (validated before use). */
export function enrollmentId(kind: EnrollmentKind, inputs: EnrollmentInputs): string {
  const value = inputs[kindInfo(kind).idField];
  return typeof value === "string" ? value : "";
}

/** `individual enrollment "dev-1"`: the prefix of every message about one enrollment. */
export function describeEnrollment(kind: EnrollmentKind, id: string): string {
  return `${kindInfo(kind).label} "${id}"`;
}
