/**
 * diff() of a set, entry by entry, without calling DPS: the per-enrollment diff (diff.ts) applied
 * to every entry, so a set and an IndividualEnrollment never disagree about what changed. Pure.
 *
 * - an id only in the new inputs: create; only in the state: remove (or release, when the program
 *   now declares it as an IndividualEnrollment);
 * - the attestation type of an entry changes: that entry is deleted and created inside the set
 *   (its id is user-chosen, so delete first), never a replace of the whole set;
 * - a DPS-visible setting or declared key changes: update (bulk updateIfMatchETag);
 * - only provider-side inputs change (labels, delete options): recorded, no DPS call.
 * Only a change of DPS (dps.serviceEndpoint) replaces the set. `owner` and `operationsPerMinute`
 * are never a diff, nor is a different `__provider` reference; a state holding the provider's code
 * is a state-only update (stored-forms.ts).
 */
import { diffEnrollment, symmetricKeysChanged } from "../diff";
import { canonicalSettings, changedSettings, stableStringify } from "../normalize";
import {
  containsUnknown,
  type EnrollmentSetInputs,
  type EnrollmentSetOutputs,
  entryInputs,
  entryOutputs,
  idsByLowerCase,
  providerCodeInState,
} from "@dps-as-code/contract";

export interface SetPlan {
  create: string[];
  /** Identity changed (attestation type): delete, then create. */
  recreate: string[];
  /** DPS-visible change: bulk update with the ETag. */
  update: string[];
  /** Only provider-side inputs changed: new outputs, no DPS call. */
  recordOnly: string[];
  /** Left the set: deleted in DPS. */
  remove: string[];
  /** Left the set for an IndividualEnrollment: no DPS call. */
  release: string[];
  /** Per changed entry, the changed top-level fields (for messages and tests). */
  fields: Record<string, string[]>;
}

export interface SetDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  plan: SetPlan | undefined;
}

export function emptyPlan(): SetPlan {
  return { create: [], recreate: [], update: [], recordOnly: [], remove: [], release: [], fields: {} };
}

export function planSet(olds: EnrollmentSetOutputs, news: EnrollmentSetInputs): SetPlan {
  const plan = emptyPlan();
  const oldIds = idsByLowerCase(Object.keys(olds.enrollments ?? {}));
  const newIds = idsByLowerCase(Object.keys(news.enrollments));
  const individually = new Set((news.individuallyManaged ?? []).map((id) => id.toLowerCase()));

  for (const [lower, id] of newIds) {
    const oldId = oldIds.get(lower);
    if (oldId === undefined) {
      plan.create.push(id);
      continue;
    }
    // The connection is the set's, compared once below: compare entries under the same one.
    const sameConnection = { ...news, dps: olds.dps ?? news.dps };
    const result = diffEnrollment(
      "individual",
      { ...entryOutputs(olds, oldId), registrationId: id },
      entryInputs(sameConnection, id),
    );
    if (result.replaces.includes("attestation")) {
      plan.recreate.push(id);
      plan.fields[id] = ["attestation"];
    } else if (result.changes) {
      const before = entryOutputs(olds, oldId);
      const after = entryInputs(sameConnection, id);
      const dpsVisible =
        changedSettings(canonicalSettings("individual", before), canonicalSettings("individual", after))
          .length > 0 || symmetricKeysChanged(before, after);
      (dpsVisible ? plan.update : plan.recordOnly).push(id);
      plan.fields[id] = result.updates;
    }
  }
  for (const [lower, id] of oldIds) {
    if (newIds.has(lower)) continue;
    (individually.has(lower) ? plan.release : plan.remove).push(id);
  }
  // Released ids that are no longer declared individually are dropped from `released` (the
  // IndividualEnrollment's own delete handles them); that is a change of state, not of DPS.
  for (const id of Object.values(plan)) if (Array.isArray(id)) id.sort();
  return plan;
}

export function planIsEmpty(plan: SetPlan): boolean {
  return (
    plan.create.length +
      plan.recreate.length +
      plan.update.length +
      plan.recordOnly.length +
      plan.remove.length +
      plan.release.length ===
    0
  );
}

/** Released ids still declared individually: what `released` becomes. */
export function keptReleased(
  olds: Pick<EnrollmentSetOutputs, "released">,
  news: EnrollmentSetInputs,
  releasedNow: readonly string[],
): string[] {
  const individually = new Set((news.individuallyManaged ?? []).map((id) => id.toLowerCase()));
  const inSet = new Set(Object.keys(news.enrollments).map((id) => id.toLowerCase()));
  const all = idsByLowerCase([...(olds.released ?? []), ...releasedNow]);
  return [...all.entries()]
    .filter(([lower]) => individually.has(lower) && !inSet.has(lower))
    .map(([, id]) => id)
    .sort();
}

export function diffSet(olds: EnrollmentSetOutputs, news: EnrollmentSetInputs): SetDiff {
  const newEndpoint = typeof news.dps === "object" ? news.dps?.serviceEndpoint : undefined;
  if (
    newEndpoint !== undefined &&
    !containsUnknown(newEndpoint) &&
    newEndpoint.toLowerCase() !== (olds.dps?.serviceEndpoint ?? "").toLowerCase()
  ) {
    return { changes: true, replaces: ["dps"], deleteBeforeReplace: true, plan: undefined };
  }
  // Entries or hub host names still unknown at preview (computed from resources being created or
  // updated): show an update; the real diff during `up` has the values.
  if (
    containsUnknown(news.enrollments) ||
    containsUnknown(news.secrets) ||
    containsUnknown(news.hubHostNames)
  )
    return { changes: true, replaces: [], deleteBeforeReplace: false, plan: undefined };
  const plan = planSet(olds, news);
  const connectionChanged = stableStringify(connectionOf(olds)) !== stableStringify(connectionOf(news));
  const releasedChanged =
    stableStringify(keptReleased(olds, news, plan.release)) !==
    stableStringify([...(olds.released ?? [])].sort());
  // A state holding the provider's code is rewritten by a state-only update, as for the enrollment
  // resources (diff.ts); a reference of any form is no change.
  const providerChanged = providerCodeInState(olds, news);
  return {
    changes:
      !planIsEmpty(plan) ||
      connectionChanged ||
      releasedChanged ||
      providerChanged ||
      olds.shard !== news.shard,
    replaces: [],
    deleteBeforeReplace: false,
    plan,
  };
}

function connectionOf(set: EnrollmentSetInputs): unknown {
  const dps = set.dps ?? { serviceEndpoint: "" };
  return {
    connectionString: dps.connectionString || undefined,
    useEntraId: dps.useEntraId === true,
    trustedCaCertificate: dps.trustedCaCertificate?.trim() || undefined,
  };
}
