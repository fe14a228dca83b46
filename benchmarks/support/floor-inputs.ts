// The batch path's set inputs as the engine floor receives them: N symmetric-key individual
// enrollments, sharded by registration id as the product shards them, each entry the object a
// `mode: batch` manifest entry becomes. benchmarks/batch-enrollments.ts and
// benchmarks/set-input-shape.ts use the same generator, so their floors carry the same entries.
import { shardOf } from "../../components/enrollments";

export type FloorSets = Record<string, Record<string, Record<string, unknown>>>;

/** The registration id of the i-th generated enrollment. */
export const benchId = (i: number) => `bench-device-${String(i).padStart(5, "0")}`;

/** The hub the local platform names (what `iotHubs: [weu]` resolves to on the emulator). */
export const LOCAL_HUB = "dpsac-local-weu.azure-devices.net";

/**
 * `count` entries in `shards` sets; with `changed`, the first `changed` entries carry an initial
 * twin (the change the batch benchmark applies).
 */
export function floorInputs(count: number, shards: number, changed = 0, hub = LOCAL_HUB): FloorSets {
  const sets: FloorSets = {};
  for (let i = 0; i < count; i++) {
    const id = benchId(i);
    const shard = shardOf(id, shards);
    sets[shard] ??= {};
    sets[shard][id] = {
      attestation: { type: "symmetricKey" },
      iotHubs: [hub],
      allocationPolicy: "static",
      ...(i < changed ? { initialTwin: { tags: { wave: "two" } } } : {}),
    };
  }
  return sets;
}
