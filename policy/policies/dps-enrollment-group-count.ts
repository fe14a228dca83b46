import type { StackValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { groupCountsPerDps } from "../lib/group-counts";
import { countLimitFinding, DPS_COUNT_LIMITS } from "@dps-as-code/contract";

// DPS's fixed limit on symmetric-key enrollment groups (contract/dps/limits.ts: "No" in the
// Adjustable? column of DPS's quotas page): the group past it fails at deploy time, midway
// through an update. An environment may allow fewer. X.509 groups count against an adjustable
// limit: dps-enrollment-x509-group-count.
export interface GroupCountConfig {
  readonly maximumSymmetricKeyGroups: number;
}

const LIMIT = DPS_COUNT_LIMITS.symmetricKeyEnrollmentGroups;

export const GROUP_COUNT_DEFAULTS: GroupCountConfig = { maximumSymmetricKeyGroups: LIMIT.dpsDefault };

export function createDpsEnrollmentGroupCountPolicy(
  defaults: GroupCountConfig = GROUP_COUNT_DEFAULTS,
): StackValidationPolicy {
  return {
    name: "dps-enrollment-group-count",
    description: `A DPS holds at most ${LIMIT.dpsDefault} ${LIMIT.counted}, a fixed DPS limit.`,
    severity: "high",
    configSchema: schemaWithDefaults(defaults, {
      maximumSymmetricKeyGroups: {
        type: "integer",
        minimum: 1,
        maximum: LIMIT.dpsDefault,
        description: "symmetric-key groups allowed per DPS",
      },
    }),
    validateStack: (args, reportViolation) => {
      const config = withDefaults(defaults, args.getConfig<Partial<GroupCountConfig>>());
      for (const [where, count] of groupCountsPerDps(args.resources, "symmetricKey")) {
        if (count <= config.maximumSymmetricKeyGroups) continue;
        const fixed = countLimitFinding("symmetricKeyEnrollmentGroups", count);
        reportViolation(
          fixed
            ? `DPS ${where} would hold ${count} ${LIMIT.counted}; allowed: ${fixed.allowed}.`
            : `DPS ${where} would hold ${count} ${LIMIT.counted}; this environment allows ${config.maximumSymmetricKeyGroups}: merge groups or move some to another DPS.`,
        );
      }
    },
  };
}
