import type { ResourceValidationPolicy } from "@pulumi/policy";
import { enrollmentInputs } from "../lib/enrollments";
import { isUnknown, knownElements, knownProperty } from "../lib/known";

// With the static policy DPS assigns the one hub listed; DPS rejects a static enrollment with
// several hubs, and with none it has nothing to assign.
export const dpsEnrollmentStaticAllocationSingleHubPolicy: ResourceValidationPolicy = {
  name: "dps-enrollment-static-allocation-single-hub",
  description: "An enrollment with allocationPolicy \"static\" names exactly one hub in iotHubs.",
  severity: "high",
  validateResource: (args, reportViolation) => {
    const enrollment = enrollmentInputs(args.type, args.props);
    if (enrollment === undefined) {
      return;
    }
    const policy = knownProperty(args.props, "allocationPolicy");
    if (isUnknown(policy)) {
      return args.notApplicable("allocationPolicy is unknown during preview; checked on update");
    }
    if (policy !== "static") {
      return;
    }
    const hubs = knownElements(knownProperty(args.props, "iotHubs"));
    if (isUnknown(hubs)) {
      return args.notApplicable("iotHubs is unknown during preview; checked on update");
    }
    const count = hubs?.length ?? 0;
    if (count !== 1) {
      const listed = (hubs ?? []).map((hub) => (isUnknown(hub) ? "(unknown)" : String(hub))).join(", ");
      reportViolation(
        `${enrollment.label} uses allocationPolicy "static" with ${count} hub(s)${count > 0 ? ` (${listed})` : ""}; name exactly one hub in iotHubs, or choose "hashed" or "geoLatency".`,
      );
    }
  },
};
