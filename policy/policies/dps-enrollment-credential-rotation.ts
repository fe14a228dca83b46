import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  type CredentialChange,
  credentialLockout,
  type EarlyCaRetirement,
  earlyCaRetirementProblem,
} from "@dps-as-code/contract";
import { ledgerPolicy } from "../lib/ledger-policy";

// DPS accepts either of an enrollment's two credentials (primary or secondary key; primary or
// secondary certificate or CA reference: contract/rotation/steps.ts cites the docs), so a
// rotation changes one per deployment while the devices move to the other. A change that
// replaces every credential the devices hold, or removes a CA in the same deployment in which a
// group stops referencing it, locks devices out. The fleet's enrollment ledger
// (lib/ledger-policy.ts) compares the enrollments' credential fingerprints with the last
// deployment's and hands over the findings (`credentialChanges`, `earlyCaRetirements`, no
// fingerprint in them); the rule and its messages live in contract/rotation/lockout.ts, and each
// message names the step of `npm run plan-rotation` the change skipped.

interface LedgerProps {
  readonly credentialChanges?: CredentialChange[];
  readonly earlyCaRetirements?: EarlyCaRetirement[];
}

export const dpsEnrollmentCredentialRotationPolicy: ResourceValidationPolicy = ledgerPolicy<LedgerProps>(
  {
    name: "dps-enrollment-credential-rotation",
    description:
      "An enrollment's credentials change one at a time (a key, a certificate, a CA), and a CA leaves the DPS only after no deployed group references it.",
    severity: "high",
  },
  (ledger, reportViolation) => {
    for (const change of ledger.credentialChanges ?? []) {
      const problem = credentialLockout(change);
      if (problem !== undefined) {
        reportViolation(problem);
      }
    }
    for (const retirement of ledger.earlyCaRetirements ?? []) {
      reportViolation(earlyCaRetirementProblem(retirement));
    }
  },
);
