/**
 * The batch path at scale (issue #26): N symmetric-key individual enrollments in one manifest with
 * `mode: batch` (32 EnrollmentSets, the default shard count), through the project's own program
 * (`index.ts`, a throwaway copy on a private backend) and the real engine, against an in-process
 * emulator with DPS's quota (`--throttle` operations per minute, a bulk item counting one), each
 * phase beside the engine floor in the same run: the same set entries through a do-nothing
 * dynamic provider (benchmarks/support/floor-program.ts), each set's entries as the contract's
 * canonical text, the bytes the product sends (`--floor map`: as a map of objects instead).
 *
 * Phases, and issue #26's target for each (at 100,000 enrollments, quota raised to 10,000/min):
 *   up          first `pulumi up`               <= 1.2x the quota-bound time
 *   noopPreview a no-op `pulumi preview`        <= 60 s, 0 DPS calls, <= 1.5x the floor
 *   refresh     `pulumi refresh`                <= 1,100 DPS calls
 *   change10    `pulumi up` after 10 entries change  <= 60 s, <= 30 DPS calls
 *   destroy     `pulumi destroy`                <= 1.2x the quota-bound time
 *   every phase peak memory of each process (program, provider, engine) < 2 GiB
 * The quota-bound time is what DPS's quota allows for the writes a phase needs (N creates, N
 * deletes, 10 updates) at `--throttle` per minute.
 *
 *   bash scripts/with-env.sh --engine ts-node --transpile-only benchmarks/batch-enrollments.ts \
 *     [--enrollments 1000,10000,30000,100000] [--throttle 1000] [--floor text|map] [--deadline-minutes 40] \
 *     [--phases up,noopPreview]
 *
 * `--phases` runs only the phases named (in the order above; `up` always runs, the others need
 * the stack it makes), e.g. `up,noopPreview` to stop after the preview.
 *
 * Each phase is one CLI run, as a person or pipeline types it (`pulumi up --yes --skip-preview`,
 * `pulumi preview`...), for the product and its floor alike: the Automation API's stack.up(),
 * refresh() and destroy() add CLI runs after it (`stack output` twice, `stack history`), each
 * reading the whole state again, which figures before 2026-12-08 included.
 *
 * Prints one JSON line per phase as it ends (time, DPS calls, quota operations, peak memory of
 * program, provider and engine, state bytes after up and change10, ratios to the floor and the
 * quota-bound time, the load average),
 * one line per size with each target met or not, and a Markdown table at the end. Measured
 * earlier (map floor, throttle 1,000): 1,000 took 4 min, 10,000 took 31 min (the quota alone
 * needs 20 of them).
 */
import { parseArgs } from "node:util";
import type { RunningEmulator } from "../emulator";
import { engineMissingReason, findEngine, type Engine } from "../testkit/find-engine";
import { createBatchStacks } from "./support/batch-stacks";
import { BENCH_SHARDS, benchManifest, floorInputs, type InputShape } from "./support/floor-inputs";
import type { PeakMemory } from "./support/peak-memory";
import {
  loadAverage,
  positiveInteger,
  positiveIntegers,
  printTable,
  runBenchmark,
  timedPhase,
  UsageError,
} from "./support/run";

const CHANGED = 10;
const FLOOR_SHAPES: readonly InputShape[] = ["text", "map"];
const PHASES = ["up", "noopPreview", "refresh", "change10", "destroy"] as const;

/** Issue #26's targets. */
const TARGETS = {
  upOrDestroyVsQuota: 1.2,
  noopPreviewSeconds: 60,
  noopPreviewVsFloor: 1.5,
  refreshDpsCalls: 1_100,
  change10Seconds: 60,
  change10DpsCalls: 30,
  processMiB: 2_048,
};

interface Options {
  sizes: number[];
  throttle: number;
  floorShape: InputShape;
  deadlineMs: number;
  phases: ReadonlySet<PhaseName>;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      enrollments: { type: "string" },
      throttle: { type: "string" },
      floor: { type: "string" },
      "deadline-minutes": { type: "string" },
      phases: { type: "string" },
    },
  });
  const phases = (values.phases ?? PHASES.join(",")).split(",").map((name) => name.trim());
  const unknown = phases.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new UsageError(`--phases names ${unknown.join(", ")}; allowed: ${PHASES.join(", ")}`);
  const floorShape = (values.floor ?? "text") as InputShape;
  if (!FLOOR_SHAPES.includes(floorShape))
    throw new UsageError(`--floor is "${values.floor}"; allowed: ${FLOOR_SHAPES.join(", ")}`);
  const sizes = positiveIntegers("--enrollments", values.enrollments ?? "1000");
  if (sizes.length === 0) throw new UsageError("--enrollments names no size; allowed: e.g. 1000,10000");
  return {
    sizes,
    throttle: positiveInteger("--throttle", values.throttle ?? "1000"),
    floorShape,
    deadlineMs: positiveInteger("--deadline-minutes", values["deadline-minutes"] ?? "40") * 60_000,
    phases: new Set(["up", ...phases] as PhaseName[]),
  };
}

interface Phase {
  seconds: number;
  dpsCalls: number;
  quotaOperations: number;
  memory: PeakMemory;
  /** The engine's count of steps by kind (same, create, update, delete...). */
  steps?: Record<string, number>;
  /** Bytes of the stack's state file after the phase (up and change10). */
  stateBytes?: number;
}

type PhaseName = (typeof PHASES)[number];

/** What a run's result (LocalProgram's engine run, or an Automation API result) says the engine did. */
function stepsOf(result: unknown): Record<string, number> | undefined {
  const r = result as {
    summary?: { resourceChanges?: Record<string, number> };
    changeSummary?: Record<string, number>;
  };
  return r.changeSummary ?? r.summary?.resourceChanges;
}

async function measure(
  emulator: RunningEmulator | undefined,
  dir: string,
  deadlineMs: number,
  run: () => Promise<unknown>,
): Promise<Phase> {
  const stats = () => emulator?.inspect.stats() ?? { requests: 0, serviceOperations: 0 };
  const before = stats();
  const phase = await timedPhase(dir, deadlineMs, run);
  const after = stats();
  const steps = stepsOf(phase.result);
  return {
    seconds: phase.seconds,
    dpsCalls: after.requests - before.requests,
    quotaOperations: after.serviceOperations - before.serviceOperations,
    memory: phase.memory,
    ...(steps ? { steps } : {}),
  };
}

const ratio = (a: number, b: number): number | undefined => (b > 0 ? Number((a / b).toFixed(2)) : undefined);

async function runSize(engine: Engine, count: number, options: Options) {
  const { throttle, floorShape, deadlineMs } = options;
  const quotaSeconds = (writes: number) => Number(((writes / throttle) * 60).toFixed(1));
  const quota: Partial<Record<PhaseName, number>> = {
    up: quotaSeconds(count),
    change10: quotaSeconds(CHANGED),
    destroy: quotaSeconds(count),
  };
  const stacks = await createBatchStacks(engine, {
    count,
    name: "batch",
    operationsPerMinute: throttle,
    floorShape,
  });
  const { emulator, program, floor } = stacks;
  const quiet = { onOutput: () => undefined };
  try {
    const phases: Partial<Record<PhaseName, { batch: Phase; floor: Phase }>> = {};
    const both = async (name: PhaseName, batch: () => Promise<unknown>, floorRun: () => Promise<unknown>) => {
      if (!options.phases.has(name)) return;
      const b = await measure(emulator, program.dir, deadlineMs, batch);
      const f = await measure(undefined, floor.dir, deadlineMs, floorRun);
      // What the engine rewrites at each step's start and end, after the phases that write it.
      if (name === "up" || name === "change10") {
        b.stateBytes = stacks.programStateBytes();
        f.stateBytes = floor.stateBytes();
      }
      phases[name] = { batch: b, floor: f };
      // One JSON line per phase as it ends, so that a run stopped midway still yields its figures.
      process.stdout.write(
        JSON.stringify({
          enrollments: count,
          phase: name,
          load: loadAverage(),
          batch: b,
          floor: f,
          vsFloor: ratio(b.seconds, f.seconds),
          ...(quota[name] !== undefined
            ? { quotaSeconds: quota[name], vsQuota: ratio(b.seconds, quota[name]) }
            : {}),
        }) + "\n",
      );
      process.stderr.write(
        `${count}: ${name}: batch ${b.seconds} s (${b.dpsCalls} DPS calls, ${b.quotaOperations} quota ops), floor ${f.seconds} s\n`,
      );
    };
    await both(
      "up",
      () => program.up(quiet),
      () => floor.run("up"),
    );
    await both(
      "noopPreview",
      () => program.stack.preview(quiet),
      () => floor.stack.preview(quiet),
    );
    await both(
      "refresh",
      () => program.refresh(quiet),
      () => floor.run("refresh"),
    );
    if (options.phases.has("change10")) {
      program.writeManifest("fleet.yaml", benchManifest(count, CHANGED));
      floor.writeInputs(floorInputs(count, BENCH_SHARDS, CHANGED));
    }
    await both(
      "change10",
      () => program.up(quiet),
      () => floor.run("up"),
    );
    await both(
      "destroy",
      () => program.destroy(quiet),
      () => floor.run("destroy"),
    );
    const result = {
      enrollments: count,
      shards: BENCH_SHARDS,
      throttlePerMinute: throttle,
      floorShape,
      quotaSeconds: quota,
      phases,
      leftInDps: emulator.inspect.enrollmentCount(),
      throttled429: emulator.inspect.stats().byStatus[429] ?? 0,
    };
    process.stdout.write(JSON.stringify({ enrollments: count, targets: targetsMet(result) }) + "\n");
    return result;
  } finally {
    await stacks.cleanup();
  }
}

type SizeResult = Awaited<ReturnType<typeof runSize>>;

/** The peak of each process over every phase of one side (batch or floor). */
function peakMemory(r: SizeResult, side: "batch" | "floor"): PeakMemory {
  const all = Object.values(r.phases).map((p) => p[side].memory);
  const max = (key: keyof PeakMemory) => Math.max(...all.map((m) => m[key]));
  return {
    programMiB: max("programMiB"),
    providerMiB: max("providerMiB"),
    engineMiB: max("engineMiB"),
    selfMiB: max("selfMiB"),
  };
}

/** Each of issue #26's targets, met or not, with the figure it was judged on (phases that ran). */
function targetsMet(r: SizeResult) {
  const p = r.phases;
  const memory = peakMemory(r, "batch");
  const judged = (figure: number | undefined, met: boolean) => ({ figure, met });
  const vsQuota = (phase: Phase, quota: number) =>
    judged(ratio(phase.seconds, quota), phase.seconds <= TARGETS.upOrDestroyVsQuota * quota);
  const peak = Math.max(memory.programMiB, memory.providerMiB, memory.engineMiB);
  return {
    ...(p.up ? { upVsQuota: vsQuota(p.up.batch, r.quotaSeconds.up!) } : {}),
    ...(p.destroy ? { destroyVsQuota: vsQuota(p.destroy.batch, r.quotaSeconds.destroy!) } : {}),
    ...(p.noopPreview
      ? {
          noopPreviewSeconds: judged(
            p.noopPreview.batch.seconds,
            p.noopPreview.batch.seconds <= TARGETS.noopPreviewSeconds,
          ),
          noopPreviewDpsCalls: judged(p.noopPreview.batch.dpsCalls, p.noopPreview.batch.dpsCalls === 0),
          noopPreviewVsFloor: judged(
            ratio(p.noopPreview.batch.seconds, p.noopPreview.floor.seconds),
            p.noopPreview.batch.seconds <= TARGETS.noopPreviewVsFloor * p.noopPreview.floor.seconds,
          ),
        }
      : {}),
    ...(p.refresh
      ? {
          refreshDpsCalls: judged(
            p.refresh.batch.dpsCalls,
            p.refresh.batch.dpsCalls <= TARGETS.refreshDpsCalls,
          ),
        }
      : {}),
    ...(p.change10
      ? {
          change10Seconds: judged(
            p.change10.batch.seconds,
            p.change10.batch.seconds <= TARGETS.change10Seconds,
          ),
          change10DpsCalls: judged(
            p.change10.batch.dpsCalls,
            p.change10.batch.dpsCalls <= TARGETS.change10DpsCalls,
          ),
        }
      : {}),
    peakProcessMiB: judged(peak, peak < TARGETS.processMiB),
  };
}

/** One table row: each phase's time with its ratio to the floor (and to the quota where it binds); "-" for a phase not run. */
function tableRow(r: SizeResult, load: number[]): string[] {
  const p = r.phases;
  const x = (a: number, b: number | undefined) => (b !== undefined && b > 0 ? `${(a / b).toFixed(2)}x` : "-");
  const ran = (name: PhaseName, cell: (phase: { batch: Phase; floor: Phase }) => string) => {
    const phase = p[name];
    return phase ? cell(phase) : "-";
  };
  const vsFloor = (phase: { batch: Phase; floor: Phase }) =>
    `${phase.batch.seconds} s (floor ${phase.floor.seconds} s: ${x(phase.batch.seconds, phase.floor.seconds)})`;
  const vsQuota = (name: PhaseName) =>
    ran(
      name,
      (phase) =>
        `${vsFloor(phase)}; quota ${r.quotaSeconds[name]} s: ${x(phase.batch.seconds, r.quotaSeconds[name])}`,
    );
  const mem = (m: PeakMemory) => `${m.programMiB} / ${m.providerMiB} / ${m.engineMiB}`;
  return [
    r.enrollments.toLocaleString("en"),
    vsQuota("up"),
    ran("noopPreview", (phase) => `${vsFloor(phase)}, ${phase.batch.dpsCalls} DPS calls`),
    ran("refresh", (phase) => `${phase.batch.dpsCalls} DPS calls, ${vsFloor(phase)}`),
    ran("change10", (phase) => `${vsFloor(phase)}, ${phase.batch.dpsCalls} DPS calls`),
    vsQuota("destroy"),
    `${mem(peakMemory(r, "batch"))} MiB (floor ${mem(peakMemory(r, "floor"))} MiB)`,
    load.join(" / "),
  ];
}

async function main(): Promise<void> {
  const options = readOptions();
  const engine = findEngine();
  if (!engine) throw new Error(engineMissingReason);
  process.stderr.write(
    `pulumi ${engine.version}; batch path, ${BENCH_SHARDS} sets, throttle ${options.throttle}/min; floor: ${options.floorShape}; sizes ${options.sizes.join(", ")}\n`,
  );
  const rows: string[][] = [];
  for (const count of options.sizes)
    rows.push(tableRow(await runSize(engine, count, options), loadAverage()));
  printTable(
    [
      "enrollments",
      "first up",
      "no-op preview",
      "refresh",
      "change 10",
      "destroy",
      "peak MiB program / provider / engine",
      "load at the end (1 / 5 / 15 min)",
    ],
    rows,
  );
}

runBenchmark(main);
