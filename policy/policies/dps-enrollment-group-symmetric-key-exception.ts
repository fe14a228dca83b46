import type { ResourceValidationPolicy } from "@pulumi/policy";
import { attestationType, enrollmentInputs, symmetricKeyException } from "../lib/enrollments";
import { isUnknown } from "../lib/known";

// A symmetric-key group key derives every device key of the group: one leaked group key
// compromises the whole fleet. X.509 CA groups scale without that single secret.
export const dpsEnrollmentGroupSymmetricKeyExceptionPolicy: ResourceValidationPolicy = {
  name: "dps-enrollment-group-symmetric-key-exception",
  description:
    "Symmetric-key enrollment groups need a documented exception (allowSymmetricKeyInProduction); X.509 CA groups are preferred at scale.",
  severity: "high",
  validateResource: (args, reportViolation) => {
    const enrollment = enrollmentInputs(args.type, args.props);
    if (enrollment === undefined || enrollment.kind !== "group") {
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
      `${enrollment.label} uses a symmetric group key, which derives every device key in the group; prefer an X.509 CA group (attestation.x509.caReferences), or set allowSymmetricKeyInProduction to the documented exception.`,
    );
  },
};
