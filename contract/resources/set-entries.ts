/**
 * The set-entry view: one entry of an EnrollmentSet is an IndividualEnrollment, with the inputs and
 * outputs its own resource would have, so validation, canonical comparison, DPS mapping, the
 * per-enrollment diff, the policy pack and the PR report read it as one. Pure.
 *
 * What the view is made of: the entry (`enrollments[id]`), its id as `registrationId`, the set
 * inputs every entry shares (SET_SHARED_INPUTS), and the secrets the set keeps apart per id
 * (`secrets[id]`: the declared keys go back into the attestation, the webhook URL into
 * `customAllocationDefinition`). The owner marker is the set's.
 */
import type { EnrollmentInputs, EnrollmentOutputs, SymmetricKeys } from "./enrollment";
import type { EnrollmentSetInputs, EnrollmentSetOutputs, EntrySecrets, SetEntry } from "./enrollment-set";
import { INDIVIDUAL_ENROLLMENT_TYPE } from "./tokens";

/** Every entry of a set is an individual enrollment: this is the resource type it reads as. */
export const SET_ENTRY_TYPE = INDIVIDUAL_ENROLLMENT_TYPE;

/** Set inputs every entry shares: the entry's own IndividualEnrollment resource carries them itself. */
export const SET_SHARED_INPUTS = ["dps", "linkedHubs"] as const;

/** Whether an input of the entry's view is the set's (shared), not the entry's own. */
export function isSetSharedInput(key: string): key is (typeof SET_SHARED_INPUTS)[number] {
  return (SET_SHARED_INPUTS as readonly string[]).includes(key);
}

/** The entry with its secrets put back, as an IndividualEnrollment's inputs. */
export function entryInputs(
  set: EnrollmentSetInputs,
  id: string,
  entry: SetEntry | undefined = set.enrollments[id],
): EnrollmentInputs {
  const secrets = set.secrets?.[id];
  const base = { ...(entry as SetEntry) } as EnrollmentInputs;
  if (base.attestation?.type === "symmetricKey" && secrets && (secrets.primaryKey || secrets.secondaryKey)) {
    base.attestation = {
      type: "symmetricKey",
      symmetricKey: { primaryKey: secrets.primaryKey, secondaryKey: secrets.secondaryKey },
    };
  }
  if (base.customAllocationDefinition && secrets?.webhookUrl) {
    base.customAllocationDefinition = { ...base.customAllocationDefinition, webhookUrl: secrets.webhookUrl };
  }
  return {
    ...base,
    registrationId: id,
    dps: set.dps,
    ...(set.linkedHubs !== undefined ? { linkedHubs: set.linkedHubs } : {}),
    ...(set.owner !== undefined ? { owner: set.owner } : {}),
  };
}

/** The entry as an IndividualEnrollment's outputs (what diffEnrollment compares against). */
export function entryOutputs(set: EnrollmentSetOutputs, id: string): EnrollmentOutputs {
  const keys = set.keys?.[id];
  const meta = set.metadata?.[id];
  return {
    ...entryInputs(set, id),
    serviceEndpoint: set.serviceEndpoint,
    etag: meta?.etag ?? "",
    adopted: set.enrollments[id]?.adoptExisting === true,
    ...(keys ? { primaryKey: keys.primaryKey, secondaryKey: keys.secondaryKey } : {}),
  };
}

/** Keys the entry declares (both, or none). */
export function declaredEntryKeys(set: EnrollmentSetInputs, id: string): SymmetricKeys | undefined {
  const s = set.secrets?.[id];
  return s?.primaryKey && s.secondaryKey
    ? { primaryKey: s.primaryKey, secondaryKey: s.secondaryKey }
    : undefined;
}

/** Ids of a map keyed case-insensitively (DPS ids are): lower-cased id -> id as written. */
export function idsByLowerCase(ids: Iterable<string>): Map<string, string> {
  const result = new Map<string, string>();
  for (const id of ids) result.set(id.toLowerCase(), id);
  return result;
}

/**
 * An IndividualEnrollment's inputs back into a set entry and its secrets (the inverse of
 * entryInputs). The connection may be absent: an entry never holds it (the fleet splits a
 * manifest entry before any DPS is known).
 */
export function splitEntry(inputs: Omit<EnrollmentInputs, "dps"> & Partial<Pick<EnrollmentInputs, "dps">>): {
  entry: SetEntry;
  secrets: EntrySecrets | undefined;
} {
  const { dps: _dps, linkedHubs: _linked, registrationId: _id, owner: _owner, ...rest } = inputs;
  const entry = { ...rest } as SetEntry;
  const secrets: EntrySecrets = {};
  if (entry.attestation?.type === "symmetricKey") {
    const sk = entry.attestation.symmetricKey;
    if (sk?.primaryKey) secrets.primaryKey = sk.primaryKey;
    if (sk?.secondaryKey) secrets.secondaryKey = sk.secondaryKey;
    entry.attestation = { type: "symmetricKey" };
  }
  if (entry.customAllocationDefinition?.webhookUrl) {
    secrets.webhookUrl = entry.customAllocationDefinition.webhookUrl;
    entry.customAllocationDefinition = {
      apiVersion: entry.customAllocationDefinition.apiVersion,
    } as SetEntry["customAllocationDefinition"];
  }
  return { entry, secrets: Object.keys(secrets).length > 0 ? secrets : undefined };
}
