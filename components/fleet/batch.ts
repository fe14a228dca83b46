// The batch path of the fleet: which manifests' individual enrollments go into EnrollmentSets,
// and the sets themselves (one per shard of the stack). A manifest chooses with `mode`; without
// it, the stack's `enrollmentSets.threshold` decides by the file's number of individual
// enrollments. Enrollment groups are never batched (at most ~100 per DPS).
import * as pulumi from "@pulumi/pulumi";
import { splitEntry } from "@dps-as-code/contract";
import { EnrollmentSet, shardLabel, shardOf, type EntrySecrets, type SetEntry } from "../enrollments";
import type { EnrollmentSetsConfig } from "../config";
import type { IndividualEnrollmentSpec } from "../manifests";
import { deployedHubHostName } from "./deployed-hubs";
import { manifestEntryInputs } from "./enrollment-inputs";
import type { FleetPlatform, SecretLookup } from "./index";

export interface BatchPlan {
  readonly individual: IndividualEnrollmentSpec[];
  /** Batch entries by shard label. */
  readonly batch: Map<string, IndividualEnrollmentSpec[]>;
  /** Individually declared ids by shard label (handed over, never deleted, by the sets). */
  readonly individualByShard: Map<string, string[]>;
  /** The shard label of an id, when sets are declared. */
  readonly shardOf: ((registrationId: string) => string) | undefined;
  readonly config: EnrollmentSetsConfig;
}

/**
 * Sets are declared (every shard, even empty ones) when any manifest uses the batch path or any
 * manifest states its mode: a manifest switching back to `mode: individual` must still see its
 * old set diffed before its IndividualEnrollments take the enrollments over. (A stack leaving the
 * batch path through the threshold alone, with no `mode` written anywhere, would find its
 * enrollments "already existing": write `mode: individual` in the manifest.)
 */
export function batchPlan(
  specs: readonly IndividualEnrollmentSpec[],
  config: EnrollmentSetsConfig,
): BatchPlan {
  const perFile = new Map<string, number>();
  for (const spec of specs) perFile.set(spec.source.file, (perFile.get(spec.source.file) ?? 0) + 1);
  const isBatch = (spec: IndividualEnrollmentSpec) =>
    (spec.mode ?? ((perFile.get(spec.source.file) ?? 0) >= config.threshold ? "batch" : "individual")) ===
    "batch";
  const declareSets = specs.some((spec) => isBatch(spec) || spec.mode !== undefined);
  const individual: IndividualEnrollmentSpec[] = [];
  const batch = new Map<string, IndividualEnrollmentSpec[]>();
  const individualByShard = new Map<string, string[]>();
  const shard = (id: string) => shardOf(id, config.shards);
  // Appended in place: copying a shard's list for each entry was quadratic (about 1 s of a no-op
  // preview's program at 30,000 entries, more than 10 s at 100,000: benchmarks/README.md).
  const append = <T>(lists: Map<string, T[]>, label: string, item: T) => {
    const list = lists.get(label);
    if (list) list.push(item);
    else lists.set(label, [item]);
  };
  for (const spec of specs) {
    if (declareSets && isBatch(spec)) append(batch, shard(spec.registrationId), spec);
    else {
      individual.push(spec);
      if (declareSets) append(individualByShard, shard(spec.registrationId), spec.registrationId);
    }
  }
  return { individual, batch, individualByShard, shardOf: declareSets ? shard : undefined, config };
}

/**
 * A batch entry and the names of the secrets it declares. The entry's inputs are the fleet's one
 * mapping (enrollment-inputs.ts) with each secret's name standing in for its value, until the
 * contract's `splitEntry` moves the secrets out of the entry: the set keeps them apart, so its
 * entries stay readable in previews. `iotHubs` stay as the manifest names them: the set's
 * `hubHostNames` resolves them (setHubHostNames).
 */
function splitBatchEntry(spec: IndividualEnrollmentSpec): { entry: SetEntry; secretNames?: EntrySecrets } {
  const { entry, secrets } = splitEntry(
    manifestEntryInputs(spec, { secret: (name) => name, iotHubs: (references) => [...references] }),
  );
  return secrets ? { entry, secretNames: secrets } : { entry };
}

/**
 * The secrets a set's entries declare, read: one lookup per distinct secret name, not per entry
 * (a fleet sharing one webhook URL names it 10,000 times), in one output for the whole set.
 */
function readSetSecrets(
  declared: readonly { id: string; secretNames: EntrySecrets }[],
  secret: SecretLookup,
): pulumi.Output<Record<string, EntrySecrets>> | undefined {
  if (declared.length === 0) return undefined;
  const names = [...new Set(declared.flatMap(({ secretNames }) => Object.values(secretNames) as string[]))];
  return pulumi.all(names.map((name) => secret(name))).apply((values) => {
    const valueOf = new Map(names.map((name, index) => [name, values[index]!]));
    return Object.fromEntries(
      declared.map(({ id, secretNames }) => [
        id,
        Object.fromEntries(
          Object.entries(secretNames).map(([field, name]) => [field, valueOf.get(name as string)]),
        ) as EntrySecrets,
      ]),
    );
  });
}

/**
 * The host name each hub reference of a set's entries stands for, where that is not the reference
 * itself (a hub's key; a host name spelled in another case), read once per distinct reference.
 * Each reference is checked as the per-enrollment path checks it (deployedHubHostName), so an
 * unknown hub fails naming the file and line of the first entry that names it. Only this small map
 * waits for the platform's host names: the entries themselves are known in every preview.
 */
function setHubHostNames(
  entries: readonly { spec: IndividualEnrollmentSpec; entry: SetEntry }[],
  platformHubHostNames: pulumi.Output<Record<string, string>>,
): pulumi.Output<Record<string, string>> {
  const firstNamedBy = new Map<string, IndividualEnrollmentSpec>();
  for (const { spec, entry } of entries)
    for (const reference of entry.iotHubs ?? [])
      if (!firstNamedBy.has(reference)) firstNamedBy.set(reference, spec);
  // No hub named: nothing to wait for, so even a first deploy's preview knows the whole set.
  if (firstNamedBy.size === 0) return pulumi.output<Record<string, string>>({});
  return platformHubHostNames.apply((hostNames) => {
    const resolved: Record<string, string> = {};
    for (const [reference, spec] of [...firstNamedBy].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const hostName = deployedHubHostName(reference, hostNames, spec);
      if (hostName !== reference) resolved[reference] = hostName;
    }
    return resolved;
  });
}

export interface BatchContext {
  readonly platform: FleetPlatform;
  readonly secret: SecretLookup;
  /** Host names of the hubs linked to the DPS (the sets' `linkedHubs`). */
  readonly linkedHubs: pulumi.Output<string[]>;
}

/** One EnrollmentSet per shard (all shards, so a shard emptied by a switch is still diffed). */
export function declareEnrollmentSets(
  plan: BatchPlan,
  context: BatchContext,
  opts?: pulumi.CustomResourceOptions,
): Record<string, EnrollmentSet> {
  const sets: Record<string, EnrollmentSet> = {};
  if (!plan.shardOf) return sets;
  const { platform, secret, linkedHubs } = context;
  for (let index = 0; index < plan.config.shards; index++) {
    const label = shardLabel(index, plan.config.shards);
    const entries = (plan.batch.get(label) ?? []).map((spec) => ({ spec, ...splitBatchEntry(spec) }));
    const enrollments = Object.fromEntries(entries.map(({ spec, entry }) => [spec.registrationId, entry]));
    const secrets = readSetSecrets(
      entries.flatMap(({ spec, secretNames }) =>
        secretNames ? [{ id: spec.registrationId, secretNames }] : [],
      ),
      secret,
    );
    sets[label] = new EnrollmentSet(
      `enrollment-set-${label}`,
      {
        dps: platform.dpsConnection,
        linkedHubs,
        shard: label,
        enrollments,
        hubHostNames: setHubHostNames(entries, platform.hubHostNames),
        ...(secrets ? { secrets } : {}),
        individuallyManaged: plan.individualByShard.get(label) ?? [],
        operationsPerMinute: plan.config.operationsPerMinute,
      },
      opts,
    );
  }
  return sets;
}
