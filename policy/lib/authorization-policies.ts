import { accessRights } from "@dps-as-code/contract";
import { isUnknown, knownElements, knownPath, knownProperty } from "./known";

/**
 * Whether a hub's or a DPS's `properties.authorizationPolicies` holds a policy whose rights
 * satisfy `fits`: "yes", "no", or "unknown" while the list (or a policy that could decide it)
 * is still unknown during preview.
 */
export function declaresPolicyWithRights(
  props: Record<string, unknown>,
  fits: (rights: Set<string>) => boolean,
): "yes" | "no" | "unknown list" | "unknown policy" {
  const policies = knownElements(knownPath(props, ["properties", "authorizationPolicies"]));
  if (isUnknown(policies)) return "unknown list";
  const found = (policies ?? []).some((policy) => {
    const rights = knownProperty(policy, "rights");
    return typeof rights === "string" && fits(accessRights(rights));
  });
  if (found) return "yes";
  return (policies ?? []).some(isUnknown) ? "unknown policy" : "no";
}

export const UNKNOWN_POLICIES_REASON = {
  "unknown list": "properties.authorizationPolicies is unknown during preview; checked on update",
  "unknown policy": "an authorization policy is unknown during preview; checked on update",
} as const;
