// Turning a manifest's hub reference into the host name the platform deployed, for both paths
// (IndividualEnrollment/EnrollmentGroup arguments in index.ts, EnrollmentSet entries in batch.ts).
import { deployedHubCatalogue, resolveHub } from "../manifests";
import type { EnrollmentCommonSpec } from "../manifests";

/**
 * The host name a manifest's hub reference (key or host name) stands for, once the platform has
 * handed out every hub's host name. The loader has already refused unknown keys; what it could
 * not check offline (a host name on Azure, where names end in a random suffix) fails here,
 * naming the entry, before the enrollment reaches DPS.
 */
export function deployedHubHostName(
  reference: string,
  hostNames: Record<string, string>,
  spec: EnrollmentCommonSpec,
): string {
  const resolved = resolveHub(reference, deployedHubCatalogue(hostNames));
  if (resolved.ok) return resolved.hostName;
  throw new Error(
    `${spec.source.file}:${spec.source.line}: iotHubs: ${resolved.problem}; allowed: ${resolved.allowed}`,
  );
}

/** The host names of an entry's hub references (deployedHubHostName, for each). */
export function deployedHubHostNames(
  references: readonly string[],
  hostNames: Record<string, string>,
  spec: EnrollmentCommonSpec,
): string[] {
  return references.map((reference) => deployedHubHostName(reference, hostNames, spec));
}
