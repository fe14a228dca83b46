/**
 * Emulator benchmark: registrations per minute and per-call latency with Microsoft's device SDK,
 * service-call latency, and the emulator's memory at many enrollments.
 *
 *   npx ts-node --transpile-only benchmarks/emulator.ts [--devices 2000] [--concurrency 20] [--enrollments 100000]
 *
 * The emulator runs as its own process (the CLI, ephemeral, Retry-After 0), so its memory is
 * measured apart from the client's. Everything is on 127.0.0.1 and the loops are bounded.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { deriveDeviceKey } from "../emulator/auth/sas";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../emulator/clients";
import { startEmulatorProcess } from "../testkit/emulator-process";
import { residentMiB } from "./support/peak-memory";
import { percentiles, runPool } from "./support/pool";
import { runBenchmark } from "./support/run";

const { values } = parseArgs({
  options: { devices: { type: "string" }, concurrency: { type: "string" }, enrollments: { type: "string" } },
});
const DEVICES = Number(values.devices ?? 2000);
const CONCURRENCY = Number(values.concurrency ?? 20);
const ENROLLMENTS = Number(values.enrollments ?? 100_000);

function summary(name: string, samples: number[]): string {
  const { n, p50, p95, p99, max } = percentiles(samples);
  return `${name}: n=${n} p50=${p50.toFixed(1)} ms p95=${p95.toFixed(1)} ms p99=${p99.toFixed(1)} ms max=${max.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "dps-bench-"));
  const configFile = join(dir, "config.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      linkedHubs: [
        { hostName: "bench-a.azure-devices.net", allocationWeight: 1 },
        { hostName: "bench-b.azure-devices.net", allocationWeight: 3 },
      ],
    }),
  );
  const emulator = await startEmulatorProcess(["--no-request-log", "--config", configFile], "inherit");
  try {
    const info = emulator.info;
    const emu = { ...info, caCertPem: emulator.caCertPem };
    const service = serviceClientFor(emu);
    console.log(`emulator pid ${info.pid}, RSS at start ${residentMiB(info.pid).toFixed(1)} MB`);

    // 1. Device registrations with the real device SDK (symmetric-key group, derived keys).
    const group = (
      await service.createOrUpdateEnrollmentGroup({
        enrollmentGroupId: "bench-group",
        attestation: { type: "symmetricKey" },
      } as never)
    ).responseBody;
    const groupKey = group.attestation.symmetricKey!.primaryKey;
    const started = performance.now();
    const registerDurations = await runPool(DEVICES, CONCURRENCY, async (i) => {
      const id = `bench-device-${i}`;
      const result = await symmetricKeyDeviceClientFor(emu, id, deriveDeviceKey(groupKey, id)).register();
      if (result.status !== "assigned") throw new Error(`${id}: ${result.status}`);
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `registrations: ${DEVICES} devices, concurrency ${CONCURRENCY}, ${seconds.toFixed(1)} s → ${Math.round((DEVICES / seconds) * 60)} registrations/min`,
    );
    console.log(summary("register() (PUT + status GET, device SDK)", registerDurations));

    // 2. Service API latency and memory at many enrollments (bulk create, 10 per call).
    const rssBefore = residentMiB(info.pid);
    const bulkDurations = await runPool(Math.ceil(ENROLLMENTS / 10), CONCURRENCY, (b) => {
      const enrollments = Array.from({ length: Math.min(10, ENROLLMENTS - b * 10) }, (_, k) => ({
        registrationId: `bench-enrollment-${b * 10 + k}`,
        attestation: { type: "symmetricKey" },
        initialTwin: { tags: { batch: b } },
      }));
      return new Promise<void>((resolve, reject) =>
        service.runBulkEnrollmentOperation(
          { mode: "create", enrollments } as never,
          ((err: Error | undefined, result: { isSuccessful: boolean }) =>
            err
              ? reject(err)
              : result.isSuccessful
                ? resolve()
                : reject(new Error("bulk item failed"))) as never,
        ),
      );
    });
    console.log(summary("bulk create of 10 (service SDK)", bulkDurations));
    const getDurations = await runPool(1000, CONCURRENCY, (i) =>
      service.getIndividualEnrollment(`bench-enrollment-${(i * 97) % ENROLLMENTS}`),
    );
    console.log(summary(`GET enrollment at ${ENROLLMENTS} enrollments (service SDK)`, getDurations));
    const rssAfter = residentMiB(info.pid);
    console.log(
      `memory: RSS ${rssBefore.toFixed(1)} MB before → ${rssAfter.toFixed(1)} MB with ${ENROLLMENTS} enrollments (+${DEVICES} registrations)`,
    );
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark(main);
