import type { ResourceValidationPolicy } from "@pulumi/policy";
import { enrollmentInputs } from "../lib/enrollments";
import { isRecord, isUnknown, knownProperty } from "../lib/known";

// DPS's default (re-assign and migrate twin data on every re-registration) moves devices
// between hubs when the allocation changes. For a group that can be thousands of devices, so
// production groups state the behaviour they want.
export const dpsEnrollmentGroupReprovisionPolicyPolicy: ResourceValidationPolicy = {
  name: "dps-enrollment-group-reprovision-policy",
  description: "Every enrollment group sets reprovisionPolicy (updateHubAssignment, migrateDeviceData) explicitly.",
  severity: "medium",
  validateResource: (args, reportViolation) => {
    const enrollment = enrollmentInputs(args.type, args.props);
    if (enrollment === undefined || enrollment.kind !== "group") {
      return;
    }
    const policy = knownProperty(args.props, "reprovisionPolicy");
    if (isUnknown(policy)) {
      return args.notApplicable("reprovisionPolicy is unknown during preview; checked on update");
    }
    const missing = ["updateHubAssignment", "migrateDeviceData"].filter(
      (field) => !isRecord(policy) || typeof knownProperty(policy, field) !== "boolean",
    );
    if (missing.length > 0) {
      reportViolation(
        `${enrollment.label} does not set reprovisionPolicy.${missing.join(" and reprovisionPolicy.")}; state both (DPS defaults to updateHubAssignment: true, migrateDeviceData: true, which moves devices when allocation changes).`,
      );
    }
  },
};
