// The stacks every batch-path benchmark measures side by side: the product's own program
// (index.ts, one manifest of `count` entries in `mode: batch`, BENCH_SHARDS sets) against an
// emulator with the given quota, and the engine floor with the same set entries
// (floor-program.ts). One home, so the product and its floor cannot drift apart between scripts.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import type { Engine } from "../../testkit/find-engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";
import { BENCH_SHARDS, benchManifest, floorInputs, type InputShape } from "./floor-inputs";
import { createFloorProgram, type FloorProgram } from "./floor-program";

export interface BatchStacks {
  readonly emulator: RunningEmulator;
  readonly program: LocalProgram;
  readonly floor: FloorProgram;
  /** Bytes of the product stack's state file (the checkpoint the file backend rewrites at each step). */
  programStateBytes(): number;
  /** Removes both program copies and their backends, and stops the emulator. */
  cleanup(): Promise<void>;
}

export async function createBatchStacks(
  engine: Engine,
  options: { count: number; name: string; operationsPerMinute: number; floorShape?: InputShape },
): Promise<BatchStacks> {
  const { count, name, operationsPerMinute } = options;
  const emulator = await startTestEmulator({ throttle: { operationsPerMinute } });
  const stackName = `${name}-${count}`;
  const program = await createLocalProgram(engine, emulator, {
    stackName,
    manifests: { "fleet.yaml": benchManifest(count) },
    config: {
      "dps-as-code:enrollmentSets": {
        value: JSON.stringify({ shards: BENCH_SHARDS, operationsPerMinute }),
      },
    },
  });
  const floor = await createFloorProgram(
    engine,
    `${name}-floor-${count}`,
    floorInputs(count, BENCH_SHARDS),
    options.floorShape,
  );
  return {
    emulator,
    program,
    floor,
    // The file backend keeps a stack's checkpoint at .pulumi/stacks/<project>/<stack>.json.
    programStateBytes: () =>
      fs.statSync(path.join(program.backendDir, ".pulumi", "stacks", "dps-as-code", `${stackName}.json`))
        .size,
    async cleanup() {
      program.cleanup();
      floor.cleanup();
      await emulator.stop();
    },
  };
}
