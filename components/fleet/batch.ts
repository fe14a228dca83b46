// The batch path of the fleet: which manifests' individual enrollments go into EnrollmentSets,
// and the sets themselves (one per shard of the stack). A manifest chooses with `mode`; without
// it, the stack's `enrollmentSets.threshold` decides by the file's number of individual
// enrollments. Enrollment groups are never batched (at most ~100 per DPS).
import * as pulumi from "@pulumi/pulumi";
import { splitEntry } from "@dps-as-code/contract";
import { EnrollmentSet, shardLabel, shardOf, type EntrySecrets, type SetEntry } from "../enrollments";
import type { EnrollmentSetsConfig } from "../config";
import type { IndividualEnrollmentSpec } from "../manifests";
import { deployedHubHostNames } from "./deployed-hubs";
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
  for (const spec of specs) {
    if (declareSets && isBatch(spec)) {
      const label = shard(spec.registrationId);
      batch.set(label, [...(batch.get(label) ?? []), spec]);
    } else {
      individual.push(spec);
      if (declareSets) {
        const label = shard(spec.registrationId);
        individualByShard.set(label, [...(individualByShard.get(label) ?? []), spec.registrationId]);
      }
    }
  }
  return { individual, batch, individualByShard, shardOf: declareSets ? shard : undefined, config };
}

/**
 * A batch entry and the names of the secrets it declares. The entry's inputs are the fleet's one
 * mapping (enrollment-inputs.ts) with each secret's name standing in for its value, until the
 * contract's `splitEntry` moves the secrets out of the entry: the set keeps them apart, so its
 * entries stay readable in previews. `iotHubs` are still as the manifest names them: the set
 * resolves them once per shard.
 */
function splitBatchEntry(spec: IndividualEnrollmentSpec): { entry: SetEntry; secretNames?: EntrySecrets } {
  const { entry, secrets } = splitEntry(
    manifestEntryInputs(spec, { secret: (name) => name, iotHubs: (references) => [...references] }),
  );
  return secrets ? { entry, secretNames: secrets } : { entry };
}

/** The stack's secrets an entry names, read. */
function readSecrets(names: EntrySecrets, secret: SecretLookup): pulumi.Output<EntrySecrets> {
  return pulumi.all(
    Object.fromEntries(Object.entries(names).map(([field, name]) => [field, secret(name as string)])),
  ) as pulumi.Output<EntrySecrets>;
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
    // Hub keys resolve to host names once per set, not once per entry (10,000 entries).
    const enrollments = platform.hubHostNames.apply((names) =>
      Object.fromEntries(
        entries.map(({ spec, entry }) => [
          spec.registrationId,
          entry.iotHubs ? { ...entry, iotHubs: deployedHubHostNames(entry.iotHubs, names, spec) } : entry,
        ]),
      ),
    );
    const secrets: Record<string, pulumi.Output<EntrySecrets>> = {};
    for (const { spec, secretNames } of entries)
      if (secretNames) secrets[spec.registrationId] = readSecrets(secretNames, secret);
    sets[label] = new EnrollmentSet(
      `enrollment-set-${label}`,
      {
        dps: platform.dpsConnection,
        linkedHubs,
        shard: label,
        enrollments,
        secrets,
        individuallyManaged: plan.individualByShard.get(label) ?? [],
        operationsPerMinute: plan.config.operationsPerMinute,
      },
      opts,
    );
  }
  return sets;
}
