/**
 * The emulator at DPS's own limit: 1,000,000 individual enrollments (MicrosoftDocs/azure-docs
 * includes/iot-dps-limits.md) loaded through the service API, then, with them loaded: GET latency,
 * a paged query of all of them (its rate at the start and at the end), device registrations with
 * Microsoft's device SDK, the emulator's resident memory (sampled every second, the peak
 * reported), and a restart from its state folder (time until it answers, and that it holds them all).
 *
 *   bash scripts/with-env.sh ts-node --transpile-only benchmarks/emulator-at-limits.ts \
 *     [--enrollments 1000000] [--concurrency 20] [--devices 500] [--page-size 100]
 *
 * Targets: GET p99 < 50 ms, a steady query, RSS < 2 GiB, restart <= 30 s, registration p99 no
 * worse than emulator/README.md's figure. Prints JSON lines; nothing here is a test.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { deriveDeviceKey } from "../emulator/auth/sas";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../emulator/clients";
import { startEmulatorProcess, type EmulatorProcess } from "../testkit/emulator-process";
import { residentMiB } from "./support/peak-memory";
import { percentiles, runPool } from "./support/pool";
import { runBenchmark } from "./support/run";

const { values } = parseArgs({
  options: {
    enrollments: { type: "string" },
    concurrency: { type: "string" },
    devices: { type: "string" },
    "page-size": { type: "string" },
  },
});
const ENROLLMENTS = Number(values.enrollments ?? 1_000_000);
const CONCURRENCY = Number(values.concurrency ?? 20);
const DEVICES = Number(values.devices ?? 500);
const PAGE_SIZE = Number(values["page-size"] ?? 100);
const BULK = 10;

const say = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

/** The shared pool, with --concurrency calls in flight. */
const pool = (count: number, task: (i: number) => Promise<unknown>) => runPool(count, CONCURRENCY, task);

/** The peak RSS of a process, sampled every second until stopped. */
function watchMemory(pid: number): { peak: () => number; stop: () => void } {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, residentMiB(pid));
    } catch {
      // the process ended
    }
  };
  const timer = setInterval(sample, 1000);
  sample();
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

/** A call tried again on a reset connection (a kept-alive socket the server closed meanwhile). */
async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: string }).code !== "ECONNRESET" || attempt === 3) throw error;
    }
  }
}

const idOf = (i: number) => `limit-${String(i).padStart(7, "0")}`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "dps-bench-limits-"));
  const stateDir = join(dir, "state");
  const configFile = join(dir, "config.json");
  writeFileSync(configFile, JSON.stringify({ linkedHubs: [{ hostName: "bench-a.azure-devices.net" }] }));
  const args = ["--no-request-log", "--config", configFile];
  let emulator: EmulatorProcess | undefined = await startEmulatorProcess(args, "inherit", stateDir);
  try {
    let memory = watchMemory(emulator.info.pid);
    let service = serviceClientFor({ ...emulator.info, caCertPem: emulator.caCertPem });
    say({ step: "start", rssMiB: +residentMiB(emulator.info.pid).toFixed(0) });

    // 1. Load through the service API: bulk creates of 10, as many in flight as --concurrency.
    const started = performance.now();
    const calls = Math.ceil(ENROLLMENTS / BULK);
    let done = 0;
    const bulkDurations = await pool(calls, async (b) => {
      const enrollments = Array.from({ length: Math.min(BULK, ENROLLMENTS - b * BULK) }, (_, k) => ({
        registrationId: idOf(b * BULK + k),
        attestation: { type: "symmetricKey" },
        initialTwin: { tags: { batch: b % 1000 } },
      }));
      await withRetry(
        () =>
          new Promise<void>((resolve, reject) =>
            service.runBulkEnrollmentOperation(
              { mode: "create", enrollments } as never,
              ((err: Error | undefined, result: { isSuccessful: boolean }) =>
                err
                  ? reject(err)
                  : result.isSuccessful
                    ? resolve()
                    : reject(new Error("bulk item failed"))) as never,
            ),
          ),
      );
      if (++done % 10_000 === 0)
        say({
          step: "loading",
          enrollments: done * BULK,
          seconds: +((performance.now() - started) / 1000).toFixed(0),
          rssMiB: +residentMiB(emulator!.info.pid).toFixed(0),
        });
    });
    say({
      step: "loaded",
      enrollments: ENROLLMENTS,
      seconds: +((performance.now() - started) / 1000).toFixed(1),
      bulkCreateMs: percentiles(bulkDurations),
      rssMiB: +residentMiB(emulator.info.pid).toFixed(0),
    });

    // 2. GETs of random enrollments (the state file may be being written meanwhile).
    const gets = await pool(2000, (i) =>
      withRetry(() => service.getIndividualEnrollment(idOf((i * 7919) % ENROLLMENTS))),
    );
    say({ step: "GET enrollment", at: ENROLLMENTS, ms: percentiles(gets) });

    // 3. A paged query of all of them, one page after the other, as a client pages.
    const query = service.createIndividualEnrollmentQuery({ query: "*" }, PAGE_SIZE);
    const pageMs: number[] = [];
    let listed = 0;
    const queryStarted = performance.now();
    do {
      const t0 = performance.now();
      const page = await query.next(query.continuationToken ?? undefined);
      pageMs.push(performance.now() - t0);
      listed += (page.responseBody as unknown as unknown[]).length;
    } while (query.hasMoreResults);
    const tenth = Math.max(1, Math.floor(pageMs.length / 10));
    const rate = (ms: number[]) => +((1000 * ms.length) / ms.reduce((a, b) => a + b, 0)).toFixed(0);
    say({
      step: "query all",
      listed,
      pages: pageMs.length,
      seconds: +((performance.now() - queryStarted) / 1000).toFixed(1),
      pageMs: percentiles(pageMs),
      pagesPerSecondFirstTenth: rate(pageMs.slice(0, tenth)),
      pagesPerSecondLastTenth: rate(pageMs.slice(-tenth)),
    });

    // 4. Device registrations with Microsoft's device SDK, the enrollments loaded.
    const group = (
      await service.createOrUpdateEnrollmentGroup({
        enrollmentGroupId: "limits-group",
        attestation: { type: "symmetricKey" },
      } as never)
    ).responseBody;
    const groupKey = group.attestation.symmetricKey!.primaryKey;
    const endpoint = { ...emulator.info, caCertPem: emulator.caCertPem };
    const registrations = await pool(DEVICES, (i) => {
      const id = `limits-device-${i}`;
      return symmetricKeyDeviceClientFor(endpoint, id, deriveDeviceKey(groupKey, id)).register();
    });
    say({ step: "register() (device SDK)", at: ENROLLMENTS, ms: percentiles(registrations) });
    say({ step: "peak RSS while loaded", rssMiB: +memory.peak().toFixed(0) });

    // 5. Restart from the state folder: SIGTERM saves, then a new process loads it.
    memory.stop();
    await emulator.stop();
    emulator = undefined;
    const restartStarted = performance.now();
    emulator = await startEmulatorProcess(args, "inherit", stateDir);
    const restartSeconds = (performance.now() - restartStarted) / 1000;
    memory = watchMemory(emulator.info.pid);
    service = serviceClientFor({ ...emulator.info, caCertPem: emulator.caCertPem });
    const last = (await service.getIndividualEnrollment(idOf(ENROLLMENTS - 1))).responseBody;
    const firstPage = await service.createIndividualEnrollmentQuery({ query: "*" }, 1).next();
    say({
      step: "restart",
      seconds: +restartSeconds.toFixed(1),
      lastEnrollmentFound: last.registrationId === idOf(ENROLLMENTS - 1),
      firstListed: (firstPage.responseBody as unknown as Array<{ registrationId: string }>)[0]
        ?.registrationId,
      rssMiB: +residentMiB(emulator.info.pid).toFixed(0),
    });
    memory.stop();
  } finally {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);
