/**
 * `npm run registrations`' reading of DPS at scale: a group of N devices and M individual
 * enrollments, each device registered with Microsoft's device SDK, then read back the way the
 * command reads them (scripts/registrations/collect.ts), under both answers DPS may give to an
 * individual-enrollment listing (registration states included or omitted: emulator/variants.ts),
 * with the emulator enforcing DPS's service-operation quota. Prints per case the DPS calls, the
 * time, and the time the quota alone imposes on that many calls (the floor here: no engine runs).
 *
 *   bash scripts/with-env.sh ts-node --transpile-only benchmarks/registrations.ts \
 *     [--group-devices 10000] [--individual 1000] [--quota 1000] [--concurrency 20]
 *
 * Seeding registers every device through the device API (minutes at 10,000), without a quota;
 * the readings then run against the same state, restarted with the quota on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createDpsClient } from "../components/dps-client/client";
import { deriveDeviceKey } from "../components/enrollments/derived-keys";
import { serviceClientFor, symmetricKeyDeviceClientFor } from "../emulator/clients";
import { startEmulator, type RunningEmulator } from "../emulator/index";
import { collectRegistrations } from "../scripts/registrations/collect";
import type { StackDps } from "../scripts/registrations/stack-enrollments";
import { runPool } from "./support/pool";
import { runBenchmark } from "./support/run";

const { values } = parseArgs({
  options: {
    "group-devices": { type: "string" },
    individual: { type: "string" },
    quota: { type: "string" },
    concurrency: { type: "string" },
  },
});
const GROUP_DEVICES = Number(values["group-devices"] ?? 10_000);
const INDIVIDUAL = Number(values.individual ?? 1_000);
const QUOTA = Number(values.quota ?? 1_000);
const CONCURRENCY = Number(values.concurrency ?? 20);
const HUBS = [
  { hostName: "bench-a.azure-devices.net", allocationWeight: 1 },
  { hostName: "bench-b.azure-devices.net", allocationWeight: 3 },
];
const GROUP_KEY = Buffer.alloc(32, 51).toString("base64");
const DEVICE_KEY = Buffer.alloc(32, 52).toString("base64");

/** The shared pool, with --concurrency calls in flight. */
const pool = (count: number, task: (i: number) => Promise<unknown>) => runPool(count, CONCURRENCY, task);

/** A registration, tried again when the device SDK's own timeout hits (a loaded machine). */
async function register(client: { register(): Promise<unknown> }, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.register();
      return;
    } catch (error) {
      if (attempt === 3) throw new Error(`${id}: ${(error as Error).name} after ${attempt} attempts`);
    }
  }
}

async function seed(emu: RunningEmulator): Promise<void> {
  const service = serviceClientFor(emu);
  await service.createOrUpdateEnrollmentGroup({
    enrollmentGroupId: "meters",
    attestation: { type: "symmetricKey", symmetricKey: { primaryKey: GROUP_KEY, secondaryKey: GROUP_KEY } },
  } as never);
  await pool(INDIVIDUAL, (i) =>
    service.createOrUpdateIndividualEnrollment({
      registrationId: `pump-${i}`,
      attestation: {
        type: "symmetricKey",
        symmetricKey: { primaryKey: DEVICE_KEY, secondaryKey: DEVICE_KEY },
      },
    } as never),
  );
  await pool(GROUP_DEVICES, (i) => {
    const id = `meter-${i}`;
    return register(symmetricKeyDeviceClientFor(emu, id, deriveDeviceKey(GROUP_KEY, id)), id);
  });
  await pool(INDIVIDUAL, (i) =>
    register(symmetricKeyDeviceClientFor(emu, `pump-${i}`, DEVICE_KEY), `pump-${i}`),
  );
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), "dps-bench-registrations-"));
  const base = { stateDir, logRequests: false, config: { linkedHubs: HUBS } };
  try {
    const seeding = await startEmulator(base);
    const t0 = performance.now();
    await seed(seeding).finally(() => seeding.stop());
    console.log(
      JSON.stringify({
        seeded: { groupDevices: GROUP_DEVICES, individual: INDIVIDUAL },
        seconds: +((performance.now() - t0) / 1000).toFixed(1),
      }),
    );

    for (const listing of ["included", "omitted"] as const) {
      const emu = await startEmulator({
        ...base,
        throttle: { operationsPerMinute: QUOTA, registrationsPerMinute: QUOTA },
        undocumented: { registrationStateInListings: listing },
      });
      try {
        const dps = (individual: string[], groups: string[]): StackDps => ({
          connection: {
            serviceEndpoint: emu.serviceHost,
            connectionString: emu.connectionString,
            trustedCaCertificate: emu.caCertPem,
          },
          serviceEndpoint: emu.serviceHost,
          individual,
          groups,
          linkedHubs: HUBS,
        });
        const cases = [
          { case: `group of ${GROUP_DEVICES} devices`, stack: dps([], ["meters"]) },
          {
            case: `${INDIVIDUAL} individual enrollments`,
            stack: dps(
              Array.from({ length: INDIVIDUAL }, (_, i) => `pump-${i}`),
              [],
            ),
          },
        ];
        for (const c of cases) {
          const before = emu.inspect.stats().serviceOperations;
          const started = performance.now();
          const result = await collectRegistrations(createDpsClient(c.stack.connection), c.stack, {
            operationsPerMinute: QUOTA,
          });
          const seconds = (performance.now() - started) / 1000;
          const registered = result.enrollments.reduce((n, e) => n + e.registrations.length, 0);
          console.log(
            JSON.stringify({
              case: c.case,
              registrationStateInListings: listing,
              quotaPerMinute: QUOTA,
              registrationsRead: registered,
              dpsCalls: result.calls,
              dpsCallsCountedByEmulator: emu.inspect.stats().serviceOperations - before,
              readBy: result.individualReadBy,
              seconds: +seconds.toFixed(1),
              // A sliding minute: the first QUOTA calls pass at once, each further QUOTA waits a minute.
              quotaBoundSeconds: Math.max(0, Math.ceil(result.calls / QUOTA) - 1) * 60,
            }),
          );
        }
      } finally {
        await emu.stop();
      }
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

runBenchmark(main);
