// Throttling is waited out, not failed: one `pulumi up` of a fleet converges through the real
// engine against DPS's quota of 1,000 operations a minute (the emulator's sliding window) while
// another client takes most of that quota, and with 20% of DPS's answers transient faults
// (500, 503, connection resets). The provider reports the throttling in the output meanwhile.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { startTestEmulator } from "../../testkit/emulator";
import { serviceClientFor } from "../../emulator/clients";
import { startCompetingClient, type CompetingClient } from "../../testkit/competing-client";
import { describeWithEngine } from "../../testkit/engine";
import { createLocalProgram, type LocalProgram } from "../../testkit/local-program";

const COUNT = 12;
const QUOTA = 1000;
/**
 * The other client's share: it leaves 15 operations a minute, fewer than this up asks for even on
 * a slow machine (its creates start together), so DPS throttles it whatever the machine's speed.
 */
const COMPETITOR_PER_MINUTE = 985;
const ids = Array.from({ length: COUNT }, (_, i) => `busy-${String(i).padStart(2, "0")}`);
const MANIFEST =
  [
    "defaults:",
    "  iotHubs: [weu]",
    "  allocationPolicy: static",
    "individualEnrollments:",
    ...ids.flatMap((id) => [`  - registrationId: ${id}`, "    attestation: { type: symmetricKey }"]),
  ].join("\n") + "\n";

describeWithEngine("a throttled, faulty DPS shared with another client", (engine) => {
  let emulator: RunningEmulator;
  let program: LocalProgram;
  let competitor: CompetingClient;

  beforeAll(async () => {
    emulator = await startTestEmulator({
      throttle: { operationsPerMinute: QUOTA, retryAfterSeconds: 5 },
      faults: { rate: 0.2, kinds: ["500", "503", "reset"], apis: ["service"], seed: 14 },
    });
    program = await createLocalProgram(engine, emulator, {
      stackName: "busy",
      manifests: { "fleet.yaml": MANIFEST },
    });
    competitor = startCompetingClient(emulator, COMPETITOR_PER_MINUTE);
    // Let the other client take its share of the current minute before the up starts.
    while (competitor.done < COMPETITOR_PER_MINUTE * 0.9) await new Promise((r) => setTimeout(r, 100));
  }, 120_000);

  afterAll(async () => {
    await competitor?.stop();
    program?.cleanup();
    await emulator?.stop();
  });

  it("converges in one `pulumi up`, saying that it waits for DPS", async () => {
    const started = Date.now();
    const result = await program.up({ onOutput: program.onOutput });
    const minutes = (Date.now() - started) / 60_000;
    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toEqual({ create: COUNT + 4 }); // + stack, platform (2), enrollment ledger
    expect(emulator.inspect.stats().byStatus["429"] ?? 0).toBeGreaterThan(0);
    expect(result.stdout).toMatch(
      /DPS localhost:\d+ is throttling \(HTTP 429; its quota is per minute\): pausing \d+\.\ds, then at most \d+ call\(s\) at a time/,
    );
    await competitor.stop();
    // The emulator still injects faults and throttles: the test's own read retries them, as the
    // provider does, a bounded number of times.
    const listOnDps = async (): Promise<string[]> => {
      for (let attempt = 1; ; attempt++) {
        try {
          const page = await serviceClientFor(emulator)
            .createIndividualEnrollmentQuery({ query: "*" }, 1000)
            .next();
          return (page.responseBody as unknown as { registrationId: string }[])
            .map((e) => e.registrationId)
            .sort();
        } catch (error) {
          if (attempt >= 30) throw error;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };
    const onDps = await listOnDps();
    expect(onDps).toEqual(ids);
    process.stdout.write(
      `throttled up: ${minutes.toFixed(1)} min, ${emulator.inspect.stats().byStatus["429"]} 429s\n`,
    );
  }, 600_000);
});
