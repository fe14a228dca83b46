/**
 * The batch path at scale: N symmetric-key individual enrollments in one manifest with
 * `mode: batch` (32 EnrollmentSets, the default shard count), through the real engine, against an
 * in-process emulator with DPS's quota (1,000 operations per minute, a bulk item counting one),
 * each phase beside the engine floor (the same set inputs through a do-nothing dynamic provider,
 * benchmarks/support/floor-program.ts) measured in the same run:
 *
 *   first up, no-op preview, refresh, change 10 entries, destroy; DPS calls and quota operations
 *   per phase; peak memory of the program and of the provider process.
 *
 * "Quota time" is the time DPS's quota allows for the writes a phase needs (N creates, N deletes,
 * 10 updates) at 1,000 per minute.
 *
 *   bash scripts/with-env.sh --engine ts-node --transpile-only benchmarks/batch-enrollments.ts \
 *     [--enrollments 100,1000] [--throttle 1000] [--deadline-minutes 40]
 *
 * Prints one JSON line per size and a Markdown table at the end. Measured: 1,000 took 4 min,
 * 10,000 took 31 min (the quota alone needs 20 of them).
 */
import * as os from "node:os";
import { parseArgs } from "node:util";
import type { RunningEmulator } from "../emulator";
import { startTestEmulator } from "../testkit/emulator";
import { engineMissingReason, findEngine, type Engine } from "../testkit/find-engine";
import { createLocalProgram } from "../testkit/local-program";
import { createFloorProgram } from "./support/floor-program";
import { benchId, floorInputs } from "./support/floor-inputs";
import { samplePeakMemory, type PeakMemory } from "./support/peak-memory";
import { runBenchmark } from "./support/run";

const { values } = parseArgs({
  options: {
    enrollments: { type: "string" },
    throttle: { type: "string" },
    "deadline-minutes": { type: "string" },
  },
});
const SIZES = (values.enrollments ?? "100,1000")
  .split(",")
  .map((s) => positiveInteger("--enrollments", s.trim()));
const THROTTLE = positiveInteger("--throttle", values.throttle ?? "1000");
const DEADLINE_MS = positiveInteger("--deadline-minutes", values["deadline-minutes"] ?? "40") * 60_000;
const SHARDS = 32;
const CHANGED = 10;

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${flag} is "${text}"; allowed: whole numbers of at least 1`);
  return value;
}

const idOf = benchId;
const twin = (i: number, changed: boolean) =>
  changed && i < CHANGED ? "    initialTwin: { tags: { wave: two } }" : undefined;

function manifestOf(count: number, changed: boolean): string {
  const lines = [
    "mode: batch",
    "defaults:",
    "  iotHubs: [weu]",
    "  allocationPolicy: static",
    "individualEnrollments:",
  ];
  for (let i = 0; i < count; i++) {
    lines.push(`  - registrationId: ${idOf(i)}`, "    attestation: { type: symmetricKey }");
    const extra = twin(i, changed);
    if (extra) lines.push(extra);
  }
  return lines.join("\n") + "\n";
}

interface Phase {
  seconds: number;
  dpsCalls: number;
  quotaOperations: number;
  memory: PeakMemory;
}

async function measure(
  emulator: RunningEmulator | undefined,
  dir: string,
  run: () => Promise<unknown>,
): Promise<Phase> {
  const stats = () => emulator?.inspect.stats() ?? { requests: 0, serviceOperations: 0 };
  const before = stats();
  const sampler = samplePeakMemory(dir);
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`phase outlived --deadline-minutes`)), DEADLINE_MS)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
  const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
  const after = stats();
  return {
    seconds,
    dpsCalls: after.requests - before.requests,
    quotaOperations: after.serviceOperations - before.serviceOperations,
    memory: sampler.stop(),
  };
}

async function runSize(engine: Engine, count: number) {
  const emulator = await startTestEmulator({ throttle: { operationsPerMinute: THROTTLE } });
  const program = await createLocalProgram(engine, emulator, {
    stackName: `batch-${count}`,
    manifests: { "fleet.yaml": manifestOf(count, false) },
    config: {
      "dps-as-code:enrollmentSets": {
        value: JSON.stringify({ shards: SHARDS, operationsPerMinute: THROTTLE }),
      },
    },
  });
  const floor = await createFloorProgram(engine, `floor-${count}`, floorInputs(count, SHARDS));
  const quiet = { onOutput: () => undefined };
  try {
    const phases: Record<string, { batch: Phase; floor: Phase }> = {};
    const both = async (name: string, batch: () => Promise<unknown>, floorRun: () => Promise<unknown>) => {
      const b = await measure(emulator, program.dir, batch);
      const f = await measure(undefined, floor.dir, floorRun);
      phases[name] = { batch: b, floor: f };
      // One JSON line per phase as it ends, so that a run stopped midway still yields its figures.
      process.stdout.write(
        JSON.stringify({
          enrollments: count,
          phase: name,
          load: os.loadavg().map((l) => Number(l.toFixed(1))),
          batch: b,
          floor: f,
        }) + "\n",
      );
      process.stderr.write(
        `${count}: ${name}: batch ${b.seconds} s (${b.dpsCalls} DPS calls, ${b.quotaOperations} quota ops), floor ${f.seconds} s\n`,
      );
    };
    await both(
      "up",
      () => program.stack.up(quiet),
      () => floor.stack.up(quiet),
    );
    await both(
      "noopPreview",
      () => program.stack.preview(quiet),
      () => floor.stack.preview(quiet),
    );
    await both(
      "refresh",
      () => program.stack.refresh(quiet),
      () => floor.stack.refresh(quiet),
    );
    program.writeManifest("fleet.yaml", manifestOf(count, true));
    floor.writeInputs(floorInputs(count, SHARDS, CHANGED));
    await both(
      "change10",
      () => program.stack.up(quiet),
      () => floor.stack.up(quiet),
    );
    await both(
      "destroy",
      () => program.stack.destroy(quiet),
      () => floor.stack.destroy(quiet),
    );
    const quotaSeconds = (writes: number) => Number(((writes / THROTTLE) * 60).toFixed(1));
    const result = {
      enrollments: count,
      shards: SHARDS,
      throttlePerMinute: THROTTLE,
      quotaSeconds: {
        up: quotaSeconds(count),
        destroy: quotaSeconds(count),
        change10: quotaSeconds(CHANGED),
      },
      phases,
      leftInDps: emulator.inspect.enrollmentCount(),
      throttled429: emulator.inspect.stats().byStatus[429] ?? 0,
    };
    process.stdout.write(JSON.stringify(result) + "\n");
    return result;
  } finally {
    program.cleanup();
    floor.cleanup();
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  const engine = findEngine();
  if (!engine) throw new Error(engineMissingReason);
  process.stderr.write(
    `pulumi ${engine.version}; batch path, ${SHARDS} sets, throttle ${THROTTLE}/min; sizes ${SIZES.join(", ")}\n`,
  );
  const rows: string[] = [];
  for (const count of SIZES) {
    const r = await runSize(engine, count);
    const p = r.phases;
    const x = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : "-");
    rows.push(
      `| ${count.toLocaleString("en")} | ${p.up!.batch.seconds} s (floor ${p.up!.floor.seconds} s; quota ${r.quotaSeconds.up} s: ${x(p.up!.batch.seconds, r.quotaSeconds.up)}) ` +
        `| ${p.noopPreview!.batch.seconds} s (floor ${p.noopPreview!.floor.seconds} s), ${p.noopPreview!.batch.dpsCalls} DPS calls ` +
        `| ${p.refresh!.batch.dpsCalls} DPS calls, ${p.refresh!.batch.seconds} s (floor ${p.refresh!.floor.seconds} s) ` +
        `| ${p.change10!.batch.seconds} s (floor ${p.change10!.floor.seconds} s), ${p.change10!.batch.dpsCalls} DPS calls ` +
        `| ${p.destroy!.batch.seconds} s (floor ${p.destroy!.floor.seconds} s; quota ${r.quotaSeconds.destroy} s: ${x(p.destroy!.batch.seconds, r.quotaSeconds.destroy)}) ` +
        `| ${Math.max(...Object.values(p).map((ph) => ph.batch.memory.programMiB))} MiB (provider ${Math.max(...Object.values(p).map((ph) => ph.batch.memory.providerMiB))} MiB; floor ${Math.max(...Object.values(p).map((ph) => ph.floor.memory.programMiB))} MiB) |`,
    );
  }
  process.stdout.write(
    [
      "",
      "| enrollments | first up | no-op preview | refresh | change 10 | destroy | peak program memory |",
      "|---|---|---|---|---|---|---|",
      ...rows,
    ].join("\n") + "\n",
  );
}

runBenchmark(main);
