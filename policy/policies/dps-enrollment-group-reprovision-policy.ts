import type { ResourceValidationPolicy } from "@pulumi/policy";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";
import { isRecord, isUnknown, knownProperty } from "../lib/known";

// DPS's default (re-assign and migrate twin data on every re-registration) moves devices
// between hubs when the allocation changes. For a group that can be thousands of devices, so
// production groups state the behaviour they want.
export const dpsEnrollmentGroupReprovisionPolicyPolicy: ResourceValidationPolicy = {
  name: "dps-enrollment-group-reprovision-policy",
  description:
    "Every enrollment group sets reprovisionPolicy (updateHubAssignment, migrateDeviceData) explicitly.",
  severity: "medium",
  validateResource: (args, reportViolation) =>
    forEachEnrollment(args, reportViolation, (enrollment) => {
      if (enrollment.kind !== "group") {
        return;
      }
      const policy = knownProperty(enrollment.props, "reprovisionPolicy");
      if (isUnknown(policy)) {
        return notApplicable("reprovisionPolicy is unknown during preview; checked on update");
      }
      const missing = ["updateHubAssignment", "migrateDeviceData"].filter(
        (field) => !isRecord(policy) || typeof knownProperty(policy, field) !== "boolean",
      );
      if (missing.length > 0) {
        reportViolation(
          `${enrollment.label} does not set reprovisionPolicy.${missing.join(" and reprovisionPolicy.")}; state both (DPS defaults to updateHubAssignment: true, migrateDeviceData: true, which moves devices when allocation changes).`,
        );
      }
      return;
    }),
};
