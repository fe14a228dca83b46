import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { isRecord, isUnknown, knownElements, knownPath, knownProperty, type Unknown } from "./known";

// IoT Hub and DPS share the ARM network model: `properties.publicNetworkAccess` ("Enabled" when
// absent) and `properties.ipFilterRules` [{ filterName, action: Accept|Reject, ipMask }].
// Which exposure is acceptable differs per environment, so both knobs are configuration.

export interface NetworkAccessConfig {
  /** False: `publicNetworkAccess` must be "Disabled" (private endpoints only). */
  readonly allowPublicNetworkAccess: boolean;
  /** True: while public access is enabled, IP filter rules must restrict who connects. */
  readonly requireIpFilterRules: boolean;
}

export const NETWORK_ACCESS_DEFAULTS: NetworkAccessConfig = {
  allowPublicNetworkAccess: true,
  requireIpFilterRules: false,
};

export const NETWORK_ACCESS_SCHEMA: { [K in keyof NetworkAccessConfig]-?: PolicyConfigJSONSchema } = {
  allowPublicNetworkAccess: { type: "boolean", description: "false: publicNetworkAccess must be Disabled" },
  requireIpFilterRules: { type: "boolean", description: "true: public access needs ipFilterRules" },
};

const ALL_ADDRESSES = new Set(["0.0.0.0/0", "0.0.0.0", "*"]);

/** Violation messages for one resource ("IoT hub" / "DPS"), or UNKNOWN if a deciding value is. */
export function networkAccessViolations(
  what: string,
  props: Record<string, unknown>,
  config: NetworkAccessConfig,
  extraFilter: (props: Record<string, unknown>) => boolean | Unknown = () => false,
): string[] | Unknown {
  const access = knownPath(props, ["properties", "publicNetworkAccess"]);
  if (isUnknown(access)) {
    return access;
  }
  const isPublic = access === undefined || access === null || String(access).toLowerCase() !== "disabled";
  if (!isPublic) {
    return [];
  }
  const shown =
    access === undefined || access === null ? "not set (Azure's default is Enabled)" : `"${String(access)}"`;
  if (!config.allowPublicNetworkAccess) {
    return [
      `${what} properties.publicNetworkAccess is ${shown}; this environment allows private endpoints only: set properties.publicNetworkAccess to "Disabled".`,
    ];
  }
  if (!config.requireIpFilterRules) {
    return [];
  }
  const rules = knownElements(knownPath(props, ["properties", "ipFilterRules"]));
  if (isUnknown(rules)) {
    return rules;
  }
  const violations: string[] = [];
  const acceptAll = (rules ?? []).filter(
    (rule) =>
      isRecord(rule) &&
      knownProperty(rule, "action") === "Accept" &&
      ALL_ADDRESSES.has(String(knownProperty(rule, "ipMask"))),
  );
  for (const rule of acceptAll) {
    violations.push(
      `${what} IP filter rule "${String(knownProperty(rule, "filterName"))}" accepts every address (${String(knownProperty(rule, "ipMask"))}); accept only the ranges devices and operators use.`,
    );
  }
  const filtered = extraFilter(props);
  if (isUnknown(filtered)) {
    return filtered;
  }
  if ((rules ?? []).length === 0 && !filtered) {
    violations.push(
      `${what} allows public network access with no IP filter rules; add properties.ipFilterRules for the allowed ranges, or set properties.publicNetworkAccess to "Disabled".`,
    );
  }
  return violations;
}
