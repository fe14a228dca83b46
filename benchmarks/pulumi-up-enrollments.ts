/**
 * `pulumi up` of N enrollments through the real engine, as a platform engineer runs it: a
 * temporary copy of the program (test/support/local-program.ts) on a private file backend,
 * against an in-process emulator, once without throttle and once with DPS's service quota
 * (1,000 operations per minute, a sliding window in the emulator). Then a no-op `pulumi preview`,
 * which must not call DPS at all. A third, diagnostic run sets PULUMI_SKIP_CHECKPOINTS=true (the
 * engine then writes the state file once at the end instead of after every step) to show how much
 * of the up is the file backend rewriting the whole snapshot; it is not a setting to deploy with
 * (an interrupted run loses the record of what it created).
 *
 *   bash scripts/with-env.sh ts-node --transpile-only benchmarks/pulumi-up-enrollments.ts \
 *     [--enrollments 100] [--throttle 1000] [--deadline-seconds 240]
 *
 * Prints one JSON line per scenario. Each scenario is cancelled (`pulumi cancel`) and reported as
 * failed when it outlives the deadline, so the script always stops by itself.
 */
import { parseArgs } from "node:util";
import { silentLogger, startEmulator } from "../emulator";
import { engineMissingReason, findEngine, type Engine } from "../test/support/engine";
import { createLocalProgram, type LocalProgram } from "../test/support/local-program";

const { values } = parseArgs({
  options: { enrollments: { type: "string" }, throttle: { type: "string" }, "deadline-seconds": { type: "string" } },
});
const ENROLLMENTS = positiveInteger("--enrollments", values.enrollments ?? "100");
const THROTTLE_PER_MINUTE = positiveInteger("--throttle", values.throttle ?? "1000");
const DEADLINE_MS = positiveInteger("--deadline-seconds", values["deadline-seconds"] ?? "240") * 1000;

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} is "${text}"; allowed: a whole number of at least 1`);
  return value;
}

/** One manifest with `count` symmetric-key individual enrollments on one hub (DPS generates the keys). */
function manifestOf(count: number): string {
  const lines = ["defaults:", "  iotHubs: [weu]", "  allocationPolicy: static", "individualEnrollments:"];
  for (let i = 0; i < count; i++) {
    lines.push(`  - registrationId: bench-device-${String(i).padStart(5, "0")}`, "    attestation: { type: symmetricKey }");
  }
  return lines.join("\n") + "\n";
}

interface ScenarioResult {
  scenario: string;
  enrollments: number;
  upSeconds: number;
  enrollmentsPerMinute: number;
  /** Every resource the up created: stack, platform component, local DPS, enrollments. */
  resourcesCreated: number;
  dpsRequestsDuringUp: number;
  throttled429: number;
  noopPreviewSeconds: number;
  dpsRequestsDuringNoopPreview: number;
  noopPreviewChanges: Record<string, number>;
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

interface Scenario {
  readonly label: string;
  readonly throttlePerMinute?: number;
  readonly skipCheckpoints?: boolean;
}

async function runScenario(engine: Engine, { label, throttlePerMinute, skipCheckpoints }: Scenario): Promise<ScenarioResult> {
  const emulator = await startEmulator({
    ephemeral: true,
    retryAfterSeconds: 0,
    logger: silentLogger,
    ...(throttlePerMinute ? { throttle: { operationsPerMinute: throttlePerMinute } } : {}),
  });
  let program: LocalProgram | undefined;
  try {
    program = await createLocalProgram(engine, emulator, {
      stackName: `bench-${throttlePerMinute ?? "unthrottled"}${skipCheckpoints ? "-no-checkpoints" : ""}`,
      manifests: { "bench.yaml": manifestOf(ENROLLMENTS) },
    });
    if (skipCheckpoints) program.stack.workspace.envVars.PULUMI_SKIP_CHECKPOINTS = "true";
    const requests = () => emulator.inspect.stats().requests;

    const beforeUp = requests();
    const upStarted = Date.now();
    const up = await withDeadline(`${label}: pulumi up`, program, program.stack.up({ onOutput: program.onOutput }));
    const upMs = Date.now() - upStarted;
    if (up.summary.result !== "succeeded") throw new Error(`${label}: pulumi up ended "${up.summary.result}"`);
    const dpsRequestsDuringUp = requests() - beforeUp;

    const beforePreview = requests();
    const previewStarted = Date.now();
    const preview = await withDeadline(`${label}: no-op pulumi preview`, program, program.stack.preview({ onOutput: program.onOutput }));
    const previewMs = Date.now() - previewStarted;

    return {
      scenario: label,
      enrollments: ENROLLMENTS,
      upSeconds: seconds(upMs),
      enrollmentsPerMinute: Math.round((ENROLLMENTS / upMs) * 60_000),
      resourcesCreated: up.summary.resourceChanges?.create ?? 0,
      dpsRequestsDuringUp,
      throttled429: emulator.inspect.stats().byStatus["429"] ?? 0,
      noopPreviewSeconds: seconds(previewMs),
      dpsRequestsDuringNoopPreview: requests() - beforePreview,
      noopPreviewChanges: preview.changeSummary as Record<string, number>,
    };
  } finally {
    program?.cleanup();
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  const engine = findEngine();
  if (!engine) throw new Error(engineMissingReason);
  process.stderr.write(`pulumi ${engine.version}; ${ENROLLMENTS} symmetric-key individual enrollments per scenario\n`);
  const scenarios: Scenario[] = [
    { label: "no throttle" },
    { label: `throttle ${THROTTLE_PER_MINUTE} ops/min`, throttlePerMinute: THROTTLE_PER_MINUTE },
    { label: "no throttle, PULUMI_SKIP_CHECKPOINTS (diagnostic)", skipCheckpoints: true },
  ];
  for (const scenario of scenarios) {
    const result = await runScenario(engine, scenario);
    process.stdout.write(JSON.stringify(result) + "\n");
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
