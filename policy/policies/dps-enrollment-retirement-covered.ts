import type { ResourceValidationPolicy } from "@pulumi/policy";
import {
  coverageOf,
  type DpsCaCertificate,
  type GroupView,
  type IndividualView,
  type LedgerIndividual,
} from "@dps-as-code/contract";
import { ledgerPolicy } from "../lib/ledger-policy";

// DPS tries a device's individual enrollment first and the groups after it, so deleting an
// individual enrollment hands its device to a group of the stack, or strands it: the device can
// no longer provision (nor re-provision after a reset or a hub failover). A deleted resource is
// not in the new program, so the pack learns of the deletion through the fleet's enrollment
// ledger (lib/ledger-policy.ts), whose provider lists the individual enrollments that disappeared
// since the last deployment (`deletedIndividualEnrollments`).
// Every deleted enrollment is treated as having a registered device: registration states are not
// known offline, and a device not registered yet is stranded just the same.

interface LedgerProps {
  /** Ledger records; a ledger deployed before it kept certificate facts holds whole manifest entries. */
  readonly deletedIndividualEnrollments?: (LedgerIndividual | IndividualView)[];
  readonly enrollmentGroups?: GroupView[];
  readonly caCertificates?: DpsCaCertificate[];
  readonly retiredEnrollments?: { registrationId: string; reason: string }[];
}

export const dpsEnrollmentRetirementCoveredPolicy: ResourceValidationPolicy = ledgerPolicy<LedgerProps>(
  {
    name: "dps-enrollment-retirement-covered",
    description:
      "An individual enrollment is deleted only when a group of the stack covers its device, or the change lists it in retiredEnrollments.",
    severity: "high",
  },
  (ledger, reportViolation) => {
    const acknowledged = new Set(
      (ledger.retiredEnrollments ?? []).map((r) => r.registrationId.toLowerCase()),
    );
    for (const deleted of ledger.deletedIndividualEnrollments ?? []) {
      if (acknowledged.has(deleted.registrationId.toLowerCase())) {
        continue;
      }
      const coverage = coverageOf(deleted, ledger.enrollmentGroups ?? [], ledger.caCertificates ?? []);
      if (coverage.covered) {
        continue;
      }
      reportViolation(
        `individual enrollment "${deleted.registrationId}" is deleted but no enrollment group of this stack covers its device (${coverage.why}): ` +
          `the device could no longer provision. Create or widen the group first, in an earlier change (npm run plan-enrollment-move), ` +
          `or, if the device is retired on purpose, list it under retiredEnrollments with the reason.`,
      );
    }
  },
);
