import type { ResourceValidationPolicy } from "@pulumi/policy";
import { attestationType, symmetricKeyException } from "./enrollments";
import { isUnknown } from "./known";
import { forEachEnrollment, notApplicable } from "./per-enrollment";

/**
 * A policy that refuses symmetric-key attestation on one kind of enrollment unless the resource
 * carries a documented exception (`allowSymmetricKeyInProduction`). The two kinds differ only
 * in name, description and the advice of their message.
 */
export function symmetricKeyExceptionPolicy(spec: {
  name: string;
  description: string;
  kind: "individual" | "group";
  /** The violation message for the enrollment labelled `label`. */
  message: (label: string) => string;
}): ResourceValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    severity: "high",
    validateResource: (args, reportViolation) =>
      forEachEnrollment(args, reportViolation, (enrollment) => {
        if (enrollment.kind !== spec.kind) {
          return;
        }
        const attestation = attestationType(enrollment.props);
        const reason = symmetricKeyException(enrollment.props);
        if (isUnknown(attestation) || isUnknown(reason)) {
          return notApplicable(
            "attestation or allowSymmetricKeyInProduction is unknown during preview; checked on update",
          );
        }
        if (attestation === "symmetricKey" && reason === undefined) {
          reportViolation(spec.message(enrollment.label));
        }
        return;
      }),
  };
}
