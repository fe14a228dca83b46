/**
 * diff(): decide, without calling DPS, whether an enrollment is unchanged, updated in place, or
 * replaced. Pure.
 *
 * - Identity (`registrationId` / `enrollmentGroupId`, the attestation type, the DPS it lives in)
 *   replaces, deleting first: the id is chosen by the user, so create-before-delete would collide.
 * - Everything DPS stores updates in place, compared in canonical form (normalize.ts).
 * - Provider-only inputs that later operations use (`dps` credentials, `deleteRegistrationStateOnDelete`,
 *   policy labels) update in place too, so the new values reach the state that read/delete use;
 *   update() then makes no DPS call for them.
 * - `linkedHubs` and `adoptExisting` only matter to check() and create(), `owner` only to writes
 *   (ownership.ts): they never cause a diff.
 * - `__provider` differing alone is no change (the stored forms: stored-forms.ts), except a state
 *   that holds the provider's code (versions up to 81129c7): it updates in place, so that the
 *   engine stores the provider's name in the outputs too and refresh and delete stop running the
 *   old code (`providerCodeInState`); update() then makes no DPS call.
 *
 * `olds` are the previous *outputs* (the dynamic provider passes state, not old inputs); outputs
 * keep the inputs for exactly this reason.
 */
import { canonicalSettings, changedSettings, stableStringify } from "./normalize";
import {
  containsUnknown,
  type EnrollmentInputs,
  type EnrollmentKind,
  type EnrollmentOutputs,
  kindInfo,
  providerCodeInState,
} from "@dps-as-code/contract";

export interface EnrollmentDiff {
  changes: boolean;
  /** Top-level input names whose change forces a replacement. */
  replaces: string[];
  /** Top-level input names that change in place. */
  updates: string[];
  deleteBeforeReplace: boolean;
}

/** Inputs used by later operations but not stored in DPS. */
const CONTROL_FIELDS = [
  "deleteRegistrationStateOnDelete",
  "allowSymmetricKeyInProduction",
  "labels",
] as const;

function knownAndDifferent(old: unknown, value: unknown, caseInsensitive: boolean): boolean {
  return value !== undefined && !containsUnknown(value) && !sameText(old, value, caseInsensitive);
}

function sameText(a: unknown, b: unknown, caseInsensitive: boolean): boolean {
  if (typeof a === "string" && typeof b === "string" && caseInsensitive)
    return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

export function diffEnrollment(
  kind: EnrollmentKind,
  olds: EnrollmentOutputs,
  news: EnrollmentInputs,
): EnrollmentDiff {
  const idField = kindInfo(kind).idField;
  const replaces: string[] = [];
  const updates = new Set<string>();

  // DPS ids are case-insensitive: a change of case is the same enrollment. An id still unknown at
  // preview is computed from something being replaced, so the enrollment is too.
  if (containsUnknown(news[idField]) || !sameText(olds[idField], news[idField], true)) replaces.push(idField);
  // The attestation type and the endpoint replace only when known to differ: a value unknown at
  // preview (e.g. keys from a resource being replaced) shows as an update, and the real diff
  // during `up`, with values known, still replaces if the type or DPS did change.
  if (
    knownAndDifferent(
      olds.attestation?.type,
      typeof news.attestation === "object" ? news.attestation?.type : undefined,
      false,
    )
  )
    replaces.push("attestation");
  if (
    knownAndDifferent(
      olds.dps?.serviceEndpoint,
      typeof news.dps === "object" ? news.dps?.serviceEndpoint : undefined,
      true,
    )
  )
    replaces.push("dps");

  if (replaces.length > 0) {
    return { changes: true, replaces, updates: [], deleteBeforeReplace: true };
  }

  const unknownFields = Object.keys(news).filter(
    (k) => k !== "__provider" && containsUnknown((news as unknown as Record<string, unknown>)[k]),
  );
  for (const field of unknownFields) updates.add(field);
  if (unknownFields.length === 0) {
    for (const field of changedSettings(canonicalSettings(kind, olds), canonicalSettings(kind, news)))
      updates.add(field);
    if (symmetricKeysChanged(olds, news)) updates.add("attestation");
    if (stableStringify(connectionControls(olds)) !== stableStringify(connectionControls(news)))
      updates.add("dps");
  }
  for (const field of CONTROL_FIELDS) {
    if (stableStringify(olds[field]) !== stableStringify(news[field])) updates.add(field);
  }
  updates.delete("linkedHubs");
  updates.delete("adoptExisting");
  updates.delete("owner");
  if (providerCodeInState(olds, news)) updates.add("__provider");
  return {
    changes: updates.size > 0,
    replaces: [],
    updates: [...updates].sort(),
    deleteBeforeReplace: false,
  };
}

/** Declared keys differ from the keys DPS held at the last create/update/refresh. */
export function symmetricKeysChanged(olds: EnrollmentOutputs, news: EnrollmentInputs): boolean {
  if (news.attestation?.type !== "symmetricKey") return false;
  const declared = news.attestation.symmetricKey;
  // No keys declared: keep whatever DPS holds (generated keys, or keys declared earlier).
  if (!declared?.primaryKey && !declared?.secondaryKey) return false;
  return declared.primaryKey !== olds.primaryKey || declared.secondaryKey !== olds.secondaryKey;
}

function connectionControls(inputs: EnrollmentInputs): unknown {
  const dps = inputs.dps ?? { serviceEndpoint: "" };
  return {
    connectionString: dps.connectionString || undefined,
    useEntraId: dps.useEntraId === true,
    trustedCaCertificate: dps.trustedCaCertificate?.trim() || undefined,
  };
}
