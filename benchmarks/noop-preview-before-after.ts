/**
 * The batch path's no-op `pulumi preview` (issue #26) with two versions of the program, alternately
 * on one stack, beside the engine floor in each round: the way to measure a change of the program
 * or the set provider on a shared machine, where runs minutes apart are not comparable.
 *
 * One stack per size: N symmetric-key individual enrollments in one manifest with `mode: batch`
 * (32 EnrollmentSets), through a throwaway copy of the program (`index.ts`) and the real engine,
 * against an in-process emulator whose quota is no limit here (the set-up `up` is not measured);
 * the floor is batch-enrollments.ts's: the same 32 set texts through a do-nothing provider. Each
 * round previews with the `--baseline` checkout's program files (index.ts, components/, contract/,
 * ...; the provider comes with them, loaded from the program folder), then with this checkout's,
 * then the floor. A preview runs as one `pulumi preview` (the floor through the Automation API, as
 * batch-enrollments.ts runs both).
 *
 *   git -C <repo> archive <commit> | tar -x -C /tmp/baseline     # the version to compare with
 *   bash scripts/with-env.sh --engine ts-node --transpile-only benchmarks/noop-preview-before-after.ts \
 *     --baseline /tmp/baseline [--enrollments 10000,30000] [--rounds 2] [--cpu-prof <folder>]
 *
 * `--cpu-prof <folder>`: every preview's program and provider processes write a CPU profile
 * (node --cpu-prof, opened in Chrome DevTools) under <folder>/<size>-<round>-<baseline|this>/; the
 * provider, which the engine ends by a signal, exits through process.exit so that it writes one
 * (support/exit-on-signal.js). Profiled previews are slower: time them without it.
 *
 * Prints one JSON line per preview and a Markdown table at the end (seconds; peak memory of the
 * program / provider / engine in MiB; the load average).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { engineMissingReason, findEngine, projectRoot, type Engine } from "../testkit/find-engine";
import { createBatchStacks } from "./support/batch-stacks";
import { BENCH_SHARDS } from "./support/floor-inputs";
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

/** The emulator's quota for the set-up `up`: no limit for what is measured (a preview calls DPS 0 times). */
const UNLIMITED = 1_000_000;
const DEADLINE_MS = 30 * 60_000;

interface Options {
  sizes: number[];
  rounds: number;
  baseline: string;
  cpuProf: string | undefined;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      enrollments: { type: "string" },
      rounds: { type: "string" },
      baseline: { type: "string" },
      "cpu-prof": { type: "string" },
    },
  });
  if (!values.baseline)
    throw new UsageError("--baseline is required: a checkout of the version to compare with");
  const baseline = path.resolve(values.baseline);
  if (!fs.existsSync(path.join(baseline, "index.ts")))
    throw new UsageError(`--baseline ${baseline} holds no index.ts; allowed: a checkout of this project`);
  const sizes = positiveIntegers("--enrollments", values.enrollments ?? "10000,30000");
  if (sizes.length === 0) throw new UsageError("--enrollments names no size; allowed: e.g. 10000,30000");
  return {
    sizes,
    rounds: positiveInteger("--rounds", values.rounds ?? "2"),
    baseline,
    cpuProf: values["cpu-prof"] ? path.resolve(values["cpu-prof"]) : undefined,
  };
}

interface Preview {
  enrollments: number;
  round: number;
  program: "baseline" | "this" | "floor";
  seconds: number;
  memory: PeakMemory;
  load: number[];
}

async function runSize(engine: Engine, count: number, options: Options): Promise<Preview[]> {
  const stacks = await createBatchStacks(engine, { count, name: "preview", operationsPerMinute: UNLIMITED });
  const { emulator, program, floor } = stacks;
  const quiet = { onOutput: () => undefined };
  const previews: Preview[] = [];
  const record = (preview: Preview) => {
    previews.push(preview);
    process.stdout.write(JSON.stringify(preview) + "\n");
  };
  try {
    process.stderr.write(`${count}: up (set-up, not measured)\n`);
    await program.up(quiet);
    await floor.stack.up(quiet);
    for (let round = 1; round <= options.rounds; round++) {
      for (const [name, root] of [
        ["baseline", options.baseline],
        ["this", projectRoot],
      ] as const) {
        program.installProgramFrom(root);
        const env: Record<string, string> = options.cpuProf
          ? {
              NODE_OPTIONS: [
                "--cpu-prof",
                `--cpu-prof-dir=${path.join(options.cpuProf, `${count}-${round}-${name}`)}`,
                `--require=${path.join(__dirname, "support", "exit-on-signal.js")}`,
              ].join(" "),
            }
          : {};
        const before = emulator.inspect.stats().requests;
        const run = await timedPhase(program.dir, DEADLINE_MS, () =>
          program.pulumi(["preview", "--non-interactive"], env),
        );
        const dpsCalls = emulator.inspect.stats().requests - before;
        if (dpsCalls > 0)
          throw new Error(`${count}: the ${name} program's no-op preview made ${dpsCalls} DPS calls`);
        record({
          enrollments: count,
          round,
          program: name,
          seconds: run.seconds,
          memory: run.memory,
          load: loadAverage(),
        });
      }
      const run = await timedPhase(floor.dir, DEADLINE_MS, () => floor.stack.preview(quiet));
      record({
        enrollments: count,
        round,
        program: "floor",
        seconds: run.seconds,
        memory: run.memory,
        load: loadAverage(),
      });
    }
    return previews;
  } finally {
    await stacks.cleanup();
  }
}

async function main(): Promise<void> {
  const options = readOptions();
  const engine = findEngine();
  if (!engine) throw new Error(engineMissingReason);
  process.stderr.write(
    `pulumi ${engine.version}; no-op preview of ${BENCH_SHARDS} sets, baseline ${options.baseline} against ${projectRoot}; sizes ${options.sizes.join(", ")}, ${options.rounds} rounds\n`,
  );
  const rows: string[][] = [];
  for (const count of options.sizes)
    for (const p of await runSize(engine, count, options))
      rows.push([
        p.enrollments.toLocaleString("en"),
        String(p.round),
        p.program,
        `${p.seconds} s`,
        `${Math.round(p.memory.programMiB)} / ${Math.round(p.memory.providerMiB)} / ${Math.round(p.memory.engineMiB)}`,
        p.load.join(" / "),
      ]);
  printTable(
    [
      "enrollments",
      "round",
      "program",
      "no-op preview",
      "peak MiB program / provider / engine",
      "load (1 / 5 / 15 min)",
    ],
    rows,
  );
}

runBenchmark(main);
