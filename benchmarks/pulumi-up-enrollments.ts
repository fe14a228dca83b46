/**
 * The per-enrollment path at scale, beside the engine floor, through the real engine: a temporary
 * copy of the program (testkit/local-program.ts) on a private file backend, against an
 * in-process emulator with DPS's service quota (1,000 operations per minute by default, a sliding
 * window in the emulator). For each of two programs with the same manifest of N symmetric-key
 * individual enrollments:
 *
 * - "floor": the same program and inputs, each enrollment through a do-nothing dynamic provider
 *   (testkit/engine-floor.ts): the engine, backend and program cost, nothing of ours;
 * - "per-enrollment": the real IndividualEnrollment resources.
 *
 * it times `pulumi up` from empty, a no-op `pulumi preview`, `pulumi refresh` and `pulumi destroy`,
 * counts DPS requests per step (and 429s), and measures the state (bytes per enrollment resource
 * and the whole snapshot, as `pulumi stack export` gives it).
 *
 *   bash scripts/with-env.sh --engine ts-node --transpile-only benchmarks/pulumi-up-enrollments.ts \
 *     [--enrollments 100] [--throttle 1000] [--deadline-seconds 900] [--path both|floor|per-enrollment] \
 *     [--steps up,preview,refresh,destroy] [--skip-checkpoints]
 *
 * `--skip-checkpoints` runs both programs with PULUMI_SKIP_CHECKPOINTS=true (the engine writes the
 * snapshot once at the end of a command instead of after every step: sdk/go/common/env/env.go and
 * backend/snapshot.go `unsafeServiceLoop`, v3.260.0). It is how the per-enrollment path's 10,000
 * point of the scale curve can be measured at all: with checkpoints, each step rewrites the whole
 * snapshot and 10,000 enrollments take hours (the growth the 100 and 1,000 points show).
 *
 * Prints one JSON line per program, then (with both) one with the ratios to the floor. On a
 * machine that other jobs share, run `--path floor` and `--path per-enrollment` as two processes
 * at the same time, so that both see the same load. Each step is cancelled
 * (`pulumi cancel`) and reported as failed when it outlives the deadline, so the script always
 * stops by itself.
 */
import { parseArgs } from "node:util";
import { startTestEmulator } from "../testkit/emulator";
import { installEngineFloor, stateBytes } from "../testkit/engine-floor";
import { engineMissingReason, findEngine, type Engine } from "../testkit/find-engine";
import { createLocalProgram, type LocalProgram } from "../testkit/local-program";
import { positiveInteger, runBenchmark } from "./support/run";

const { values } = parseArgs({
  options: {
    enrollments: { type: "string" },
    throttle: { type: "string" },
    "deadline-seconds": { type: "string" },
    path: { type: "string" },
    steps: { type: "string" },
    "skip-checkpoints": { type: "boolean" },
  },
});
const PATHS = {
  both: ["floor", "per-enrollment"],
  floor: ["floor"],
  "per-enrollment": ["per-enrollment"],
} as const;
const PATH = values.path ?? "both";
if (!(PATH in PATHS)) throw new Error(`--path is "${PATH}"; allowed: ${Object.keys(PATHS).join(", ")}`);
const ENROLLMENTS = positiveInteger("--enrollments", values.enrollments ?? "100");
const THROTTLE_PER_MINUTE = positiveInteger("--throttle", values.throttle ?? "1000");
const DEADLINE_MS = positiveInteger("--deadline-seconds", values["deadline-seconds"] ?? "900") * 1000;
const INDIVIDUAL = "pulumi-nodejs:dynamic/dps:IndividualEnrollment";
const STEP_NAMES = ["up", "preview", "refresh", "destroy"] as const;
const STEPS = new Set((values.steps ?? STEP_NAMES.join(",")).split(",").map((step) => step.trim()));
for (const step of STEPS)
  if (!(STEP_NAMES as readonly string[]).includes(step))
    throw new Error(`--steps names "${step}"; allowed: ${STEP_NAMES.join(", ")} (up always runs)`);
const SKIP_CHECKPOINTS = values["skip-checkpoints"] === true;

/**
 * One manifest with `count` symmetric-key individual enrollments on one hub (DPS generates the
 * keys), on the per-enrollment path whatever its size (without `mode`, the stack's
 * `enrollmentSets.threshold`, 500, would put 500 or more on the batch path).
 */
function manifestOf(count: number): string {
  const lines = [
    "mode: individual",
    "defaults:",
    "  iotHubs: [weu]",
    "  allocationPolicy: static",
    "individualEnrollments:",
  ];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - registrationId: bench-device-${String(i).padStart(5, "0")}`,
      "    attestation: { type: symmetricKey }",
    );
  }
  return lines.join("\n") + "\n";
}

interface StepResult {
  seconds: number;
  dpsRequests: number;
}

interface PathResult {
  path: "floor" | "per-enrollment";
  enrollments: number;
  throttlePerMinute: number;
  up: StepResult & { enrollmentsPerMinute: number; resourcesCreated: number };
  skipCheckpoints: boolean;
  noopPreview?: StepResult & { changes: Record<string, number> };
  refresh?: StepResult;
  destroy?: StepResult;
  stateBytesPerEnrollment: number;
  stateBytesTotal: number;
  throttled429: number;
}

const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

async function withDeadline<T>(label: string, program: LocalProgram, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Stop the engine's run of this stack; the caller then removes the temporary backend.
      program.stack.cancel().catch(() => undefined);
      reject(new Error(`${label} took longer than ${DEADLINE_MS / 1000} s (--deadline-seconds); cancelled`));
    }, DEADLINE_MS);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function runPath(engine: Engine, path: PathResult["path"]): Promise<PathResult> {
  const emulator = await startTestEmulator({ throttle: { operationsPerMinute: THROTTLE_PER_MINUTE } });
  let program: LocalProgram | undefined;
  try {
    program = await createLocalProgram(engine, emulator, {
      stackName: `bench-${path}`,
      manifests: { "bench.yaml": manifestOf(ENROLLMENTS) },
    });
    if (path === "floor") installEngineFloor(program.dir);
    if (SKIP_CHECKPOINTS) program.stack.workspace.envVars["PULUMI_SKIP_CHECKPOINTS"] = "true";
    const requests = () => emulator.inspect.stats().requests;
    const timed = async <T>(label: string, work: () => Promise<T>): Promise<{ value: T } & StepResult> => {
      const before = requests();
      const started = Date.now();
      const value = await withDeadline(`${path}: ${label}`, program!, work());
      const step = { seconds: seconds(Date.now() - started), dpsRequests: requests() - before };
      // Progress as each step ends, so a long run that has to be stopped still tells something.
      process.stderr.write(
        `${path}, ${ENROLLMENTS} enrollments: ${label} ${step.seconds} s, ${step.dpsRequests} DPS requests\n`,
      );
      return { value, ...step };
    };
    const { stack, onOutput } = program;

    const up = await timed("pulumi up", () => stack.up({ onOutput }));
    if (up.value.summary.result !== "succeeded")
      throw new Error(`${path}: pulumi up ended "${up.value.summary.result}"`);
    const state = stateBytes(await stack.exportStack(), INDIVIDUAL);
    const preview = STEPS.has("preview")
      ? await timed("no-op pulumi preview", () => stack.preview({ onOutput }))
      : undefined;
    const refresh = STEPS.has("refresh")
      ? await timed("pulumi refresh", () => stack.refresh({ onOutput }))
      : undefined;
    const destroy = STEPS.has("destroy")
      ? await timed("pulumi destroy", () => stack.destroy({ onOutput }))
      : undefined;
    const step = (result: StepResult | undefined) =>
      result && { seconds: result.seconds, dpsRequests: result.dpsRequests };
    return {
      path,
      enrollments: ENROLLMENTS,
      throttlePerMinute: THROTTLE_PER_MINUTE,
      skipCheckpoints: SKIP_CHECKPOINTS,
      up: {
        seconds: up.seconds,
        dpsRequests: up.dpsRequests,
        enrollmentsPerMinute: Math.round((ENROLLMENTS / up.seconds) * 60),
        resourcesCreated: up.value.summary.resourceChanges?.create ?? 0,
      },
      noopPreview: preview && {
        ...step(preview)!,
        changes: preview.value.changeSummary as Record<string, number>,
      },
      refresh: step(refresh),
      destroy: step(destroy),
      stateBytesPerEnrollment: state.bytesPerResource,
      stateBytesTotal: state.totalBytes,
      throttled429: emulator.inspect.stats().byStatus["429"] ?? 0,
    };
  } finally {
    program?.cleanup();
    await emulator.stop();
  }
}

const ratio = (ours: number | undefined, floor: number | undefined) =>
  ours === undefined || floor === undefined ? undefined : Number((ours / floor).toFixed(2));

async function main(): Promise<void> {
  const engine = findEngine();
  if (!engine) throw new Error(engineMissingReason);
  process.stderr.write(
    `pulumi ${engine.version}; ${ENROLLMENTS} symmetric-key individual enrollments; DPS throttle ${THROTTLE_PER_MINUTE} ops/min` +
      `${SKIP_CHECKPOINTS ? "; PULUMI_SKIP_CHECKPOINTS=true" : ""}\n`,
  );
  const results: Partial<Record<PathResult["path"], PathResult>> = {};
  for (const path of PATHS[PATH as keyof typeof PATHS]) {
    results[path] = await runPath(engine, path);
    process.stdout.write(JSON.stringify(results[path]) + "\n");
  }
  const { floor, "per-enrollment": ours } = results;
  if (!floor || !ours) return;
  const ratios = {
    enrollments: ENROLLMENTS,
    upVsFloor: ratio(ours.up.seconds, floor.up.seconds),
    noopPreviewVsFloor: ratio(ours.noopPreview?.seconds, floor.noopPreview?.seconds),
    refreshVsFloor: ratio(ours.refresh?.seconds, floor.refresh?.seconds),
    destroyVsFloor: ratio(ours.destroy?.seconds, floor.destroy?.seconds),
    stateBytesPerEnrollmentAboveFloor: ours.stateBytesPerEnrollment - floor.stateBytesPerEnrollment,
  };
  process.stdout.write(JSON.stringify(ratios) + "\n");
}

runBenchmark(main);
