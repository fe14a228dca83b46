// How the project advises between individual enrollments and enrollment groups, per
// environment. The values live in ONE place: the policy config of the environment
// (policy/config/<environment>.json, policy `dps-enrollment-individual-or-group`); the policy
// pack, `npm run validate-manifests` and the PR report all read them from there, and the
// defaults below apply wherever the file leaves a value out.
//
// This folder is shared by the policy pack and the program's tools: it imports nothing but
// Node's built-ins, so the pack stays free of component code (style.md, "The shape we expect").

/** The policy that carries these settings in policy/config/<environment>.json. */
export const ENROLLMENT_CHOICE_POLICY = "dps-enrollment-individual-or-group";

export interface EnrollmentChoiceSettings {
  /**
   * How many enabled individual enrollments must share one configuration before the project
   * points out the enrollment group that would replace them.
   * @default 5
   */
  readonly minimumSharedConfiguration: number;
  /** The label that marks devices needing individual traceability. @default "traceability" */
  readonly traceabilityLabel: string;
  /** The value of that label that means "enroll each device individually". @default "individual" */
  readonly traceabilityValue: string;
}

export const DEFAULT_ENROLLMENT_CHOICE_SETTINGS: EnrollmentChoiceSettings = {
  minimumSharedConfiguration: 5,
  traceabilityLabel: "traceability",
  traceabilityValue: "individual",
};

/** What a policy config file says about the advice: its settings, or that it is disabled. */
export type EnrollmentChoiceConfig =
  { readonly enabled: true; readonly settings: EnrollmentChoiceSettings } | { readonly enabled: false };

/**
 * Reads the advice's settings from a parsed policy config file (the JSON the CLI's
 * `--policy-pack-config` takes). Throws a message naming the file's key on a wrong value.
 */
export function enrollmentChoiceConfig(
  policyConfig: unknown,
  file = "the policy config",
): EnrollmentChoiceConfig {
  const all = isObject(policyConfig) ? policyConfig["all"] : undefined;
  const entry = isObject(policyConfig) ? policyConfig[ENROLLMENT_CHOICE_POLICY] : undefined;
  const level =
    typeof entry === "string"
      ? entry
      : isObject(entry) && typeof entry["enforcementLevel"] === "string"
        ? entry["enforcementLevel"]
        : all;
  if (level === "disabled") return { enabled: false };
  const given = isObject(entry) ? entry : {};
  const settings = { ...DEFAULT_ENROLLMENT_CHOICE_SETTINGS };
  const threshold = given["minimumSharedConfiguration"];
  if (threshold !== undefined) {
    if (typeof threshold !== "number" || !Number.isInteger(threshold) || threshold < 2) {
      throw new Error(
        `${file}: ${ENROLLMENT_CHOICE_POLICY}.minimumSharedConfiguration must be a whole number >= 2 (got ${JSON.stringify(threshold)})`,
      );
    }
    Object.assign(settings, { minimumSharedConfiguration: threshold });
  }
  for (const key of ["traceabilityLabel", "traceabilityValue"] as const) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== "string" || value.trim() === "") {
      throw new Error(
        `${file}: ${ENROLLMENT_CHOICE_POLICY}.${key} must be a non-empty string (got ${JSON.stringify(value)})`,
      );
    }
    Object.assign(settings, { [key]: value });
  }
  return { enabled: true, settings };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
