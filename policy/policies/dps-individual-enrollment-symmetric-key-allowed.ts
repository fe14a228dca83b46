import type { ResourceValidationPolicy } from "@pulumi/policy";
import { attestationType, enrollmentInputs, symmetricKeyException } from "../lib/enrollments";
import { isUnknown } from "../lib/known";

// A symmetric key is a shared secret copied onto the device and kept by DPS: fine for a lab,
// weak for a fleet. Production allows it only for devices marked with a documented reason.
export const dpsIndividualEnrollmentSymmetricKeyAllowedPolicy: ResourceValidationPolicy = {
  name: "dps-individual-enrollment-symmetric-key-allowed",
  description:
    "Symmetric-key individual enrollments are allowed only for devices marked with allowSymmetricKeyInProduction (a documented reason).",
  severity: "high",
  validateResource: (args, reportViolation) => {
    const enrollment = enrollmentInputs(args.type, args.props);
    if (enrollment === undefined || enrollment.kind !== "individual") {
      return;
    }
    const attestation = attestationType(args.props);
    const reason = symmetricKeyException(args.props);
    if (isUnknown(attestation) || isUnknown(reason)) {
      return args.notApplicable("attestation or allowSymmetricKeyInProduction is unknown during preview; checked on update");
    }
    if (attestation !== "symmetricKey" || reason !== undefined) {
      return;
    }
    reportViolation(
      `${enrollment.label} uses symmetric-key attestation without an exception; use X.509 or TPM, or set allowSymmetricKeyInProduction to the documented reason this device needs a symmetric key.`,
    );
  },
};
