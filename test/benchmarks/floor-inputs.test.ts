// The batch benchmark's engine floor carries the bytes the product sends: for the benchmark's own
// manifest, read with the committed local stack's options (Pulumi.local.yaml, as the benchmark's
// program copy reads it), the text each EnrollmentSet receives from the fleet under Pulumi mocks
// equals, byte for byte, the floor's text for that set (benchmarks/support/floor-inputs.ts),
// before and after the benchmark's change of 10 entries.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_SIGNATURE_KEY } from "@dps-as-code/contract";
import { describe, expect, it, vi } from "vitest";
import { benchManifest, encodeFloorSets, floorInputs } from "../../benchmarks/support/floor-inputs";
import { readStackFile } from "../../components/config/stack-file";
import { shardLabel } from "../../components/enrollments/sets/sharding";
import { stackManifestOptions } from "../../components/fleet/stack-manifest-options";
import { manifestHubCatalogue } from "../../components/fleet/hub-names";
import { loadEnrollmentManifestTexts } from "../../components/manifests";

const SET = "pulumi-nodejs:dynamic/dps:EnrollmentSet";
const SHARDS = 32;
const COUNT = 300;

/** A value with its secret wrappers taken off (how the Node SDK hands a secret to the mocks). */
function unwrapped(value: unknown): unknown {
  if (typeof value === "object" && value !== null && SECRET_SIGNATURE_KEY in value)
    return unwrapped((value as unknown as { value: unknown }).value);
  return value;
}

/** Each set's `enrollments` input as the product's program sends it for `manifest`, by shard. */
async function productSets(manifest: string): Promise<Record<string, unknown>> {
  vi.resetModules();
  const read = readStackFile(path.resolve(__dirname, "../../Pulumi.local.yaml"));
  if (!read.ok) throw new Error(read.problems.map((p) => p.problem).join("; "));
  const stack = read.stack;
  const registered: { type: string; inputs: Record<string, unknown> }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, inputs: args.inputs as Record<string, unknown> });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "dps-as-code",
    "floor-inputs",
    false,
  );
  const { declareFleet } = await import("../../components/fleet");
  const manifests = loadEnrollmentManifestTexts(
    [{ file: "fleet.yaml", text: manifest }],
    stackManifestOptions(stack, stack.configKeys),
  );
  // The local platform's hubs, by key, as the program's platform hands them over.
  const hostNames = manifestHubCatalogue(stack).hubs as Record<string, string>;
  const fleet = declareFleet({
    manifests,
    platform: {
      dpsConnection: {
        serviceEndpoint: "dps.example.net",
        connectionString: pulumi.secret(
          "HostName=dps.example.net;SharedAccessKeyName=w;SharedAccessKey=a2V5",
        ),
      },
      hubHostNames: pulumi.output(hostNames),
    },
    secret: (name) => pulumi.secret(name),
    enrollmentSets: { threshold: 500, shards: SHARDS, operationsPerMinute: 1000 },
  });
  await new Promise((resolve) => fleet.summary.apply(resolve));
  await pulumi.runtime.disconnect();
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
