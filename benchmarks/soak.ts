/**
 * Soak: a fleet deployed and then changed through the real engine against a DPS that throttles
 * (1,000 operations a minute, a sliding window), answers 20% of service requests with transient
 * faults (500, 503, connection resets) and shares its quota with another client; the change is
 * killed midway (SIGKILL to the CLI and its children) and then repaired the way the README says
 * (`npm run unlock-stale`, then `pulumi up`). Prints, per phase, the ups needed and the time, and
 * at the end what was lost, duplicated, left unchanged or had its keys changed, beside the engine
 * floor (the same inputs through a do-nothing dynamic provider, in the same run).
 *
 *   bash scripts/with-env.sh --engine ts-node --transpile-only benchmarks/soak.ts \
 *     [--enrollments 40] [--fault-rate 0.2] [--competitor-per-minute 800] [--max-ups 4] [--no-kill]
 *
 * Bounded: at most --max-ups ups per phase, each cancelled after --deadline-seconds (default 600).
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import type { Logger, RunningEmulator } from "../emulator";
import { startTestEmulator } from "../testkit/emulator";
import { serviceClientFor } from "../emulator/clients";
import { clearStaleLocks } from "../scripts/recover/locks";
import { startCompetingClient } from "../testkit/competing-client";
import { engineMissingReason, findEngine } from "../testkit/find-engine";
import { createLocalProgram, type LocalProgram } from "../testkit/local-program";
import { createEngineFloor } from "./engine-floor";
import { runBenchmark } from "./support/run";

const { values } = parseArgs({
  options: {
    enrollments: { type: "string" },
    "fault-rate": { type: "string" },
    "competitor-per-minute": { type: "string" },
    "max-ups": { type: "string" },
    "deadline-seconds": { type: "string" },
    "no-kill": { type: "boolean" },
  },
});
const COUNT = Number(values.enrollments ?? "40");
const FAULT_RATE = Number(values["fault-rate"] ?? "0.2");
const COMPETITOR_PER_MINUTE = Number(values["competitor-per-minute"] ?? "800");
const MAX_UPS = Number(values["max-ups"] ?? "4");
const DEADLINE_MS = Number(values["deadline-seconds"] ?? "600") * 1000;
const KILL = values["no-kill"] !== true;
const QUOTA = 1000;

const ids = Array.from({ length: COUNT }, (_, i) => `soak-${String(i).padStart(4, "0")}`);
const manifest = (interval: number) =>
  [
    "defaults:",
    "  iotHubs: [weu]",
    "  allocationPolicy: static",
    "individualEnrollments:",
    ...ids.flatMap((id) => [
      `  - registrationId: ${id}`,
      "    attestation: { type: symmetricKey }",
      `    initialTwin: { properties: { desired: { interval: ${interval} } } }`,
    ]),
  ].join("\n") + "\n";

function putCounter(): Logger & { puts: number } {
  const counter = {
    puts: 0,
    info: (l: string) => void (/^PUT IndividualEnrollment_CreateOrUpdate 200/.test(l) && counter.puts++),
    warn: () => {},
    error: () => {},
  };
  return counter;
}

/** Ups until one succeeds (at most MAX_UPS); returns how many and how long. */
async function upUntilConverged(program: LocalProgram): Promise<{ ups: number; seconds: number }> {
  const started = Date.now();
  for (let ups = 1; ups <= MAX_UPS; ups++) {
    const timer = setTimeout(() => void program.stack.cancel().catch(() => undefined), DEADLINE_MS);
    try {
      const result = await program.stack.up({ onOutput: program.onOutput });
      if (result.summary.result === "succeeded") return { ups, seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      process.stderr.write(
        `up ${ups} failed: ${String(error)
          .split("\n")
          .filter((l) => /error:/.test(l))
          .slice(0, 3)
          .join(" | ")}\n`,
      );
    } finally {
      clearTimeout(timer);
    }
  }
  return { ups: Infinity, seconds: (Date.now() - started) / 1000 };
}

async function killDuring(program: LocalProgram, when: () => boolean): Promise<void> {
  const child = spawn(
    program.cli.path,
    ["up", "--yes", "--skip-preview", "--stack", "soak", "--non-interactive"],
    { cwd: program.dir, env: program.cli.env, detached: true, stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  while (!when()) await new Promise((r) => setTimeout(r, 5));
  process.kill(-child.pid!, "SIGKILL");
  await exited;
}

/** DPS's view, read patiently (its faults and throttling apply to these reads too). */
async function dpsView(emulator: RunningEmulator): Promise<Map<string, { keys: string; interval: unknown }>> {
  const sdk = serviceClientFor(emulator);
  const patient = async <T>(call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        const status = (error as { response?: { statusCode?: number } }).response?.statusCode;
        if (status !== undefined && status < 429) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const listed = (await patient(() => sdk.createIndividualEnrollmentQuery({ query: "*" }, 10_000).next()))
    .responseBody as unknown as {
    registrationId: string;
    initialTwin?: { properties?: { desired?: { interval?: unknown } } };
  }[];
  const view = new Map<string, { keys: string; interval: unknown }>();
  for (const e of listed) {
    const keys = (await patient(() => sdk.getIndividualEnrollmentAttestationMechanism(e.registrationId)))
      .responseBody.symmetricKey;
    view.set(e.registrationId, {
      keys: `${keys?.primaryKey}/${keys?.secondaryKey}`,
      interval: e.initialTwin?.properties?.desired?.interval,
    });
  }
  return view;
}

async function main(): Promise<void> {
  const engine = findEngine();
  if (!engine) throw new Error(engineMissingReason);
  process.stderr.write(
    `pulumi ${engine.version}; ${COUNT} enrollments; quota ${QUOTA}/min, another client taking ${COMPETITOR_PER_MINUTE}/min; ${FAULT_RATE * 100}% faults; kill: ${KILL}\n`,
  );
  const log = putCounter();
  const emulator = await startTestEmulator({
    logger: log,
    logRequests: true,
    throttle: { operationsPerMinute: QUOTA, retryAfterSeconds: 5 },
    faults: { rate: FAULT_RATE, kinds: ["500", "503", "reset"], apis: ["service"], seed: 7 },
  });
  const program = await createLocalProgram(engine, emulator, {
    stackName: "soak",
    manifests: { "fleet.yaml": manifest(30) },
  });
  const floor = await createEngineFloor(engine, "floor");
  const competitor = startCompetingClient(emulator, COMPETITOR_PER_MINUTE);
  try {
    const create = await upUntilConverged(program);
    const afterCreate = await dpsView(emulator);

    program.writeManifest("fleet.yaml", manifest(60));
    const killStarted = Date.now();
    if (KILL) {
      const before = log.puts;
      await killDuring(program, () => log.puts >= before + COUNT / 2);
      clearStaleLocks(program.backendDir, "soak");
    }
    const update = await upUntilConverged(program);
    update.seconds = (Date.now() - killStarted) / 1000; // the killed run included
    await competitor.stop();
    const end = await dpsView(emulator);

    const floorFleet = (interval: number) =>
      ids.map((id) => ({
        registrationId: id,
        attestation: { type: "symmetricKey" },
        iotHubs: ["weu"],
        allocationPolicy: "static",
        initialTwin: { properties: { desired: { interval } } },
      }));
    floor.setFleet(floorFleet(30));
    let t = Date.now();
    await floor.stack.up();
    const floorCreate = (Date.now() - t) / 1000;
    floor.setFleet(floorFleet(60));
    t = Date.now();
    await floor.stack.up();
    const floorUpdate = (Date.now() - t) / 1000;

    const declared = new Set(ids);
    const result = {
      enrollments: COUNT,
      faultRate: FAULT_RATE,
      competitorPerMinute: COMPETITOR_PER_MINUTE,
      killedDuringUpdate: KILL,
      createUps: create.ups,
      createSeconds: Number(create.seconds.toFixed(1)),
      updateUpsAfterKill: update.ups,
      updateSeconds: Number(update.seconds.toFixed(1)),
      lost: ids.filter((id) => !end.has(id)).length,
      duplicated: [...end.keys()].filter((id) => !declared.has(id)).length,
      notUpdated: ids.filter((id) => end.get(id)?.interval !== 60).length,
      changedKeys: ids.filter((id) => afterCreate.get(id)?.keys !== end.get(id)?.keys).length,
      throttled429: emulator.inspect.stats().byStatus["429"] ?? 0,
      faults5xx:
        (emulator.inspect.stats().byStatus["500"] ?? 0) + (emulator.inspect.stats().byStatus["503"] ?? 0),
      competitorRequests: competitor.done,
      engineFloorCreateSeconds: Number(floorCreate.toFixed(1)),
      engineFloorUpdateSeconds: Number(floorUpdate.toFixed(1)),
    };
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    await competitor.stop();
    program.cleanup();
    floor.cleanup();
    await emulator.stop();
  }
}

runBenchmark(main);
