import type { ResourceValidationPolicy } from "@pulumi/policy";
import { dpsLinkedHubs } from "../lib/dps-linked-hubs";
import { isUnknown } from "../lib/known";
import { ALLOCATION_WEIGHT } from "@dps-as-code/contract";

// DPS's allocation weights (contract/dps/limits.ts; absent = 1): other values fail at deploy
// time with a generic ARM error, so the policy names the hub and the value first.
const { min: MINIMUM, max: MAXIMUM } = ALLOCATION_WEIGHT;

export const dpsServiceAllocationWeightsPolicy: ResourceValidationPolicy = {
  name: "dps-service-allocation-weights",
  description: "Linked hub allocation weights are whole numbers within 1..1000.",
  severity: "medium",
  validateResource: (args, reportViolation) => {
    const linked = dpsLinkedHubs(args.type, args.props);
    if (linked === undefined) {
      return;
    }
    if (isUnknown(linked)) {
      return args.notApplicable("the linked hub list is unknown during preview; checked on update");
    }
    for (const hub of linked.hubs ?? []) {
      const weight = hub.allocationWeight;
      if (weight === undefined || weight === null || isUnknown(weight)) {
        continue;
      }
      if (typeof weight !== "number" || !Number.isInteger(weight) || weight < MINIMUM || weight > MAXIMUM) {
        reportViolation(
          `${linked.what} hub "${hub.name}" has allocationWeight ${JSON.stringify(weight)}; use a whole number from ${MINIMUM} to ${MAXIMUM} (absent means 1).`,
        );
      }
    }
  },
};
