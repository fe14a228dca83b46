import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
  adviseEnrollmentChoice,
  type ChoiceResource,
  choiceViewsOf,
  DEFAULT_ENROLLMENT_CHOICE_SETTINGS,
  ENROLLMENT_CHOICE_POLICY,
  type EnrollmentChoiceSettings,
  isEnrollmentGroup,
} from "@dps-as-code/contract";
import { schemaWithDefaults, withDefaults } from "../lib/config";
import { isUnknown, whenKnown } from "../lib/known";

// Individual enrollments give control and traceability per device, groups give scale. This
// advisory rule points out individual enrollments that share one configuration (the group
// that would replace them) and groups marked as needing individual traceability. The rules are
// the shared module's (contract/choice), so `npm run validate-manifests` and the PR
// report say the same; the settings are this policy's config in policy/config/<environment>.json.

export function createDpsEnrollmentIndividualOrGroupPolicy(
  defaults: EnrollmentChoiceSettings = DEFAULT_ENROLLMENT_CHOICE_SETTINGS,
): StackValidationPolicy {
  return {
    name: ENROLLMENT_CHOICE_POLICY,
    description:
      "Individual enrollments that share one configuration could be one group; groups marked for individual traceability should be individual enrollments.",
    severity: "low",
    enforcementLevel: "advisory",
    configSchema: schemaWithDefaults(defaults, {
      minimumSharedConfiguration: {
        type: "integer",
        minimum: 2,
        description: "individual enrollments sharing one configuration before a group is suggested",
      },
      traceabilityLabel: {
        type: "string",
        minLength: 1,
        description: "label that marks devices needing individual traceability",
      },
      traceabilityValue: {
        type: "string",
        minLength: 1,
        description: "value of that label meaning 'enroll individually'",
      },
    }),
    validateStack: (args, reportViolation) => {
      const settings = withDefaults(defaults, args.getConfig<Partial<EnrollmentChoiceSettings>>());
      const resources: ChoiceResource[] = [];
      const urns = new Map<string, string>();
      for (const resource of args.resources) {
        const inputs = plain(resource);
        if (inputs === undefined) continue;
        resources.push({ type: resource.type, inputs });
        if (isEnrollmentGroup(resource.type) && typeof inputs["enrollmentGroupId"] === "string")
          urns.set(`group:${inputs["enrollmentGroupId"]}`, resource.urn);
      }
      // Both paths: an EnrollmentSet's entries are individual enrollments like any other.
      const { individualEnrollments, enrollmentGroups, caCertificates } = choiceViewsOf(resources);
      for (const advice of adviseEnrollmentChoice(
        { individualEnrollments, enrollmentGroups },
        settings,
        caCertificates,
      )) {
        if (advice.direction === "individuals-to-group") {
          reportViolation(
            `${advice.registrationIds.length} individual enrollments share one configuration (${advice.shared}): ${advice.registrationIds.join(", ")}; ` +
              `one enrollment group ("${advice.group.enrollmentGroupId}") would replace them. See the entry in \`npm run validate-manifests -- --stack <stack>\` and move them with npm run plan-enrollment-move.`,
          );
        } else {
          reportViolation(
            `enrollment group "${advice.enrollmentGroupId}" is marked "${advice.marking}": its devices need individual traceability; enroll each one individually and retire the group.`,
            urns.get(`group:${advice.enrollmentGroupId}`),
          );
        }
      }
    },
  };
}

/** The resource's properties as plain data, or undefined when something is unknown during preview. */
function plain(resource: PolicyResource): Record<string, unknown> | undefined {
  const value = whenKnown(() => JSON.parse(JSON.stringify(resource.props)) as Record<string, unknown>);
  return isUnknown(value) ? undefined : value;
}
