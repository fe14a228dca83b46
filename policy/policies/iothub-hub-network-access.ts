import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { isUnknown, knownPath } from "../lib/known";
import {
  NETWORK_ACCESS_DEFAULTS,
  NETWORK_ACCESS_SCHEMA,
  networkAccessViolations,
  type NetworkAccessConfig,
} from "../lib/network-access";
import { isIotHub } from "@dps-as-code/contract";

/** A network rule set with defaultAction "Deny" is the newer form of an IP allow-list. */
function deniesByDefault(props: Record<string, unknown>) {
  const action = knownPath(props, ["properties", "networkRuleSets", "defaultAction"]);
  return isUnknown(action) ? action : String(action).toLowerCase() === "deny";
}

export function createIotHubNetworkAccessPolicy(
  defaults: NetworkAccessConfig = NETWORK_ACCESS_DEFAULTS,
): ResourceValidationPolicy {
  return {
    name: "iothub-hub-network-access",
    description:
      "IoT hubs expose public network access only as this environment allows, behind IP filters where required.",
    severity: "medium",
    configSchema: schemaWithDefaults(defaults, NETWORK_ACCESS_SCHEMA),
    validateResource: (args, reportViolation) => {
      if (!isIotHub(args.type)) {
        return;
      }
      const config = withDefaults(defaults, args.getConfig<Partial<NetworkAccessConfig>>());
      const violations = networkAccessViolations("IoT hub", args.props, config, deniesByDefault);
      if (isUnknown(violations)) {
        return args.notApplicable("network settings are unknown during preview; checked on update");
      }
      violations.forEach((message) => reportViolation(message));
    },
  };
}
