import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { declaresPolicyWithRights, UNKNOWN_POLICIES_REASON } from "../lib/authorization-policies";
import { connectionStringIdentity, isAzureDps, isIotHub } from "@dps-as-code/contract";
import { isRecord, isUnknown, knownElements, knownPath, knownProperty } from "../lib/known";

// DPS needs RegistryWrite + ServiceConnect on a linked hub (it creates the device identity and
// applies the initial twin) and nothing else. Linking with `iothubowner` hands DPS, and anyone
// who can read the DPS, DeviceConnect as well: the power to impersonate every device.
const NEEDED = ["registrywrite", "serviceconnect"];
const TOO_MUCH = "deviceconnect";

export interface DpsLinkAccessConfig {
  /** Hub policy key names DPS must not link with. */
  readonly forbiddenLinkKeyNames: string[];
}

export const DPS_LINK_ACCESS_DEFAULTS: DpsLinkAccessConfig = { forbiddenLinkKeyNames: ["iothubowner"] };

const isLeastPrivilegeForDps = (rights: Set<string>): boolean =>
  NEEDED.every((right) => rights.has(right)) && !rights.has(TOO_MUCH);

export function createIotHubDpsLinkAccessPolicy(
  defaults: DpsLinkAccessConfig = DPS_LINK_ACCESS_DEFAULTS,
): ResourceValidationPolicy {
  return {
    name: "iothub-hub-dps-link-access-policy",
    description:
      "IoT hubs declare a dedicated least-privilege access policy for DPS (RegistryWrite, ServiceConnect, no DeviceConnect), and DPS links hubs with it, never with iothubowner.",
    severity: "high",
    configSchema: schemaWithDefaults(defaults, {
      forbiddenLinkKeyNames: {
        type: "array",
        items: { type: "string" },
        description: "hub policies DPS must not link with",
      },
    }),
    validateResource: [
      (args, reportViolation) => {
        if (!isIotHub(args.type)) {
          return;
        }
        const dedicated = declaresPolicyWithRights(args.props, isLeastPrivilegeForDps);
        if (dedicated === "unknown list" || dedicated === "unknown policy") {
          return args.notApplicable(UNKNOWN_POLICIES_REASON[dedicated]);
        }
        if (dedicated === "no") {
          reportViolation(
            `IoT hub declares no access policy DPS can link with at least privilege; add an entry to properties.authorizationPolicies with rights "RegistryWrite, ServiceConnect" (no DeviceConnect) and link DPS with it.`,
          );
        }
      },
      (args, reportViolation) => {
        if (!isAzureDps(args.type)) {
          return;
        }
        const config = withDefaults(defaults, args.getConfig<Partial<DpsLinkAccessConfig>>());
        const forbidden = new Set(config.forbiddenLinkKeyNames.map((name) => name.toLowerCase()));
        const hubs = knownElements(knownPath(args.props, ["properties", "iotHubs"]));
        if (isUnknown(hubs)) {
          return args.notApplicable("properties.iotHubs is unknown during preview; checked on update");
        }
        for (const hub of hubs ?? []) {
          // Hub connection strings usually come from listIotHubResourceKeys: unknown in preview.
          const connectionString = isRecord(hub) ? knownProperty(hub, "connectionString") : undefined;
          if (typeof connectionString !== "string") {
            continue;
          }
          const { hostName, keyName } = connectionStringIdentity(connectionString);
          if (keyName !== undefined && forbidden.has(keyName.toLowerCase())) {
            reportViolation(
              `DPS links hub "${hostName ?? "(no HostName)"}" with access policy "${keyName}", which also grants DeviceConnect; link it with the hub's dedicated policy (rights "RegistryWrite, ServiceConnect").`,
            );
          }
        }
      },
    ],
  };
}
