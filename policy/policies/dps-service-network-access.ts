import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { isUnknown } from "../lib/known";
import {
  NETWORK_ACCESS_DEFAULTS,
  NETWORK_ACCESS_SCHEMA,
  networkAccessViolations,
  type NetworkAccessConfig,
} from "../lib/network-access";
import { isAzureDps } from "@dps-as-code/contract";

// The local emulator (LocalProvisioningService) listens on 127.0.0.1 only and has no network
// settings, so this policy applies to the Azure resource alone.
export function createDpsServiceNetworkAccessPolicy(
  defaults: NetworkAccessConfig = NETWORK_ACCESS_DEFAULTS,
): ResourceValidationPolicy {
  return {
    name: "dps-service-network-access",
    description:
      "DPS instances expose public network access only as this environment allows, behind IP filters where required.",
    severity: "medium",
    configSchema: schemaWithDefaults(defaults, NETWORK_ACCESS_SCHEMA),
    validateResource: (args, reportViolation) => {
      if (!isAzureDps(args.type)) {
        return;
      }
      const config = withDefaults(defaults, args.getConfig<Partial<NetworkAccessConfig>>());
      const violations = networkAccessViolations("DPS", args.props, config);
      if (isUnknown(violations)) {
        return args.notApplicable("network settings are unknown during preview; checked on update");
      }
      violations.forEach((message) => reportViolation(message));
    },
  };
}
