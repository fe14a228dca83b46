import type { StackValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { groupCountsPerDps } from "../lib/group-counts";
import { countLimitFinding, DEFAULT_STACK_COUNT_LIMITS, DPS_COUNT_LIMITS } from "@dps-as-code/contract";

// DPS's limit on X.509 enrollment groups is adjustable ("Yes" in the Adjustable? column of DPS's
// quotas page; contract/dps/limits.ts): past it DPS refuses the next group unless Microsoft raised
// this DPS's limit, which only the stack knows (`dps-as-code:dpsLimits.x509EnrollmentGroups`,
// read by the program and validate-manifests). So the policy advises (advisory in every
// environment's config) and an environment whose DPS was raised sets `maximumX509Groups` to match.
export interface X509GroupCountConfig {
  readonly maximumX509Groups: number;
}

const LIMIT = DPS_COUNT_LIMITS.x509EnrollmentGroups;

export const X509_GROUP_COUNT_DEFAULTS: X509GroupCountConfig = { maximumX509Groups: LIMIT.dpsDefault };

export function createDpsEnrollmentX509GroupCountPolicy(
  defaults: X509GroupCountConfig = X509_GROUP_COUNT_DEFAULTS,
): StackValidationPolicy {
  return {
    name: "dps-enrollment-x509-group-count",
    description: `A DPS holds ${LIMIT.dpsDefault} ${LIMIT.counted} unless Microsoft raised its limit (an adjustable DPS limit).`,
    severity: "medium",
    configSchema: schemaWithDefaults(defaults, {
      maximumX509Groups: {
        type: "integer",
        // Never below DPS's default: the policy states DPS's limit, not a wish of the environment.
        minimum: LIMIT.dpsDefault,
        description: `X.509 groups the environment's DPS holds (${LIMIT.dpsDefault}, or its raised limit)`,
      },
    }),
    validateStack: (args, reportViolation) => {
      const config = withDefaults(defaults, args.getConfig<Partial<X509GroupCountConfig>>());
      const limits = { ...DEFAULT_STACK_COUNT_LIMITS, x509EnrollmentGroups: config.maximumX509Groups };
      for (const [where, count] of groupCountsPerDps(args.resources, "x509")) {
        const finding = countLimitFinding("x509EnrollmentGroups", count, limits);
        if (!finding) continue;
        reportViolation(
          `DPS ${where}: ${finding.problem}; allowed: ${finding.allowed}, and this policy's maximumX509Groups in policy/config/<environment>.json.`,
        );
      }
    },
  };
}
