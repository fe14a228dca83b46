import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { enrollmentsOf, type EnrollmentInputs } from "../lib/enrollments";
import { isUnknown, knownPath } from "../lib/known";
import { isEnrollmentSet } from "@dps-as-code/contract";

// Two resources with the same registration id (or group id) in one DPS overwrite each other on
// every `pulumi up`: the last writer wins and the other resource's state drifts silently.
// DPS compares ids case-insensitively, so this policy does too. Entries of enrollment sets count
// like resources (an id in a set and in a resource, or in two sets, collides the same way) and
// are named "<set resource name>[<id>]".
const UNKNOWN_ENDPOINT = "(DPS endpoint unknown during preview)";

interface Declaration {
  readonly resource: PolicyResource;
  readonly enrollment: EnrollmentInputs;
  /** The resource's name, or "<set>[<id>]" for a set entry. */
  readonly name: string;
}

export const dpsEnrollmentUniqueIdsPolicy: StackValidationPolicy = {
  name: "dps-enrollment-unique-ids",
  description: "No registration id or enrollment group id is declared twice for the same DPS.",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const declared = new Map<string, Declaration[]>();
    for (const resource of args.resources) {
      const enrollments = enrollmentsOf(resource.type, resource.props);
      if (enrollments === undefined || isUnknown(enrollments)) {
        continue;
      }
      // Resources whose endpoint is unknown are compared with each other: a stack has one DPS
      // in practice, and a false duplicate in preview is cheaper than a missed one.
      const endpoint = knownPath(resource.props, ["dps", "serviceEndpoint"]);
      const where = typeof endpoint === "string" ? endpoint.toLowerCase() : UNKNOWN_ENDPOINT;
      const inSet = isEnrollmentSet(resource.type);
      for (const enrollment of enrollments) {
        if (typeof enrollment.id !== "string") {
          continue;
        }
        const key = `${enrollment.kind}\u0000${where}\u0000${enrollment.id.toLowerCase()}`;
        const name = inSet ? `${resource.name}[${enrollment.id}]` : resource.name;
        declared.set(key, [...(declared.get(key) ?? []), { resource, enrollment, name }]);
      }
    }
    for (const [key, declarations] of declared) {
      if (declarations.length < 2) {
        continue;
      }
      const [kind, where] = key.split("\u0000");
      const field = kind === "individual" ? "registrationId" : "enrollmentGroupId";
      const names = declarations.map(({ name }) => `"${name}"`).join(", ");
      for (const { resource } of declarations) {
        reportViolation(
          `${field} "${String(declarations[0]!.enrollment.id)}" is declared by ${declarations.length} resources (${names}) for DPS ${where}; keep one and remove the others.`,
          resource.urn,
        );
      }
    }
  },
};
