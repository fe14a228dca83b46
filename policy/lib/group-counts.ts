import type { PolicyResource } from "@pulumi/policy";
import { attestationType, enrollmentInputs } from "./enrollments";
import { isUnknown, knownPath } from "./known";

/** Enrollment groups of one attestation type in the stack, per DPS endpoint (lower case). */
export function groupCountsPerDps(
  resources: readonly Pick<PolicyResource, "type" | "props">[],
  kind: "symmetricKey" | "x509",
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const resource of resources) {
    if (enrollmentInputs(resource.type, resource.props)?.kind !== "group") continue;
    const type = attestationType(resource.props);
    // Unknown during preview: not counted, as for any other group whose type is not this one.
    if (isUnknown(type) || type !== kind) continue;
    const endpoint = knownPath(resource.props, ["dps", "serviceEndpoint"]);
    const where =
      typeof endpoint === "string" ? endpoint.toLowerCase() : "(DPS endpoint unknown during preview)";
    counts.set(where, (counts.get(where) ?? 0) + 1);
  }
  return counts;
}
