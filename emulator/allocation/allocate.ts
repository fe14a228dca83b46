import type { GeoLatencyModel } from "../options";
import type {
  AllocationPolicy,
  DpsSettings,
  EnrollmentGroupRecord,
  IndividualEnrollmentRecord,
  LinkedHub,
} from "../state/types";
import { pickGeoLatency } from "./geo";
import { pickHashed } from "./hashed";

type Enrollment = IndividualEnrollmentRecord | EnrollmentGroupRecord;

/**
 * The hubs an enrollment may land on: its own `iotHubs` (all of them, even those with
 * applyAllocationPolicy false), else the legacy `iotHubHostName`, else every linked hub that
 * takes part in allocation. Hubs unlinked since the enrollment was written drop out.
 */
export function candidateHubs(enrollment: Enrollment, settings: DpsSettings): LinkedHub[] {
  const linked = (name: string) =>
    settings.linkedHubs.find((h) => h.hostName.toLowerCase() === name.toLowerCase());
  if (enrollment.iotHubs?.length)
    return enrollment.iotHubs.map(linked).filter((h): h is LinkedHub => h !== undefined);
  if (enrollment.iotHubHostName)
    return [linked(enrollment.iotHubHostName)].filter((h): h is LinkedHub => h !== undefined);
  return settings.linkedHubs.filter((h) => h.applyAllocationPolicy);
}

/** The enrollment's policy wins over the DPS default; a lone legacy iotHubHostName means static. */
export function effectivePolicy(enrollment: Enrollment, settings: DpsSettings): AllocationPolicy {
  if (enrollment.allocationPolicy) return enrollment.allocationPolicy;
  if (enrollment.iotHubHostName && !enrollment.iotHubs?.length) return "static";
  return settings.allocationPolicy;
}

/** Built-in policies (custom goes through the webhook). */
export function pickHub(
  policy: Exclude<AllocationPolicy, "custom">,
  registrationId: string,
  hubs: readonly LinkedHub[],
  geo: GeoLatencyModel,
): LinkedHub | undefined {
  switch (policy) {
    case "static":
      return hubs[0];
    case "geoLatency":
      return pickGeoLatency(geo, registrationId, hubs);
    case "hashed":
      return pickHashed(registrationId, hubs);
  }
}
