import type { ResourceValidationPolicy } from "@pulumi/policy";
import { attestationType, enrollmentInputs, symmetricKeyException } from "./enrollments";
import { isUnknown } from "./known";

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
    validateResource: (args, reportViolation) => {
      const enrollment = enrollmentInputs(args.type, args.props);
      if (enrollment === undefined || enrollment.kind !== spec.kind) {
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
      reportViolation(spec.message(enrollment.label));
    },
  };
}
