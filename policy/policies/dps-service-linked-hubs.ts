import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { dpsLinkedHubs } from "../lib/dps-linked-hubs";
import { isUnknown } from "../lib/known";

// A DPS with no linked hub cannot provision anything; production keeps devices provisionable
// through a regional outage only with hubs in at least two regions.
export interface DpsLinkedHubsConfig {
  readonly minimumHubs: number;
  readonly minimumRegions: number;
}

export const DPS_LINKED_HUBS_DEFAULTS: DpsLinkedHubsConfig = { minimumHubs: 1, minimumRegions: 1 };

export function createDpsServiceLinkedHubsPolicy(
  defaults: DpsLinkedHubsConfig = DPS_LINKED_HUBS_DEFAULTS,
): ResourceValidationPolicy {
  return {
    name: "dps-service-linked-hubs",
    description:
      "DPS instances link enough hubs in enough regions (at least one; production: two hubs in two regions).",
    severity: "high",
    configSchema: schemaWithDefaults(defaults, {
      minimumHubs: { type: "integer", minimum: 1, description: "linked hubs required" },
      minimumRegions: { type: "integer", minimum: 1, description: "distinct hub locations required" },
    }),
    validateResource: (args, reportViolation) => {
      const linked = dpsLinkedHubs(args.type, args.props);
      if (linked === undefined) {
        return;
      }
      if (isUnknown(linked)) {
        return args.notApplicable("the linked hub list is unknown during preview; checked on update");
      }
      const config = withDefaults(defaults, args.getConfig<Partial<DpsLinkedHubsConfig>>());
      const hubs = linked.hubs ?? [];
      if (hubs.length < config.minimumHubs) {
        reportViolation(
          `${linked.what} links ${hubs.length} IoT hub(s); this environment requires at least ${config.minimumHubs}: link more hubs.`,
        );
      }
      if (hubs.some((hub) => isUnknown(hub.location))) {
        return;
      }
      const regions = new Set(
        hubs.map((hub) =>
          String(hub.location ?? "")
            .toLowerCase()
            .replace(/\s+/g, ""),
        ),
      );
      regions.delete("");
      if (hubs.length > 0 && regions.size < config.minimumRegions) {
        reportViolation(
          `${linked.what} links hubs in ${regions.size} region(s) (${[...regions].join(", ") || "none"}); this environment requires at least ${config.minimumRegions}: link a hub in another region.`,
        );
      }
    },
  };
}
