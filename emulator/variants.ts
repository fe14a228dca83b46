/**
 * DPS behaviours that a client depends on and that no public source pins down. For each, the
 * emulator can answer every plausible way, so a client can be proven right under all of them
 * (`npm run test:variants`); the default is the most faithful reading of the sources named here.
 * Set them in-process (`EmulatorOptions.undocumented`), in the config file (`undocumented:`) or on
 * the command line (`--bulk-create-on-existing overwrite`, ...). Sources: docs/dps-contracts.md.
 */

export const UNDOCUMENTED_CHOICES = {
  /**
   * A bulk `create` item whose id already exists. The spec (Azure/azure-rest-api-specs
   * specification/deviceprovisioningservices/data-plane/Microsoft.Devices/stable/2021-10-01/
   * service.json, IndividualEnrollment_RunBulkOperation) names the modes and nothing more; no doc,
   * sample or SDK test shows a create over an existing id. "refuse": that item fails with 409 and
   * the others apply (the name "create" beside a separate "update" suggests it; default).
   * "overwrite": the item replaces the record, like a PUT without If-Match (new keys when none
   * are sent).
   */
  bulkCreateOnExisting: ["refuse", "overwrite"],
  /**
   * What a bulk `delete` item must carry. The spec types every bulk item as a full
   * IndividualEnrollment (required: registrationId and attestation), and Microsoft's sample
   * deletes with the records it read back (Azure/azure-iot-sdk-node provisioning/service/samples/
   * run_bulk_operation.js); no source shows a delete item with the id alone. "record": an item
   * without the stored record's attestation type fails with 400 (default). "id": the id alone
   * is enough.
   */
  bulkDeleteItems: ["record", "id"],
  /**
   * How a bulk call counts against the 1,000 service operations per minute (MicrosoftDocs/
   * azure-docs includes/iot-dps-limits.md, which is silent on bulk; an earlier revision says each
   * API call is billed as one operation). "per-item": one per item, the stricter (default);
   * "per-call": one per call.
   */
  bulkQuotaCost: ["per-item", "per-call"],
  /**
   * How enrollment replies (GET, PUT, query) show `customAllocationDefinition.webhookUrl`. DPS
   * masks the query (where an Azure Functions key lives) in the enrollment it hands to the webhook
   * (learn.microsoft.com/azure/iot-dps/concepts-custom-allocation); whether GET does the same is
   * not documented. "clear" (default) or "masked" (`https://host/path?****`).
   */
  webhookUrlsInReplies: ["clear", "masked"],
  /**
   * Whether the individual-enrollment query (`POST /enrollments/query`) carries each enrollment's
   * `registrationState`. The spec (service.json above) types the query's items as
   * IndividualEnrollment, whose read-only `registrationState` is a DeviceRegistrationState, so
   * "included" (default) is its plain reading; no doc, sample or SDK test shows a query item with
   * it, and a service may well leave a joined, per-device field out of a listing: "omitted".
   * `npm run registrations` trusts a listing only when it shows the field.
   */
  registrationStateInListings: ["included", "omitted"],
  /**
   * What deleting an individual enrollment does to its device's registration record. The spec
   * embeds the record in the enrollment (IndividualEnrollment.registrationState) and has a DELETE
   * of its own for it (DeviceRegistrationState_Delete); no doc says whether the enrollment's DELETE
   * removes it. "deleted" (default): the device's next registration, through a group, is a first
   * one, placed by the group's allocation. "kept": it is a re-registration, under the group's
   * reprovision policy (learn.microsoft.com/azure/iot-dps/concepts-device-reprovision).
   */
  individualDeleteRegistration: ["deleted", "kept"],
} as const;

type Choices = typeof UNDOCUMENTED_CHOICES;
export type UndocumentedBehaviour = { -readonly [K in keyof Choices]: Choices[K][number] };
export type BehaviourName = keyof UndocumentedBehaviour;

/** The first choice of each is the default. */
export const DEFAULT_BEHAVIOUR: UndocumentedBehaviour = {
  bulkCreateOnExisting: "refuse",
  bulkDeleteItems: "record",
  bulkQuotaCost: "per-item",
  webhookUrlsInReplies: "clear",
  registrationStateInListings: "included",
  individualDeleteRegistration: "deleted",
};

export const BEHAVIOUR_NAMES = Object.keys(UNDOCUMENTED_CHOICES) as BehaviourName[];

/** `bulkCreateOnExisting` -> `bulk-create-on-existing` (the command-line flag). */
export function flagOf(name: BehaviourName): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The behaviour to run with: `explicit` (in-process options, flags) over `fromFile` (the config
 * file's `undocumented:`) over the defaults. Throws naming the setting and the allowed values.
 */
export function resolveBehaviour(
  fromFile: unknown,
  explicit: Partial<UndocumentedBehaviour> = {},
  where = "config",
): UndocumentedBehaviour {
  if (
    fromFile !== undefined &&
    (typeof fromFile !== "object" || fromFile === null || Array.isArray(fromFile))
  )
    throw new Error(`${where}: undocumented must be an object of ${BEHAVIOUR_NAMES.join(", ")}`);
  const file = (fromFile ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(file)) {
    if (!(BEHAVIOUR_NAMES as string[]).includes(key))
      throw new Error(`${where}: undocumented.${key} is unknown; known: ${BEHAVIOUR_NAMES.join(", ")}`);
  }
  const result = { ...DEFAULT_BEHAVIOUR };
  for (const name of BEHAVIOUR_NAMES) {
    const [value, at] =
      explicit[name] !== undefined ? [explicit[name], name] : [file[name], `${where}: undocumented.${name}`];
    if (value === undefined) continue;
    const allowed = UNDOCUMENTED_CHOICES[name] as readonly string[];
    if (typeof value !== "string" || !allowed.includes(value))
      throw new Error(`${at} is ${JSON.stringify(value)}; allowed: ${allowed.join(", ")}`);
    (result as Record<string, string>)[name] = value;
  }
  return result;
}

/**
 * The variants worth running a client under: the defaults, each behaviour's other answers one at
 * a time, and every non-default answer at once.
 */
export function behaviourVariants(): Array<{ name: string; behaviour: UndocumentedBehaviour }> {
  const variants = [{ name: "defaults", behaviour: { ...DEFAULT_BEHAVIOUR } }];
  const allOthers = { ...DEFAULT_BEHAVIOUR } as Record<string, string>;
  for (const name of BEHAVIOUR_NAMES) {
    for (const value of UNDOCUMENTED_CHOICES[name].slice(1)) {
      variants.push({ name: `${name}: ${value}`, behaviour: { ...DEFAULT_BEHAVIOUR, [name]: value } });
      allOthers[name] = value;
    }
  }
  variants.push({ name: "every non-default answer", behaviour: allOthers as UndocumentedBehaviour });
  return variants;
}
