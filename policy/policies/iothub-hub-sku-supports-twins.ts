import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { isUnknown, knownPath } from "../lib/known";
import { isIotHub } from "@dps-as-code/contract";

// Basic tier hubs (B1-B3) have no device twins, so a DPS initial twin cannot be applied and
// devices provisioned there lose their desired configuration; the Free tier (F1) has one unit,
// 8,000 messages a day and no SLA. Which tiers are refused is configuration: dev may allow F1.
export interface IotHubSkuConfig {
  /** SKU names (sku.name) this environment refuses. */
  readonly disallowedSkus: string[];
}

export const IOT_HUB_SKU_DEFAULTS: IotHubSkuConfig = { disallowedSkus: ["F1", "B1", "B2", "B3"] };

const WHY: Record<string, string> = {
  F: "the Free tier has one unit, 8,000 messages a day and no SLA",
  B: "Basic tiers have no device twins, so DPS initial twins cannot be applied",
};

export function createIotHubSkuSupportsTwinsPolicy(
  defaults: IotHubSkuConfig = IOT_HUB_SKU_DEFAULTS,
): ResourceValidationPolicy {
  return {
    name: "iothub-hub-sku-supports-twins",
    description: "IoT hubs use a tier this environment allows (no Free or Basic tier in production).",
    severity: "high",
    configSchema: schemaWithDefaults(defaults, {
      disallowedSkus: { type: "array", items: { type: "string" }, description: "sku.name values refused" },
    }),
    validateResource: (args, reportViolation) => {
      if (!isIotHub(args.type)) {
        return;
      }
      const config = withDefaults(defaults, args.getConfig<Partial<IotHubSkuConfig>>());
      const sku = knownPath(args.props, ["sku", "name"]);
      if (isUnknown(sku)) {
        return args.notApplicable("sku.name is unknown during preview; checked on update");
      }
      if (typeof sku !== "string") {
        return;
      }
      const refused = config.disallowedSkus.find((name) => name.toUpperCase() === sku.toUpperCase());
      if (refused !== undefined) {
        const why = WHY[sku.charAt(0).toUpperCase()] ?? "it is refused by this environment's policy config";
        reportViolation(
          `IoT hub sku.name is "${sku}": ${why}; use a Standard tier (S1, S2 or S3) here. Refused in this environment: ${config.disallowedSkus.join(", ")}.`,
        );
      }
    },
  };
}
