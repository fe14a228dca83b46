import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown, knownElements, knownProperty } from "../lib/known";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";

// An `iotHubs` entry that is not linked to the DPS makes every registration of the device fail
// (DPS answers with a generic error at provisioning time, not at enrollment time).
export const dpsEnrollmentTargetsLinkedHubsPolicy: ResourceValidationPolicy = {
  name: "dps-enrollment-targets-linked-hubs",
  description: "Every hub an enrollment names in iotHubs is linked to the DPS (the linkedHubs input).",
  severity: "high",
  validateResource: (args, reportViolation) =>
    forEachEnrollment(args, reportViolation, (enrollment) => {
      const targets = knownElements(knownProperty(enrollment.props, "iotHubs"));
      if (targets === undefined || (Array.isArray(targets) && targets.length === 0)) {
        return notApplicable("the enrollment names no hubs; DPS chooses among all linked hubs");
      }
      const linked = knownElements(knownProperty(enrollment.props, "linkedHubs"));
      if (linked === undefined) {
        return notApplicable("the enrollment declares no linkedHubs input to check its targets against");
      }
      if (isUnknown(targets) || isUnknown(linked) || linked.some(isUnknown)) {
        return notApplicable("iotHubs or linkedHubs is unknown during preview; checked on update");
      }
      const linkedNames = new Set(linked.map((hub) => String(hub).toLowerCase()));
      for (const target of targets) {
        if (isUnknown(target) || linkedNames.has(String(target).toLowerCase())) {
          continue;
        }
        reportViolation(
          `${enrollment.label} targets hub "${String(target)}", which is not linked to the DPS; use one of: ${linked.map(String).join(", ") || "(no linked hubs)"}, or link the hub first.`,
        );
      }
      return;
    }),
};
