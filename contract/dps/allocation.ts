/**
 * Allocation rules of an enrollment, as DPS applies them (learn.microsoft.com/azure/iot-dps/how-to-use-allocation-policies):
 * - `iotHubs` needs an explicit `allocationPolicy`: DPS answers 400004 "Enrollment
 *   allocationPolicy must be specified when iotHubs are specified" (Azure/azure-sdk-for-python#35368);
 * - `static` assigns to exactly one hub;
 * - `custom` needs `customAllocationDefinition`, which no other policy takes.
 * Plain questions answered by data, so the loader and the resources word them the same.
 */
import type { AllocationPolicy } from "./vocabulary";

export type AllocationRuleViolation =
  | { readonly rule: "hubsWithoutPolicy" }
  | { readonly rule: "staticHubCount"; readonly hubs: number | undefined }
  | { readonly rule: "customWithoutDefinition" }
  | { readonly rule: "definitionWithoutCustom"; readonly policy: AllocationPolicy | undefined };

/** `static` assigns to the one hub listed: DPS refuses several, and with none it has nothing to assign. */
export function staticAllocationHubCountAllowed(hubs: number | undefined): boolean {
  return hubs === 1;
}

/** `hubs` is the number of hubs named, or undefined when `iotHubs` is absent. */
export function allocationRuleViolations(
  policy: AllocationPolicy | undefined,
  hubs: number | undefined,
  hasDefinition: boolean,
): AllocationRuleViolation[] {
  const out: AllocationRuleViolation[] = [];
  if (policy === undefined && hubs !== undefined) out.push({ rule: "hubsWithoutPolicy" });
  if (policy === "static" && !staticAllocationHubCountAllowed(hubs))
    out.push({ rule: "staticHubCount", hubs });
  if (policy === "custom" && !hasDefinition) out.push({ rule: "customWithoutDefinition" });
  if (policy !== "custom" && hasDefinition) out.push({ rule: "definitionWithoutCustom", policy });
  return out;
}

export const HUBS_WITHOUT_POLICY_ALLOWED =
  "an allocationPolicy (hashed, geoLatency, static or custom) whenever iotHubs is given; DPS refuses iotHubs without one (400004)";
