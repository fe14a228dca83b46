// The batch path's inputs, for the product and for its engine floor alike: the manifest of N
// symmetric-key individual enrollments the product reads (`mode: batch`), and the same entries as
// the floor receives them, sharded by registration id as the product shards them, each entry the
// object the product's program makes of a manifest entry, encoded as the product encodes a set's
// entries (the contract's `encodeSetEntries`). test/benchmarks/floor-inputs.test.ts holds the
// floor's texts equal to what the product's program sends for this manifest.
// benchmarks/batch-enrollments.ts and benchmarks/set-input-shape.ts use the same generator, so
// their floors carry the same entries.
import { canonicalJson, encodeSetEntries, type SetEntry } from "@dps-as-code/contract";
import { shardOf } from "../../components/enrollments/sets/sharding";

/** Set entries by shard label, then by registration id. */
export type FloorSets = Record<string, Record<string, SetEntry>>;

/**
 * How a set's entries reach the engine (benchmarks/set-input-shape.ts compares them):
 *   text  - the contract's canonical text (`{\n"<id>":{entry},\n...\n}`): what the product sends;
 *   map   - an object of registration id -> entry object: what the product sent before the text;
 *   lines - JSON lines, `["<id>",{entry}]` each, sorted (the form set outputs stored before the
 *           text, contract/resources/set-stored-form.ts): not one JSON document.
 */
export type InputShape = "text" | "map" | "lines";
export const INPUT_SHAPES: readonly InputShape[] = ["text", "map", "lines"];

/** The registration id of the i-th generated enrollment. */
export const benchId = (i: number) => `bench-device-${String(i).padStart(5, "0")}`;

/**
 * The hub key the manifest names, and the host name the program sends for it: on the local
 * target the manifest loader resolves a hub key to the local hub's host name (which is
 * deterministic, components/fleet/hub-names.ts), so the set's text holds the host name.
 */
/** The batch benchmarks' shard count: the product's stack and its floor get the same sets. */
export const BENCH_SHARDS = 32;

export const BENCH_HUB = "weu";
export const LOCAL_HUB_HOST = "dpsac-local-weu.azure-devices.net";

/**
 * The manifest of `count` enrollments on the batch path; with `changed`, the first `changed`
 * entries carry an initial twin (the change the batch benchmark applies).
 */
export function benchManifest(count: number, changed = 0): string {
  const lines = [
    "mode: batch",
    "defaults:",
    `  iotHubs: [${BENCH_HUB}]`,
    "  allocationPolicy: static",
    "individualEnrollments:",
  ];
  for (let i = 0; i < count; i++) {
    lines.push(`  - registrationId: ${benchId(i)}`, "    attestation: { type: symmetricKey }");
    if (i < changed) lines.push("    initialTwin: { tags: { wave: two } }");
  }
  return lines.join("\n") + "\n";
}

/**
 * The entries of `benchManifest(count, changed)` in `shards` sets, as the product's program makes
 * them on the local target.
 */
export function floorInputs(count: number, shards: number, changed = 0): FloorSets {
  const sets: FloorSets = {};
  for (let i = 0; i < count; i++) {
    const id = benchId(i);
    const shard = shardOf(id, shards);
    sets[shard] ??= {};
    sets[shard][id] = {
      attestation: { type: "symmetricKey" },
      iotHubs: [LOCAL_HUB_HOST],
      allocationPolicy: "static",
      ...(i < changed ? { initialTwin: { tags: { wave: "two" } } } : {}),
    };
  }
  return sets;
}

/** Each set's entries in `shape`, by shard label: what the floor program hands the engine. */
export function encodeFloorSets(sets: FloorSets, shape: InputShape): Record<string, unknown> {
  const encode = (entries: Record<string, SetEntry>): unknown => {
    if (shape === "text") return encodeSetEntries(entries);
    if (shape === "lines")
      return Object.keys(entries)
        .sort()
        .map((id) => canonicalJson([id, entries[id]]))
        .join("\n");
    return entries;
  };
  return Object.fromEntries(Object.entries(sets).map(([shard, entries]) => [shard, encode(entries)]));
}
