import type { StackValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { attestationType, enrollmentInputs } from "../lib/enrollments";
import { isUnknown, knownPath } from "../lib/known";
import { LIMITED_GROUP_KIND_NAMES, MAX_ENROLLMENT_GROUPS_PER_ATTESTATION } from "@dps-as-code/contract";

// DPS's limit on enrollment groups per attestation type (contract/dps/limits.ts): the group past
// it fails at deploy time, midway through an update. An environment may allow fewer.
export interface GroupCountConfig {
  readonly maximumGroupsPerKind: number;
}

const DPS_LIMIT = Math.min(...Object.values(MAX_ENROLLMENT_GROUPS_PER_ATTESTATION));

export const GROUP_COUNT_DEFAULTS: GroupCountConfig = { maximumGroupsPerKind: DPS_LIMIT };

export function createDpsEnrollmentGroupCountPolicy(
  defaults: GroupCountConfig = GROUP_COUNT_DEFAULTS,
): StackValidationPolicy {
  return {
    name: "dps-enrollment-group-count",
    description: `A DPS holds at most ${DPS_LIMIT} enrollment groups of each attestation kind (X.509, symmetric key).`,
    severity: "high",
    configSchema: schemaWithDefaults(defaults, {
      maximumGroupsPerKind: {
        type: "integer",
        minimum: 1,
        maximum: DPS_LIMIT,
        description: "groups allowed per kind",
      },
    }),
    validateStack: (args, reportViolation) => {
      const config = withDefaults(defaults, args.getConfig<Partial<GroupCountConfig>>());
      const counts = new Map<string, { where: string; kind: "symmetricKey" | "x509"; count: number }>();
      for (const resource of args.resources) {
        const enrollment = enrollmentInputs(resource.type, resource.props);
        if (enrollment?.kind !== "group") {
          continue;
        }
        const kind = attestationType(resource.props);
        if (isUnknown(kind) || kind === undefined || kind === "tpm") {
          continue;
        }
        const endpoint = knownPath(resource.props, ["dps", "serviceEndpoint"]);
        const where =
          typeof endpoint === "string" ? endpoint.toLowerCase() : "(DPS endpoint unknown during preview)";
        const key = `${where}\u0000${kind}`;
        const entry = counts.get(key) ?? { where, kind, count: 0 };
        counts.set(key, { ...entry, count: entry.count + 1 });
      }
      for (const { where, kind, count } of counts.values()) {
        if (count > config.maximumGroupsPerKind) {
          reportViolation(
            `DPS ${where} would hold ${count} ${LIMITED_GROUP_KIND_NAMES[kind]} enrollment groups; the limit is ${config.maximumGroupsPerKind}: merge groups or move some to another DPS.`,
          );
        }
      }
    },
  };
}
