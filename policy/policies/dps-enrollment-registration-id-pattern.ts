import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { forEachEnrollment, notApplicable } from "../lib/per-enrollment";
import { isUnknown } from "../lib/known";
import { ENROLLMENT_ID_PATTERN, kindInfo } from "@dps-as-code/contract";

// Names carry meaning across tools (hub device ids, dashboards, certificate CNs), so each
// environment fixes a naming pattern. The default is DPS's own rule (contract/dps/ids.ts).
export interface RegistrationIdPatternConfig {
  /** Regular expression every individual registrationId must match (whole id). */
  readonly registrationIdPattern: string;
  /** Regular expression every enrollmentGroupId must match (whole id). */
  readonly enrollmentGroupIdPattern: string;
}

const DPS_ID_RULE = ENROLLMENT_ID_PATTERN.source;

export const REGISTRATION_ID_PATTERN_DEFAULTS: RegistrationIdPatternConfig = {
  registrationIdPattern: DPS_ID_RULE,
  enrollmentGroupIdPattern: DPS_ID_RULE,
};

export function createDpsEnrollmentRegistrationIdPatternPolicy(
  defaults: RegistrationIdPatternConfig = REGISTRATION_ID_PATTERN_DEFAULTS,
): ResourceValidationPolicy {
  return {
    name: "dps-enrollment-registration-id-pattern",
    description: "Registration ids and enrollment group ids follow the environment's naming pattern.",
    severity: "medium",
    configSchema: schemaWithDefaults(defaults, {
      registrationIdPattern: { type: "string", minLength: 1, description: "regex for registrationId" },
      enrollmentGroupIdPattern: { type: "string", minLength: 1, description: "regex for enrollmentGroupId" },
    }),
    validateResource: (args, reportViolation) =>
      forEachEnrollment(args, reportViolation, (enrollment) => {
        if (isUnknown(enrollment.id)) {
          return notApplicable("the enrollment id is unknown during preview; checked on update");
        }
        const config = withDefaults(defaults, args.getConfig<Partial<RegistrationIdPatternConfig>>());
        const field = kindInfo(enrollment.kind).idField;
        const source =
          enrollment.kind === "individual" ? config.registrationIdPattern : config.enrollmentGroupIdPattern;
        if (enrollment.id === undefined) {
          reportViolation(`${enrollment.label} has no ${field}; set one matching /${source}/.`);
          return;
        }
        // Anchored here so a pattern written without ^...$ still constrains the whole id.
        let pattern: RegExp;
        try {
          pattern = new RegExp(`^(?:${source})$`);
        } catch {
          reportViolation(
            `Policy config ${field}Pattern /${source}/ is not a valid regular expression; fix the policy config file.`,
          );
          return;
        }
        if (!pattern.test(enrollment.id)) {
          reportViolation(
            `${field} "${enrollment.id}" does not match this environment's pattern /${source}/; rename the enrollment.`,
          );
        }
        return;
      }),
  };
}
