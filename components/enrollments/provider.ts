/**
 * The dynamic provider shared by IndividualEnrollment and EnrollmentGroup: one implementation, a
 * `kind` to pick DPS's collection and id field.
 *
 * check/diff are pure (a no-op preview makes no DPS call); create/read/update/delete call DPS
 * through the DPS client (components/dps-client). The resources store the provider's stable name,
 * not its code; the provider process loads it through the project's provider entry
 * (dynamic-providers.js). Credentials come from the resource's inputs, which the engine keeps
 * secret; tests call `createEnrollmentProvider` directly with options.
 */
import type * as pulumi from "@pulumi/pulumi";
import { diffEnrollment, symmetricKeysChanged } from "./diff";
import {
  createDpsClient,
  type DpsClient,
  type DpsClientOptions,
  type DpsEnrollmentRecord,
  isDpsCallError,
} from "../dps-client";
import {
  attestationFromDps,
  FOREIGN_CERTIFICATE_PREFIX,
  keysFrom,
  mergeDpsIntoInputs,
  settingsFromDps,
  toDpsRecord,
} from "./dps-mapping";
import {
  type Attestation,
  containsUnknown,
  describeEnrollment,
  enrollmentId,
  isEnrollmentOutputOnly,
  type EnrollmentInputs,
  type EnrollmentKind,
  type EnrollmentOutputs,
  type SymmetricKeys,
} from "@dps-as-code/contract";
import { otherOwner, ownedByAnotherStack, ownerOf, withOwnerTag } from "./ownership";
import { canonicalSettings, changedSettings, stableStringify } from "./normalize";
import { validateEnrollmentInputs } from "./validation";
import { declaredElsewhere, heldBySet, recordDeclared } from "./sets/registry";

/** Options that tests and benchmarks may set. */
export type EnrollmentProviderOptions = Pick<DpsClientOptions, "retryPolicy" | "requestTimeoutMs">;

/** Secrets of one resource, so no error text can carry them. */
export function secretsOf(inputs: Partial<EnrollmentOutputs>): string[] {
  const attestation = inputs.attestation;
  const declared = attestation?.type === "symmetricKey" ? attestation.symmetricKey : undefined;
  return [
    declared?.primaryKey,
    declared?.secondaryKey,
    inputs.primaryKey,
    inputs.secondaryKey,
    inputs.customAllocationDefinition?.webhookUrl,
  ].filter((s): s is string => typeof s === "string" && s.length > 0);
}

export function declaredKeys(inputs: EnrollmentInputs): SymmetricKeys | undefined {
  const sk = inputs.attestation?.type === "symmetricKey" ? inputs.attestation.symmetricKey : undefined;
  return sk?.primaryKey && sk.secondaryKey
    ? { primaryKey: sk.primaryKey, secondaryKey: sk.secondaryKey }
    : undefined;
}

/** The inputs recorded in a set of outputs (outputs keep the inputs, see buildOutputs). */
export function inputsFromOutputs(outputs: Record<string, unknown>): EnrollmentInputs {
  const inputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(outputs)) if (!isEnrollmentOutputOnly(key)) inputs[key] = value;
  return inputs as unknown as EnrollmentInputs;
}

function withoutKeys(attestation: Attestation): Attestation {
  return attestation.type === "symmetricKey" ? { type: "symmetricKey" } : attestation;
}

/** Plain JSON (no undefined, no prototypes): what Struct.fromJavaScript accepts. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Outputs = the inputs (so the engine and `preview --json` show old -> new) + what DPS says. Keys
 * live only in `primaryKey` / `secondaryKey`, which the resource marks as additional secret outputs.
 */
export function buildOutputs(
  inputs: EnrollmentInputs,
  meta: {
    etag?: string | undefined;
    createdDateTimeUtc?: string | undefined;
    lastUpdatedDateTimeUtc?: string | undefined;
  },
  keys: SymmetricKeys | undefined,
  adopted: boolean,
): EnrollmentOutputs {
  const declared = inputsFromOutputs(inputs as unknown as Record<string, unknown>);
  const outputs: EnrollmentOutputs = {
    ...declared,
    attestation: withoutKeys(declared.attestation),
    serviceEndpoint: declared.dps.serviceEndpoint,
    etag: meta.etag ?? "",
    adopted,
  };
  if (meta.createdDateTimeUtc) outputs.createdDateTimeUtc = meta.createdDateTimeUtc;
  if (meta.lastUpdatedDateTimeUtc) outputs.lastUpdatedDateTimeUtc = meta.lastUpdatedDateTimeUtc;
  if (keys) {
    outputs.primaryKey = keys.primaryKey;
    outputs.secondaryKey = keys.secondaryKey;
  }
  return plain(outputs);
}

/** An error that still records a created enrollment in state (the engine's ErrorResourceInitFailed). */
function initFailure(message: string, id: string, outputs: EnrollmentOutputs): Error {
  return Object.assign(new Error(message), { id, properties: outputs, reasons: [message] });
}

async function currentKeys(
  client: DpsClient,
  kind: EnrollmentKind,
  id: string,
): Promise<SymmetricKeys | undefined> {
  return keysFrom(await client.getAttestationMechanism(kind, id));
}

async function createEnrollment(
  kind: EnrollmentKind,
  inputs: EnrollmentInputs,
  options: EnrollmentProviderOptions,
) {
  const id = enrollmentId(kind, inputs);
  const subject = describeEnrollment(kind, id);
  const client = createDpsClient(inputs.dps, options, secretsOf(inputs));
  // A create costs two service operations, GET then PUT, and the GET stays: DPS has no create-only
  // write. A PUT without If-Match is an unconditional create-or-replace (docs/dps-contracts.md §1, "ETag / If-Match"),
  // what If-Match does for an id that does not exist is undocumented, and so is a bulk "create" of
  // an id that exists (§1, bulk); a PUT alone would silently replace, and regenerate the keys of, an
  // enrollment made outside Pulumi. The keys DPS generates come back in the PUT's answer (§1), so
  // no third call is made for them.
  const existing = await client.get(kind, id);
  if (existing) {
    // A set of this stack held it until this deployment (its manifest switched to the
    // per-enrollment path; this resource depends on that set, which was diffed first): take it
    // over, as adoption does, without the adopted mark. See sets/registry.ts.
    if (kind === "individual" && inputs.adoptExisting !== true && heldBySet(inputs.dps.serviceEndpoint, id)) {
      return adoptEnrollment(kind, id, inputs, existing, client, false);
    }
    const owner = ownerOf(existing);
    // Marked by this very stack: created by a run that was killed before the engine saved it.
    if (owner !== undefined && owner === inputs.owner)
      return resumeEnrollment(kind, id, inputs, existing, client);
    if (inputs.adoptExisting !== true) {
      const madeBy = owner !== undefined ? `, made by stack ${owner}` : "";
      throw new Error(
        `${subject} already exists on DPS ${inputs.dps.serviceEndpoint} (created ${existing.createdDateTimeUtc ?? "at an unknown time"}${madeBy}). ` +
          "Pulumi will not overwrite an enrollment it did not create: set adoptExisting: true to manage it as it is (keys and devices untouched), or choose another id.",
      );
    }
    const otherStack = otherOwner(existing, inputs.owner);
    if (otherStack !== undefined)
      throw new Error(
        `cannot adopt ${subject}: ${ownedByAnotherStack(inputs.dps.serviceEndpoint, otherStack)}`,
      );
    return adoptEnrollment(kind, id, inputs, existing, client);
  }
  const keys = declaredKeys(inputs);
  const record = await client.put(kind, id, recordFor(kind, id, inputs, keys), undefined);
  let held = keys;
  if (inputs.attestation.type === "symmetricKey" && !held) {
    held = keysFrom(record.attestation);
    if (!held) {
      try {
        held = await currentKeys(client, kind, id);
      } catch (error) {
        const outs = buildOutputs(inputs, record, undefined, false);
        throw initFailure(
          `${subject} was created, but reading its generated keys failed: ${(error as Error).message}. Run \`pulumi refresh\`.`,
          id,
          outs,
        );
      }
    }
  }
  return { id, outs: buildOutputs(inputs, record, held, false) };
}

/** The record to PUT: the declared settings plus this stack's owner marker. */
function recordFor(
  kind: EnrollmentKind,
  id: string,
  inputs: EnrollmentInputs,
  keys: SymmetricKeys | undefined,
): DpsEnrollmentRecord {
  return withOwnerTag(toDpsRecord(kind, id, inputs, keys), inputs.owner);
}

/**
 * Picks up an enrollment this stack created in a run that was killed before the engine saved it
 * (README: "Interrupted runs"). Keys DPS generated are kept; what the program declares now is
 * written if DPS holds something else, as the interrupted create (or a later edit) meant.
 */
async function resumeEnrollment(
  kind: EnrollmentKind,
  id: string,
  inputs: EnrollmentInputs,
  existing: DpsEnrollmentRecord,
  client: DpsClient,
) {
  process.stderr.write(
    `${describeEnrollment(kind, id)} already exists on DPS with this stack's owner marker (${inputs.owner}): an interrupted run created it; taking it over.\n`,
  );
  const sameType = existing.attestation?.type?.toLowerCase() === inputs.attestation.type.toLowerCase();
  let keys: SymmetricKeys | undefined;
  let keysMatch = true;
  if (inputs.attestation.type === "symmetricKey") {
    const held = sameType ? await currentKeys(client, kind, id) : undefined;
    const declared = declaredKeys(inputs);
    keys = declared ?? held;
    keysMatch =
      !declared || (held?.primaryKey === declared.primaryKey && held.secondaryKey === declared.secondaryKey);
  }
  const fromDps = settingsFromDps(kind, existing, inputs);
  const unchanged =
    sameType &&
    keysMatch &&
    !stableStringify(fromDps.attestation).includes(FOREIGN_CERTIFICATE_PREFIX) &&
    changedSettings(canonicalSettings(kind, fromDps), canonicalSettings(kind, inputs)).length === 0;
  const record = unchanged
    ? existing
    : await client.put(kind, id, recordFor(kind, id, inputs, keys), existing.etag);
  return { id, outs: buildOutputs(inputs, record, keysFrom(record.attestation) ?? keys, false) };
}

/** Takes over an existing enrollment without changing its keys or certificates. */
async function adoptEnrollment(
  kind: EnrollmentKind,
  id: string,
  inputs: EnrollmentInputs,
  existing: DpsEnrollmentRecord,
  client: DpsClient,
  adopted = true,
) {
  const subject = describeEnrollment(kind, id);
  const existingType = existing.attestation?.type ?? "unknown";
  if (existingType.toLowerCase() !== inputs.attestation.type.toLowerCase()) {
    throw new Error(
      `cannot adopt ${subject}: it uses ${existingType} attestation on DPS, the program declares ${inputs.attestation.type}. ` +
        "Declare the same attestation type to adopt it (changing the type would disconnect its devices).",
    );
  }
  let keys: SymmetricKeys | undefined;
  if (inputs.attestation.type === "symmetricKey") {
    keys = await currentKeys(client, kind, id);
    const declared = declaredKeys(inputs);
    if (
      declared &&
      keys &&
      (declared.primaryKey !== keys.primaryKey || declared.secondaryKey !== keys.secondaryKey)
    ) {
      throw new Error(
        `cannot adopt ${subject}: the declared symmetric keys differ from the keys DPS holds, and adopting must not change keys. ` +
          "Remove attestation.symmetricKey to keep the existing keys (they appear as the primaryKey/secondaryKey outputs), then rotate with a later update.",
      );
    }
  }
  const held = attestationFromDps(existing.attestation, inputs.attestation);
  if (stableStringify(held).includes(FOREIGN_CERTIFICATE_PREFIX)) {
    throw new Error(
      `cannot adopt ${subject}: its X.509 certificates on DPS differ from the declared ones, and adopting must not change them. Declare the certificates DPS holds.`,
    );
  }
  const unchanged =
    changedSettings(
      canonicalSettings(kind, settingsFromDps(kind, existing, inputs)),
      canonicalSettings(kind, inputs),
    ).length === 0;
  const record = unchanged
    ? existing
    : await client.put(kind, id, recordFor(kind, id, inputs, keys), existing.etag);
  return { id, outs: buildOutputs(inputs, record, keysFrom(record.attestation) ?? keys, adopted) };
}

async function updateEnrollment(
  kind: EnrollmentKind,
  id: string,
  olds: EnrollmentOutputs,
  news: EnrollmentInputs,
  options: EnrollmentProviderOptions,
) {
  const dpsChanged =
    changedSettings(canonicalSettings(kind, olds), canonicalSettings(kind, news)).length > 0 ||
    symmetricKeysChanged(olds, news);
  const oldKeys =
    olds.primaryKey && olds.secondaryKey
      ? { primaryKey: olds.primaryKey, secondaryKey: olds.secondaryKey }
      : undefined;
  if (!dpsChanged) {
    // Only provider-side inputs changed (credentials, delete options, labels): nothing to send.
    return { outs: buildOutputs(news, olds, oldKeys, olds.adopted === true) };
  }
  // The id the enrollment was created with: DPS ids are case-insensitive, so a change of case in
  // the program is the same enrollment (diff does not replace) and must address the same record.
  const enrollment = id || enrollmentId(kind, news);
  const client = createDpsClient(news.dps, options, [...secretsOf(news), ...secretsOf(olds)]);
  let keys: SymmetricKeys | undefined;
  if (news.attestation.type === "symmetricKey") {
    // DPS's PUT replaces the record: send the keys it holds unless new ones are declared, or it would generate new ones.
    keys = declaredKeys(news) ?? oldKeys ?? (await currentKeys(client, kind, enrollment));
  }
  let record: DpsEnrollmentRecord;
  try {
    record = await client.put(
      kind,
      enrollment,
      recordFor(kind, enrollment, news, keys),
      olds.etag || undefined,
    );
  } catch (error) {
    const landed = isPreconditionFailure(error)
      ? await holdsExactly(client, kind, enrollment, news, keys)
      : undefined;
    if (!landed) throw error;
    record = landed;
  }
  return { outs: buildOutputs(news, record, keysFrom(record.attestation) ?? keys, olds.adopted === true) };
}

function isPreconditionFailure(error: unknown): boolean {
  return isDpsCallError(error) && error.failure.status === 412;
}

/**
 * DPS's record when it already holds exactly `inputs` (settings and keys), else undefined.
 *
 * A 412 on update means the ETag moved since Pulumi last saw it. When a retry caused it (the first
 * PUT took effect but its answer was lost to a timeout or reset) or someone made the very same
 * change, DPS already holds what we meant to write: nothing would be overwritten, so that is
 * success, not "changed outside Pulumi".
 */
async function holdsExactly(
  client: DpsClient,
  kind: EnrollmentKind,
  id: string,
  inputs: EnrollmentInputs,
  keys: SymmetricKeys | undefined,
): Promise<DpsEnrollmentRecord | undefined> {
  const record = await client.get(kind, id);
  if (!record) return undefined;
  const fromDps = settingsFromDps(kind, record, inputs);
  if (changedSettings(canonicalSettings(kind, fromDps), canonicalSettings(kind, inputs)).length > 0)
    return undefined;
  if (stableStringify(fromDps.attestation).includes(FOREIGN_CERTIFICATE_PREFIX)) return undefined;
  if (keys) {
    const held = await currentKeys(client, kind, id);
    if (held?.primaryKey !== keys.primaryKey || held.secondaryKey !== keys.secondaryKey) return undefined;
  }
  return record;
}

/**
 * The keys a refresh records: the state's own when DPS's ETag is the one the state recorded, else
 * (or when the state holds none) read from DPS.
 *
 * GET never returns symmetric keys (they come from the attestationmechanism call, a second
 * service operation against DPS's 1,000/min quota (docs/dps-contracts.md §6); docs/dps-contracts.md §1 and the CLI's
 * `enrollment show --show-keys`). The keys are part of the enrollment record (its `attestation`,
 * docs/dps-contracts.md §1), and DPS's only write that sets them is the enrollment PUT
 * (IndividualEnrollment_CreateOrUpdate / EnrollmentGroup_CreateOrUpdate in service.json
 * 2021-10-01; the portal and `az iot dps enrollment update` regenerate keys through it). The
 * record's `etag` is the entity tag that PUT and DELETE check with If-Match, "as per RFC7232" (DPS
 * troubleshooting doc, docs/dps-contracts.md §1): a validator that changes whenever the record does. So
 * the keys in state are DPS's while the ETag is the state's. No source says a key change could
 * keep the ETag; if one ever did, this refresh would keep the old keys until the ETag next moves.
 */
async function keysForRefresh(
  client: DpsClient,
  kind: EnrollmentKind,
  id: string,
  props: EnrollmentOutputs,
  record: DpsEnrollmentRecord,
): Promise<SymmetricKeys | undefined> {
  const stored =
    props.primaryKey && props.secondaryKey
      ? { primaryKey: props.primaryKey, secondaryKey: props.secondaryKey }
      : undefined;
  if (stored && props.etag && record.etag === props.etag) return stored;
  return currentKeys(client, kind, id);
}

async function readEnrollment(
  kind: EnrollmentKind,
  id: string,
  props: EnrollmentOutputs,
  options: EnrollmentProviderOptions,
) {
  const client = createDpsClient(props.dps, options, secretsOf(props));
  const record = await client.get(kind, id);
  if (!record) return { id: "", props: {} };
  const declared = inputsFromOutputs(props as unknown as Record<string, unknown>);
  const fromDps = settingsFromDps(kind, record, declared);
  const keys =
    fromDps.attestation.type === "symmetricKey"
      ? await keysForRefresh(client, kind, id, props, record)
      : undefined;
  const inputs = plain(mergeDpsIntoInputs(kind, declared, fromDps));
  return { id, props: buildOutputs(inputs, record, keys, props.adopted === true), inputs };
}

async function deleteEnrollment(
  kind: EnrollmentKind,
  id: string,
  props: EnrollmentOutputs,
  options: EnrollmentProviderOptions,
) {
  // Its manifest switched to the batch path: a set of this deployment declares the id and has
  // taken the enrollment over (creates and updates run before deletes). Leave it in DPS.
  if (kind === "individual" && declaredElsewhere(props.dps.serviceEndpoint, id, "individual")) return;
  const client = createDpsClient(props.dps, options, secretsOf(props));
  const alsoStates = props.deleteRegistrationStateOnDelete === true;
  // List a group's registrations before the group goes, while DPS still resolves them by group.
  const registrations = alsoStates
    ? kind === "individual"
      ? [id]
      : await client.listGroupRegistrationIds(id)
    : [];
  await client.delete(kind, id);
  for (const registrationId of registrations) await client.deleteRegistrationState(registrationId);
}

/** The provider object handed to `pulumi.dynamic.Resource`. */
export function createEnrollmentProvider(
  kind: EnrollmentKind,
  options: EnrollmentProviderOptions = {},
): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
      const dps = news.dps as { serviceEndpoint?: unknown } | undefined;
      if (
        kind === "individual" &&
        typeof news.registrationId === "string" &&
        typeof dps?.serviceEndpoint === "string"
      ) {
        recordDeclared(dps.serviceEndpoint, [news.registrationId], "individual");
      }
      return { inputs: news, failures: validateEnrollmentInputs(kind, news, new Date()) };
    },
    async diff(_id: string, olds: EnrollmentOutputs, news: EnrollmentInputs) {
      const result = diffEnrollment(kind, olds, news);
      return {
        changes: result.changes,
        replaces: result.replaces,
        deleteBeforeReplace: result.deleteBeforeReplace,
      };
    },
    async create(inputs: EnrollmentInputs) {
      return createEnrollment(kind, inputs, options);
    },
    async update(id: string, olds: EnrollmentOutputs, news: EnrollmentInputs) {
      if (containsUnknown(news))
        throw new Error(`${describeEnrollment(kind, id)}: update called with values still unknown`);
      return updateEnrollment(kind, id, olds, news, options);
    },
    async read(id: string, props: EnrollmentOutputs) {
      return readEnrollment(kind, id, props, options);
    },
    async delete(id: string, props: EnrollmentOutputs) {
      await deleteEnrollment(kind, id, props, options);
    },
  };
}
