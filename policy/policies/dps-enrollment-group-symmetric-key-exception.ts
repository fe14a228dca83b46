import { symmetricKeyExceptionPolicy } from "../lib/symmetric-key-exception";

// A symmetric-key group key derives every device key of the group: one leaked group key
// compromises the whole fleet. X.509 CA groups scale without that single secret.
export const dpsEnrollmentGroupSymmetricKeyExceptionPolicy = symmetricKeyExceptionPolicy({
  name: "dps-enrollment-group-symmetric-key-exception",
  description:
    "Symmetric-key enrollment groups need a documented exception (allowSymmetricKeyInProduction); X.509 CA groups are preferred at scale.",
  kind: "group",
  message: (label) =>
    `${label} uses a symmetric group key, which derives every device key in the group; prefer an X.509 CA group (attestation.x509.caReferences), or set allowSymmetricKeyInProduction to the documented exception.`,
});
