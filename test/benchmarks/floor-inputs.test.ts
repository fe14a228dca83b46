// The batch benchmark's engine floor carries the bytes the product sends: for the benchmark's own
// manifest, read with the committed local stack's options (Pulumi.local.yaml, as the benchmark's
// program copy reads it), the text each EnrollmentSet receives from the fleet under Pulumi mocks
// equals, byte for byte, the floor's text for that set (benchmarks/support/floor-inputs.ts),
// before and after the benchmark's change of 10 entries.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { benchManifest, encodeFloorSets, floorInputs } from "../../benchmarks/support/floor-inputs";
import { readStackFile } from "../../components/config/stack-file";
import { shardLabel } from "../../components/enrollments/sets/sharding";
import { stackManifestOptions } from "../../components/fleet/stack-manifest-options";
import { manifestHubCatalogue } from "../../components/fleet/hub-names";
import { loadEnrollmentManifestTexts } from "../../components/manifests";
import { declareFleetUnderMocks, unwrapped } from "../../testkit/fleet-under-mocks";

const SET = "pulumi-nodejs:dynamic/dps:EnrollmentSet";
const SHARDS = 32;
const COUNT = 300;

/** Each set's `enrollments` input as the product's program sends it for `manifest`, by shard. */
async function productSets(manifest: string): Promise<Record<string, unknown>> {
  const read = readStackFile(path.resolve(__dirname, "../../Pulumi.local.yaml"));
  if (!read.ok) throw new Error(read.problems.map((p) => p.problem).join("; "));
  const stack = read.stack;
  const manifests = loadEnrollmentManifestTexts(
    [{ file: "fleet.yaml", text: manifest }],
    stackManifestOptions(stack, stack.configKeys),
  );
  const { registered } = await declareFleetUnderMocks({
    stackName: "floor-inputs",
    manifests,
    // The local platform's hubs, by key, as the program's platform hands them over.
    hubHostNames: manifestHubCatalogue(stack).hubs as Record<string, string>,
    enrollmentSets: { threshold: 500, shards: SHARDS, operationsPerMinute: 1000 },
    settle: (fleet) => fleet.summary,
  });
  return Object.fromEntries(
    registered
      .filter(({ type }) => type === SET)
      .map(({ inputs }) => [String(inputs.shard), unwrapped(inputs.enrollments)]),
  );
}

describe("the batch benchmark's engine floor", () => {
  for (const changed of [0, 10]) {
    it(`carries each set's entries as the product sends them (${changed} entries changed)`, async () => {
      const product = await productSets(benchManifest(COUNT, changed));
      const floor = encodeFloorSets(floorInputs(COUNT, SHARDS, changed), "text");
      const labels = Array.from({ length: SHARDS }, (_, i) => shardLabel(i, SHARDS));
      expect(Object.keys(product).sort()).toEqual(labels);
      // Every shard holds some of the 300 entries, so the floor declares the same 32 sets.
      expect(Object.keys(floor).sort()).toEqual(labels);
      // The program sends each set's entries as one text (issue #26): byte for byte the floor's.
      for (const label of labels) expect(product[label], label).toBe(floor[label]);
      const entries = Object.values(floor).join("\n");
      expect(entries.match(/"bench-device-\d{5}":/g)).toHaveLength(COUNT);
      expect(entries.match(/"wave":"two"/g) ?? []).toHaveLength(changed);
    });
  }
});
