/**
 * Numeric limits of DPS and of the IoT hubs it assigns devices to. Sources:
 * - DPS quotas: learn.microsoft.com/azure/iot-dps/about-iot-dps#quotas-and-limits
 *   (MicrosoftDocs/azure-docs `includes/iot-dps-limits.md`, ms.date 04/24/2026, whose
 *   "Adjustable?" column says which limits Microsoft raises on a support request;
 *   docs/dps-contracts.md §6).
 * - Symmetric keys: learn.microsoft.com/azure/iot-dps/concepts-symmetric-key-attestation (docs/dps-contracts.md §5).
 * - Allocation weight: ARM `IotHubDefinitionDescription.allocationWeight` ("between one and 1000").
 */

/** Registration ids, enrollment group ids and IoT Hub device ids: at most 128 characters. */
export const MAX_ID_LENGTH = 128;

/** Symmetric keys DPS accepts: base64 of 16 to 64 bytes; the keys it generates are 64 bytes. */
export const SYMMETRIC_KEY_BYTES = { min: 16, max: 64, generated: 64 } as const;

/**
 * DPS's count limits per DPS, and whether each is adjustable (includes/iot-dps-limits.md, the
 * "Adjustable?" column): Microsoft raises X.509 groups and CAs on a support request, never
 * symmetric-key groups ("hard limit"; the page's tip: use individual enrollments) or linked hubs.
 * An adjustable limit the stack would pass only warns, and a stack whose DPS was raised says so in
 * `dps-as-code:dpsLimits` (RAISED_LIMITS_CONFIG_KEY); a fixed one refuses. One table, read by the
 * manifest loader, the stack config, the resources and the policy pack.
 */
export const DPS_COUNT_LIMITS = {
  x509EnrollmentGroups: { dpsDefault: 100, adjustable: true, counted: "X.509 enrollment groups" },
  symmetricKeyEnrollmentGroups: {
    dpsDefault: 100,
    adjustable: false,
    counted: "symmetric-key enrollment groups",
  },
  caCertificates: { dpsDefault: 25, adjustable: true, counted: "CA certificates" },
  linkedHubs: { dpsDefault: 50, adjustable: false, counted: "linked IoT hubs" },
} as const;

export type CountLimitName = keyof typeof DPS_COUNT_LIMITS;
/** The limits DPS marks adjustable, which a stack may raise. */
export type AdjustableCountLimit = {
  [K in CountLimitName]: (typeof DPS_COUNT_LIMITS)[K]["adjustable"] extends true ? K : never;
}[CountLimitName];
export const ADJUSTABLE_COUNT_LIMITS = (Object.keys(DPS_COUNT_LIMITS) as CountLimitName[]).filter(
  (name) => DPS_COUNT_LIMITS[name].adjustable,
) as AdjustableCountLimit[];
/** The adjustable limits one stack's DPS has (its raised values, else DPS's defaults). */
export type StackCountLimits = Readonly<Record<AdjustableCountLimit, number>>;

/** Stack config key (`dps-as-code:dpsLimits`) of the raised limits, e.g. `{ x509EnrollmentGroups: 300 }`. */
export const RAISED_LIMITS_CONFIG_KEY = "dpsLimits";
/** The same key as a stack file spells it (the project's config namespace is the project name). */
const RAISED_LIMITS_STACK_SETTING = `dps-as-code:${RAISED_LIMITS_CONFIG_KEY}`;

/** DPS's defaults for the adjustable limits: what a stack has until it says its DPS was raised. */
export const DEFAULT_STACK_COUNT_LIMITS: StackCountLimits = Object.fromEntries(
  ADJUSTABLE_COUNT_LIMITS.map((name) => [name, DPS_COUNT_LIMITS[name].dpsDefault]),
) as Record<AdjustableCountLimit, number>;

export function isAdjustableCountLimit(name: string): name is AdjustableCountLimit {
  return (ADJUSTABLE_COUNT_LIMITS as readonly string[]).includes(name);
}

/**
 * What `count` items against a limit mean: nothing within it; beyond an adjustable one a warning
 * (DPS refuses only if Microsoft has not raised this DPS's limit, which only the stack can say);
 * beyond a fixed one a refusal (DPS refuses the item past it, midway through an update).
 */
export function countLimitFinding(
  name: CountLimitName,
  count: number,
  stackLimits: StackCountLimits = DEFAULT_STACK_COUNT_LIMITS,
): { severity: "refuse" | "warn"; problem: string; allowed: string } | undefined {
  const { counted, dpsDefault } = DPS_COUNT_LIMITS[name];
  if (!isAdjustableCountLimit(name)) {
    if (count <= dpsDefault) return undefined;
    return {
      severity: "refuse",
      problem: `too many ${counted}: ${count}`,
      allowed: `at most ${dpsDefault} per DPS (a fixed DPS limit, not raised on request; ${FIXED_LIMIT_ADVICE[name]})`,
    };
  }
  const limit = stackLimits[name];
  if (count <= limit) return undefined;
  const raised = limit !== dpsDefault;
  return {
    severity: "warn",
    problem: `${count} ${counted} exceed ${raised ? `this stack's raised limit of ${limit}` : `DPS's default limit of ${limit}`}, so DPS will refuse the ones past it unless Microsoft has raised this DPS's limit`,
    allowed: `at most ${limit} per DPS, or more once Microsoft raised the limit (an adjustable DPS limit: open an Azure support request), then set ${RAISED_LIMITS_STACK_SETTING}.${name} in the stack's Pulumi.<stack>.yaml to the raised value`,
  };
}

const FIXED_LIMIT_ADVICE: Record<Exclude<CountLimitName, AdjustableCountLimit>, string> = {
  symmetricKeyEnrollmentGroups: "use more devices per group, individual enrollments, or another DPS",
  linkedHubs: "link fewer hubs, or use another DPS",
};

/** The limit each attestation type's enrollment groups count against. */
export const GROUP_COUNT_LIMIT = {
  symmetricKey: "symmetricKeyEnrollmentGroups",
  x509: "x509EnrollmentGroups",
} as const satisfies Record<string, CountLimitName>;

export const MAX_INDIVIDUAL_ENROLLMENTS = 1_000_000;

/**
 * Service operations a DPS accepts per minute (docs/dps-contracts.md §6 "service operations
 * 1,000 / min / service", adjustable on request): the pace the batch path keeps unless the stack
 * says its DPS has more.
 */
export const SERVICE_OPERATIONS_PER_MINUTE = 1000;

/** Enrollments in one bulk operation (`POST /enrollments`): at most 10 a call (docs/dps-contracts.md §1 "Bulk"). */
export const MAX_BULK_ENROLLMENTS = 10;
export const MAX_LINKED_HUBS = DPS_COUNT_LIMITS.linkedHubs.dpsDefault;
export const ALLOCATION_WEIGHT = { min: 1, max: 1000 } as const;
