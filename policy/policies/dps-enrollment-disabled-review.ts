import type { ResourceValidationPolicy } from "@pulumi/policy";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";
import { isUnknown, knownProperty } from "../lib/known";

// A disabled enrollment blocks its devices (a disabled individual enrollment even blocks a
// device an enabled group would accept). That is sometimes the point, and easy to forget:
// reviewers see each one. Advisory in every environment.
export const dpsEnrollmentDisabledReviewPolicy: ResourceValidationPolicy = {
  name: "dps-enrollment-disabled-review",
  description: "Disabled enrollments are flagged for review.",
  severity: "low",
  validateResource: (args, reportViolation) =>
    forEachEnrollment(args, reportViolation, (enrollment) => {
      const status = knownProperty(enrollment.props, "provisioningStatus");
      if (isUnknown(status)) {
        return notApplicable("provisioningStatus is unknown during preview; checked on update");
      }
      if (status === "disabled") {
        const blocks = enrollment.kind === "individual" ? "this device" : "every device of this group";
        reportViolation(
          `${enrollment.label} is disabled: DPS refuses ${blocks}; confirm that is intended, or set provisioningStatus to "enabled" (or remove the enrollment).`,
        );
      }
      return;
    }),
};
