import { symmetricKeyExceptionPolicy } from "../lib/symmetric-key-exception";

// A symmetric key is a shared secret copied onto the device and kept by DPS: fine for a lab,
// weak for a fleet. Production allows it only for devices marked with a documented reason.
export const dpsIndividualEnrollmentSymmetricKeyAllowedPolicy = symmetricKeyExceptionPolicy({
  name: "dps-individual-enrollment-symmetric-key-allowed",
  description:
    "Symmetric-key individual enrollments are allowed only for devices marked with allowSymmetricKeyInProduction (a documented reason).",
  kind: "individual",
  message: (label) =>
    `${label} uses symmetric-key attestation without an exception; use X.509 or TPM, or set allowSymmetricKeyInProduction to the documented reason this device needs a symmetric key.`,
});
