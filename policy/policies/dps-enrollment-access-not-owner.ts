import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { declaresPolicyWithRights, UNKNOWN_POLICIES_REASON } from "../lib/authorization-policies";
import { connectionStringIdentity, isAzureDps } from "@dps-as-code/contract";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";
import { isUnknown, knownPath } from "../lib/known";

// `provisioningserviceowner` holds every right, ServiceConfig included (relink hubs, change
// allocation, delete certificates). The program only needs the enrollment rights (DPS accepts
// EnrollmentWrite only together with EnrollmentRead, RegistrationStatusRead and
// RegistrationStatusWrite), so it uses a dedicated policy with those, or Microsoft Entra ID.
export interface DpsEnrollmentAccessConfig {
  /** DPS policy key names the program must not manage enrollments with. */
  readonly ownerKeyNames: string[];
}

export const DPS_ENROLLMENT_ACCESS_DEFAULTS: DpsEnrollmentAccessConfig = {
  ownerKeyNames: ["provisioningserviceowner"],
};

const NEEDED = ["enrollmentread", "enrollmentwrite"];
const EXCESSIVE = ["serviceconfig", "deviceconnect"];
const DEDICATED_RIGHTS = "EnrollmentRead, EnrollmentWrite, RegistrationStatusRead, RegistrationStatusWrite";

export function createDpsEnrollmentAccessNotOwnerPolicy(
  defaults: DpsEnrollmentAccessConfig = DPS_ENROLLMENT_ACCESS_DEFAULTS,
): ResourceValidationPolicy {
  return {
    name: "dps-enrollment-access-not-owner",
    description:
      "Enrollments are managed with a dedicated DPS access policy (enrollment rights, no ServiceConfig or DeviceConnect) or Entra ID, never the owner policy.",
    severity: "high",
    configSchema: schemaWithDefaults(defaults, {
      ownerKeyNames: {
        type: "array",
        items: { type: "string" },
        description: "policy names enrollments must not use",
      },
    }),
    validateResource: [
      (args, reportViolation) =>
        forEachEnrollment(args, reportViolation, (enrollment) => {
          const useEntraId = knownPath(enrollment.props, ["dps", "useEntraId"]);
          if (useEntraId === true) {
            return;
          }
          // The connection string is a secret the analyzer receives in plain text; only its key
          // name is read, and it is usually unknown in preview (it comes from listIotDpsResourceKeys).
          const connectionString = knownPath(enrollment.props, ["dps", "connectionString"]);
          if (isUnknown(connectionString) || isUnknown(useEntraId)) {
            return notApplicable("the DPS credentials are unknown during preview; checked on update");
          }
          if (typeof connectionString !== "string") {
            return;
          }
          const config = withDefaults(defaults, args.getConfig<Partial<DpsEnrollmentAccessConfig>>());
          const { keyName } = connectionStringIdentity(connectionString);
          if (
            keyName !== undefined &&
            config.ownerKeyNames.some((owner) => owner.toLowerCase() === keyName.toLowerCase())
          ) {
            reportViolation(
              `${enrollment.label} is managed with DPS access policy "${keyName}", which also holds ServiceConfig; use a dedicated policy with rights "${DEDICATED_RIGHTS}" (or dps.useEntraId).`,
            );
          }
          return;
        }),
      (args, reportViolation) => {
        if (!isAzureDps(args.type)) {
          return;
        }
        const dedicated = declaresPolicyWithRights(
          args.props,
          (granted) =>
            NEEDED.every((right) => granted.has(right)) && !EXCESSIVE.some((right) => granted.has(right)),
        );
        if (dedicated === "unknown list" || dedicated === "unknown policy") {
          return args.notApplicable(UNKNOWN_POLICIES_REASON[dedicated]);
        }
        if (dedicated === "no") {
          reportViolation(
            `DPS declares no access policy for managing enrollments without ServiceConfig or DeviceConnect; add an entry to properties.authorizationPolicies with rights "${DEDICATED_RIGHTS}" and manage enrollments with it.`,
          );
        }
      },
    ],
  };
}
