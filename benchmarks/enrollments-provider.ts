/**
 * How fast the enrollment provider creates enrollments against the local emulator, without and
 * with DPS's throttle (1,000 operations per minute per service). Each create is a GET (does it
 * exist?) plus a PUT, so the throttle caps creates at about 500 a minute.
 *
 *   bash scripts/with-env.sh ts-node --transpile-only benchmarks/enrollments-provider.ts \
 *     [--enrollments 200] [--concurrency 10] [--throttle 1000]
 *
 * Prints one JSON line per scenario: enrollments, seconds, enrollments per minute, 429s seen.
 */
import { parseArgs } from "node:util";
import { createEnrollmentProvider } from "../components/enrollments/provider";
import { silentLogger, startEmulator } from "../emulator/index";
import { positiveInteger, runBenchmark } from "./support/run";

async function run(
  label: string,
  count: number,
  concurrency: number,
  throttlePerMinute: number | undefined,
): Promise<void> {
  const emu = await startEmulator({
    ephemeral: true,
    logger: silentLogger,
    ...(throttlePerMinute
      ? {
          throttle: {
            operationsPerMinute: throttlePerMinute,
            registrationsPerMinute: 1000,
            retryAfterSeconds: 1,
          },
        }
      : {}),
  });
  try {
    const provider = createEnrollmentProvider("individual", {
      retryPolicy: { maxAttempts: 10_000, baseDelayMs: 200, maxDelayMs: 5_000, totalBudgetMs: 600_000 },
    });
    const dps = {
      serviceEndpoint: emu.serviceHost,
      connectionString: emu.connectionString,
      trustedCaCertificate: emu.caCertPem,
    };
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < count) {
        const i = next++;
        await provider.create({ registrationId: `bench-${i}`, attestation: { type: "symmetricKey" }, dps });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (Date.now() - started) / 1000;
    const stats = emu.inspect.stats();
    process.stdout.write(
      JSON.stringify({
        scenario: label,
        enrollments: count,
        concurrency,
        seconds: Number(seconds.toFixed(2)),
        perMinute: Math.round((count / seconds) * 60),
        throttled429: stats.byStatus["429"] ?? 0,
      }) + "\n",
    );
  } finally {
    await emu.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      enrollments: { type: "string", default: "200" },
      concurrency: { type: "string", default: "10" },
      throttle: { type: "string", default: "1000" },
    },
  });
  const count = positiveInteger("--enrollments", values.enrollments);
  const concurrency = positiveInteger("--concurrency", values.concurrency);
  const throttle = positiveInteger("--throttle", values.throttle);
  await run("no throttle", count, concurrency, undefined);
  await run(`throttle ${throttle} ops/min`, count, concurrency, throttle);
}

runBenchmark(main);
