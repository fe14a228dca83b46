import type { StackValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { attestationType, enrollmentInputs } from "../lib/enrollments";
import { isUnknown, knownPath } from "../lib/known";

// DPS holds at most 100 X.509 enrollment groups and 100 symmetric-key groups per instance
// (documented limits); the 101st fails at deploy time, midway through an update.
export interface GroupCountConfig {
  readonly maximumGroupsPerKind: number;
}

export const GROUP_COUNT_DEFAULTS: GroupCountConfig = { maximumGroupsPerKind: 100 };

const KIND_NAMES: Record<string, string> = { symmetricKey: "symmetric-key", x509: "X.509" };

export function createDpsEnrollmentGroupCountPolicy(
  defaults: GroupCountConfig = GROUP_COUNT_DEFAULTS,
): StackValidationPolicy {
  return {
    name: "dps-enrollment-group-count",
    description: "A DPS holds at most 100 enrollment groups of each attestation kind (X.509, symmetric key).",
    severity: "high",
    configSchema: schemaWithDefaults(defaults, {
      maximumGroupsPerKind: {
        type: "integer",
        minimum: 1,
        maximum: 100,
        description: "groups allowed per kind",
      },
    }),
    validateStack: (args, reportViolation) => {
      const config = withDefaults(defaults, args.getConfig<Partial<GroupCountConfig>>());
      const counts = new Map<string, number>();
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
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [key, count] of counts) {
        if (count > config.maximumGroupsPerKind) {
          const [where, kind] = key.split("\u0000");
          reportViolation(
            `DPS ${where} would hold ${count} ${KIND_NAMES[kind ?? ""] ?? kind} enrollment groups; the limit is ${config.maximumGroupsPerKind}: merge groups or move some to another DPS.`,
          );
        }
      }
    },
  };
}
