import type { ResourceValidationArgs, ResourceValidationPolicy, ReportViolation } from "@pulumi/policy";
import { isEnrollmentLedger } from "@dps-as-code/contract";
import { isUnknown, whenKnown } from "./known";

// The pack sees only the new program, so the findings that need the last deployment (deleted
// individual enrollments, credential changes) come from the fleet's enrollment ledger: its
// provider computes them in check(), before anything is deployed. A policy on those findings
// reads the ledger's props as plain data; during preview the ledger may still be unknown (it
// depends on the platform's outputs), and then the policy says so and is checked on update.

/** A policy over the enrollment ledger's props, typed as `Props`. */
export function ledgerPolicy<Props>(
  policy: Omit<ResourceValidationPolicy, "validateResource">,
  validate: (ledger: Props, reportViolation: ReportViolation) => void,
): ResourceValidationPolicy {
  return {
    ...policy,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      if (!isEnrollmentLedger(args.type)) {
        return;
      }
      const ledger = whenKnown(() => JSON.parse(JSON.stringify(args.props)) as Props);
      if (isUnknown(ledger)) {
        return args.notApplicable("the enrollment ledger is unknown during preview; checked on update");
      }
      validate(ledger, reportViolation);
    },
  };
}
