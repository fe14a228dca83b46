import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { enrollmentInputs } from "../lib/enrollments";
import { knownPath } from "../lib/known";

// Two resources with the same registration id (or group id) in one DPS overwrite each other on
// every `pulumi up`: the last writer wins and the other resource's state drifts silently.
// DPS compares ids case-insensitively, so this policy does too.
const UNKNOWN_ENDPOINT = "(DPS endpoint unknown during preview)";

export const dpsEnrollmentUniqueIdsPolicy: StackValidationPolicy = {
  name: "dps-enrollment-unique-ids",
  description: "No registration id or enrollment group id is declared twice for the same DPS.",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const declared = new Map<string, PolicyResource[]>();
    for (const resource of args.resources) {
      const enrollment = enrollmentInputs(resource.type, resource.props);
      if (enrollment === undefined || typeof enrollment.id !== "string") {
        continue;
      }
      // Resources whose endpoint is unknown are compared with each other: a stack has one DPS
      // in practice, and a false duplicate in preview is cheaper than a missed one.
      const endpoint = knownPath(resource.props, ["dps", "serviceEndpoint"]);
      const where = typeof endpoint === "string" ? endpoint.toLowerCase() : UNKNOWN_ENDPOINT;
      const key = `${enrollment.kind}\u0000${where}\u0000${enrollment.id.toLowerCase()}`;
      declared.set(key, [...(declared.get(key) ?? []), resource]);
    }
    for (const [key, resources] of declared) {
      if (resources.length < 2) {
        continue;
      }
      const [kind, where] = key.split("\u0000");
      const first = enrollmentInputs(resources[0]!.type, resources[0]!.props)!;
      const field = kind === "individual" ? "registrationId" : "enrollmentGroupId";
      const names = resources.map((resource) => `"${resource.name}"`).join(", ");
      for (const resource of resources) {
        reportViolation(
          `${field} "${String(first.id)}" is declared by ${resources.length} resources (${names}) for DPS ${where}; keep one and remove the others.`,
          resource.urn,
        );
      }
    }
  },
};
