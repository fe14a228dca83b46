import { afterEach, describe, expect, it } from "vitest";
import { serviceClientFor } from "../clients";
import type { RunningEmulator } from "../index";
import { startTestEmulator } from "../../testkit/emulator";
import { statusOf, viaCallback } from "./helpers";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

const get = (e: RunningEmulator) =>
  serviceClientFor(e)
    .getIndividualEnrollment("missing")
    .then(
      () => "ok",
      (err: unknown) => err,
    );

describe("opt-in faults and quotas", () => {
  it("throttles service operations past the per-minute quota with 429 and Retry-After", async () => {
    emu = await startTestEmulator({ throttle: { operationsPerMinute: 5, retryAfterSeconds: 7 } });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await get(emu));
    expect(results.slice(0, 5).map(statusOf)).toEqual([404, 404, 404, 404, 404]);
    const throttled = results[5] as { name: string; response: { headers: Record<string, string> } };
    expect(throttled.name).toBe("ThrottlingError");
    expect(statusOf(throttled)).toBe(429);
    expect(throttled.response.headers["retry-after"]).toBe("7");
  });

  it("injects 503s at the configured rate, reproducibly by seed", async () => {
    const run = async () => {
      const e = await startTestEmulator({ faults: { rate: 0.3, kinds: ["503"], seed: 42 } });
      const statuses = [];
      for (let i = 0; i < 40; i++) statuses.push(statusOf(await get(e)));
      await e.stop();
      return statuses;
    };
    const a = await run();
    const failures = a.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(4);
    expect(failures).toBeLessThan(24);
    expect(await run()).toEqual(a);
  });

  it("injects connection resets and slow answers", async () => {
    emu = await startTestEmulator({ faults: { rate: 1, kinds: ["reset"] } });
    const reset = (await get(emu)) as Error & { code?: string };
    expect(reset).toBeInstanceOf(Error);
    expect(statusOf(reset)).toBeUndefined();
    await emu.stop();
    emu = await startTestEmulator({ faults: { rate: 1, kinds: ["slow"], slowMs: 300 } });
    const started = Date.now();
    expect(statusOf(await get(emu))).toBe(404);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("counts a bulk operation as one operation per item against the quota (Microsoft's SDK, bulk create)", async () => {
    emu = await startTestEmulator({ throttle: { operationsPerMinute: 25, retryAfterSeconds: 3 } });
    const client = serviceClientFor(emu);
    const bulk = (prefix: string, count: number) =>
      viaCallback<{ isSuccessful: boolean }>((cb) =>
        client.runBulkEnrollmentOperation(
          {
            mode: "create",
            enrollments: Array.from({ length: count }, (_, i) => ({
              registrationId: `${prefix}-${i}`,
              attestation: { type: "symmetricKey" },
            })),
          } as never,
          cb as never,
        ),
      ).then(
        (result) => result,
        (err: unknown) => err,
      );
    // 10 + 10 items fit in 25; the third bulk of 10 would make 30: refused as a whole, nothing applied.
    expect(await bulk("a", 10)).toMatchObject({ isSuccessful: true });
    expect(await bulk("b", 10)).toMatchObject({ isSuccessful: true });
    const refused = await bulk("c", 10);
    expect(statusOf(refused)).toBe(429);
    expect(emu.inspect.enrollmentCount()).toBe(20);
    // 5 items still fit.
    expect(await bulk("d", 5)).toMatchObject({ isSuccessful: true });
    expect(emu.inspect.stats().byOperation.IndividualEnrollment_RunBulkOperation).toBe(4);
  });

  it("fails chosen bulk items on their own when asked, and stops when the faults are replaced", async () => {
    emu = await startTestEmulator({ faults: { rate: 0, bulkItemRate: 1 } });
    const client = serviceClientFor(emu);
    const run = () =>
      viaCallback<{ isSuccessful: boolean; errors: Array<{ registrationId: string; errorCode: number }> }>(
        (cb) =>
          client.runBulkEnrollmentOperation(
            {
              mode: "create",
              enrollments: [{ registrationId: "x-1", attestation: { type: "symmetricKey" } }],
            } as never,
            cb as never,
          ),
      );
    const failed = await run();
    expect(failed.isSuccessful).toBe(false);
    expect(failed.errors).toEqual([expect.objectContaining({ registrationId: "x-1", errorCode: 500000 })]);
    expect(emu.inspect.enrollmentCount()).toBe(0);
    emu.setFaults(undefined);
    expect((await run()).isSuccessful).toBe(true);
    expect(emu.inspect.enrollmentCount()).toBe(1);
  });

  it("answers scripted faults to the requests they aim at, as many times as told, and can change them while running", async () => {
    emu = await startTestEmulator({
      scriptedFaults: [
        {
          method: "GET",
          path: "/enrollments/missing$",
          reply: { status: 403, errorCode: 403002, message: "quota" },
          times: 1,
        },
      ],
    });
    expect(statusOf(await get(emu))).toBe(403);
    expect(statusOf(await get(emu))).toBe(404);
    emu.scriptFaults([
      {
        path: "/enrollments/",
        reply: { status: 429, errorCode: 429001, message: "busy", retryAfterSeconds: 2 },
      },
    ]);
    const throttled = (await get(emu)) as {
      response: { headers: Record<string, string> };
      responseBody: string;
    };
    expect(statusOf(throttled)).toBe(429);
    expect(throttled.response.headers["retry-after"]).toBe("2");
    expect(JSON.parse(throttled.responseBody)).toMatchObject({ errorCode: 429001, message: "busy" });
  });
});
