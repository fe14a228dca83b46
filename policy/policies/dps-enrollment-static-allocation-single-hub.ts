import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown, knownElements, knownProperty } from "../lib/known";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";
import { staticAllocationHubCountAllowed } from "@dps-as-code/contract";

// The rule is DPS's (contract/dps/allocation.ts); the policy names the enrollment and its hubs.
export const dpsEnrollmentStaticAllocationSingleHubPolicy: ResourceValidationPolicy = {
  name: "dps-enrollment-static-allocation-single-hub",
  description: 'An enrollment with allocationPolicy "static" names exactly one hub in iotHubs.',
  severity: "high",
  validateResource: (args, reportViolation) =>
    forEachEnrollment(args, reportViolation, (enrollment) => {
      const policy = knownProperty(enrollment.props, "allocationPolicy");
      if (isUnknown(policy)) {
        return notApplicable("allocationPolicy is unknown during preview; checked on update");
      }
      if (policy !== "static") {
        return;
      }
      const hubs = knownElements(knownProperty(enrollment.props, "iotHubs"));
      if (isUnknown(hubs)) {
        return notApplicable("iotHubs is unknown during preview; checked on update");
      }
      const count = hubs?.length ?? 0;
      if (!staticAllocationHubCountAllowed(count)) {
        const listed = (hubs ?? []).map((hub) => (isUnknown(hub) ? "(unknown)" : String(hub))).join(", ");
        reportViolation(
          `${enrollment.label} uses allocationPolicy "static" with ${count} hub(s)${count > 0 ? ` (${listed})` : ""}; name exactly one hub in iotHubs, or choose "hashed" or "geoLatency".`,
        );
      }
    }),
};
