import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown, knownElements, knownProperty } from "../lib/known";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";

// With the static policy DPS assigns the one hub listed; DPS rejects a static enrollment with
// several hubs, and with none it has nothing to assign.
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
      if (count !== 1) {
        const listed = (hubs ?? []).map((hub) => (isUnknown(hub) ? "(unknown)" : String(hub))).join(", ");
        reportViolation(
          `${enrollment.label} uses allocationPolicy "static" with ${count} hub(s)${count > 0 ? ` (${listed})` : ""}; name exactly one hub in iotHubs, or choose "hashed" or "geoLatency".`,
        );
      }
    }),
};
