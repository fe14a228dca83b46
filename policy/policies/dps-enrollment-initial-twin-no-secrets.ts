import type { ResourceValidationPolicy } from "@pulumi/policy";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";
import { isRecord, isUnknown, knownElements, knownProperty, whenKnown } from "../lib/known";
import { secretLikeReason } from "../lib/secret-like";

// Walks `initialTwin.tags` and `initialTwin.properties.desired`; messages name the path and
// why it looks secret, never the value.
interface Finding {
  readonly path: string;
  readonly reason: string;
}

const MAX_DEPTH = 10;

function scan(value: unknown, path: string, name: string, depth: number, findings: Finding[]): void {
  if (isUnknown(value) || depth > MAX_DEPTH) {
    return;
  }
  const reason = secretLikeReason(name, value);
  if (reason !== undefined) {
    findings.push({ path, reason });
    return;
  }
  if (Array.isArray(value)) {
    const elements = knownElements(value);
    if (Array.isArray(elements)) {
      elements.forEach((element, index) => scan(element, `${path}[${index}]`, name, depth + 1, findings));
    }
    return;
  }
  if (isRecord(value)) {
    const keys = whenKnown(() => Object.keys(value));
    for (const key of isUnknown(keys) ? [] : keys) {
      scan(knownProperty(value, key), `${path}.${key}`, key, depth + 1, findings);
    }
  }
}

export const dpsEnrollmentInitialTwinNoSecretsPolicy: ResourceValidationPolicy = {
  name: "dps-enrollment-initial-twin-no-secrets",
  description: "Initial twins hold no value that looks like a secret (keys, connection strings, tokens).",
  severity: "critical",
  validateResource: (args, reportViolation) =>
    forEachEnrollment(args, reportViolation, (enrollment) => {
      const twin = knownProperty(enrollment.props, "initialTwin");
      if (twin === undefined || twin === null) {
        return notApplicable("the enrollment has no initial twin");
      }
      if (isUnknown(twin)) {
        return notApplicable("initialTwin is unknown during preview; checked on update");
      }
      // Values unknown during preview are skipped; the known rest is still checked now.
      const findings: Finding[] = [];
      scan(twin, "initialTwin", "initialTwin", 0, findings);
      for (const { path, reason } of findings) {
        reportViolation(
          `${enrollment.label} ${path} ${reason}; twins are readable by hub services and stored in plain text: deliver the secret another way (Key Vault, device-side secure storage).`,
        );
      }
      return;
    }),
};
