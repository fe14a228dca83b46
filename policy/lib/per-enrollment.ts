import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { enrollmentsOf, type EnrollmentInputs } from "./enrollments";
import { isUnknown } from "./known";

// A rule about one enrollment runs on each enrollment a resource declares: the resource itself,
// or every entry of an EnrollmentSet. The same rule, message and enforcement either way (the
// policy's name is the same, so its configured level is too); only "not applicable" differs,
// because the analyzer takes it for the whole resource: a set entry the rule cannot check yet is
// skipped while the others are checked, and the set is not applicable only if none could be.

/** What a check returns when it cannot judge the enrollment (not its kind is a plain return). */
export interface NotApplicable {
  readonly notApplicable: string;
}

export const notApplicable = (reason: string): NotApplicable => ({ notApplicable: reason });

export type EnrollmentCheck = (
  enrollment: EnrollmentInputs,
  reportViolation: ReportViolation,
) => NotApplicable | void;

export function forEachEnrollment(
  args: ResourceValidationArgs,
  reportViolation: ReportViolation,
  check: EnrollmentCheck,
): void {
  const enrollments = enrollmentsOf(args.type, args.props);
  if (enrollments === undefined) {
    return;
  }
  if (isUnknown(enrollments)) {
    return args.notApplicable("the set's enrollments are unknown during preview; checked on update");
  }
  let checked = 0;
  let firstReason: string | undefined;
  for (const enrollment of enrollments) {
    const outcome = check(enrollment, reportViolation);
    if (outcome === undefined) {
      checked++;
    } else {
      firstReason ??= outcome.notApplicable;
    }
  }
  if (checked === 0 && firstReason !== undefined) {
    args.notApplicable(firstReason);
  }
}
