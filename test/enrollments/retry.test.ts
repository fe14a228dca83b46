import { describe, expect, it } from "vitest";
import { describeCallFailure, redact } from "../../components/dps-client/errors";
import {
  backoffDelay,
  isRetriesExhaustedError,
  withRetry,
  type RetryEnvironment,
} from "../../components/dps-client/retry";
import { createThrottleGate } from "../../components/dps-client/throttle-gate";

/** An SDK-shaped HTTP error (azure-iot-http-base attaches response and responseBody). */
function httpError(status: number, body: object | string, headers: Record<string, string> = {}) {
  return Object.assign(new Error("Error: " + JSON.stringify(body)), {
    response: { statusCode: status, headers },
    responseBody: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function fakeEnvironment(): RetryEnvironment & { slept: number[] } {
  let clock = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => clock,
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
    random: () => 0.5,
  };
}

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, totalBudgetMs: 10_000 };

describe("withRetry", () => {
  it("retries 429 honouring Retry-After, then succeeds", async () => {
    const env = fakeEnvironment();
    let calls = 0;
    const outcome = await withRetry(
      async () => {
        calls++;
        if (calls < 3)
          throw httpError(429, { errorCode: 429001, message: "throttled" }, { "retry-after": "2" });
        return "ok";
      },
      policy,
      env,
      [],
    );
    expect(outcome).toEqual({ value: "ok", attempts: 3 });
    expect(env.slept).toEqual([2050, 2050]);
  });

  it("retries 5xx and connection resets with exponential jittered backoff", async () => {
    const env = fakeEnvironment();
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw httpError(503, { errorCode: 503000, message: "busy" });
        if (calls === 2) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        return 1;
      },
      policy,
      env,
      [],
    );
    expect(env.slept).toEqual([50, 100]);
  });

  it("does not retry a 400 or a 412", async () => {
    for (const status of [400, 412]) {
      let calls = 0;
      await expect(
        withRetry(
          async () => {
            calls++;
            throw httpError(status, { errorCode: status * 1000 });
          },
          policy,
          fakeEnvironment(),
          [],
        ),
      ).rejects.toMatchObject({ response: { statusCode: status } });
      expect(calls).toBe(1);
    }
  });

  it("gives up on transient faults after the attempt limit and says what happened", async () => {
    const env = fakeEnvironment();
    const failing = withRetry(
      async () => {
        throw httpError(
          503,
          { errorCode: 503000, message: "busy", trackingId: "t-1" },
          { "retry-after": "1" },
        );
      },
      policy,
      env,
      [],
    );
    await expect(failing).rejects.toSatisfy(isRetriesExhaustedError);
    await expect(failing).rejects.toThrow(
      "DPS kept failing with transient errors: gave up after 5 attempts over 4.2s; last failure: HTTP 503 (errorCode 503000; busy; trackingId t-1)",
    );
  });

  it("waits out throttling beyond the attempt limit, within the time budget", async () => {
    const env = fakeEnvironment();
    let calls = 0;
    const outcome = await withRetry(
      async () => {
        calls++;
        if (calls <= 8)
          throw httpError(429, { errorCode: 429001, message: "throttled" }, { "retry-after": "1" });
        return "ok";
      },
      policy,
      env,
      [],
    );
    expect(outcome).toEqual({ value: "ok", attempts: 9 });
  });

  it("gives up on throttling only when the next wait would pass the budget, and says so", async () => {
    const env = fakeEnvironment();
    const failing = withRetry(
      async () => {
        throw httpError(
          429,
          { errorCode: 429001, message: "Operations are being throttled", trackingId: "t-1" },
          { "retry-after": "3" },
        );
      },
      policy,
      env,
      [],
    );
    await expect(failing).rejects.toThrow(
      "DPS kept throttling (429): gave up after 4 attempts over 9.2s, the next wait would pass the budget of 10s without a successful DPS call (set DPS_RETRY_BUDGET_SECONDS to wait longer); last failure: HTTP 429 (errorCode 429001; Operations are being throttled; trackingId t-1)",
    );
  });

  it("stops before the total time budget is exceeded", async () => {
    const env = fakeEnvironment();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw httpError(503, {}, { "retry-after": "30" });
        },
        { ...policy, totalBudgetMs: 45_000 },
        env,
        [],
      ),
    ).rejects.toThrow(/gave up after 2 attempts over 30\.1s, the next wait would pass the budget of 45s/);
    expect(calls).toBe(2);
  });

  it("keeps a throttled call waiting while other calls through the same gate succeed", async () => {
    const env = fakeEnvironment();
    const gate = createThrottleGate("dps", env, () => {});
    let calls = 0;
    const outcome = await withRetry(
      async () => {
        calls++;
        if (calls <= 6) {
          gate.succeeded(); // another enrollment's call got through meanwhile
          throw httpError(429, { errorCode: 429001 }, { "retry-after": "3" });
        }
        return "ok";
      },
      policy,
      env,
      [],
      undefined,
      gate,
    );
    expect(outcome.attempts).toBe(7);
    expect(env.now()).toBeGreaterThan(policy.totalBudgetMs);
  });
});

describe("the throttle gate", () => {
  it("pauses every call until Retry-After has passed, halves concurrency, reports progress, and grows again on success", async () => {
    const env = fakeEnvironment();
    const lines: string[] = [];
    const gate = createThrottleGate("dps.example", env, (line) => lines.push(line), {
      initialLimit: 8,
      maxLimit: 8,
      reportEveryMs: 15_000,
    });
    let running = 0;
    let peak = 0;
    const work = () =>
      gate.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await Promise.resolve();
        running--;
      });
    // Eight calls in flight when DPS says 429.
    const inFlight = Array.from({ length: 8 }, () =>
      gate.run(() => new Promise<void>((resolve) => setTimeout(resolve, 1))),
    );
    gate.throttled(2000);
    gate.throttled(2000);
    expect(gate.limit).toBe(4);
    expect(lines).toEqual([
      "DPS dps.example is throttling (HTTP 429; its quota is per minute): pausing 2.0s, then at most 4 call(s) at a time; 0 call(s) done, 1 throttled so far, 0 waiting.",
    ]);
    const start = env.now();
    await Promise.all(inFlight);
    await Promise.all(Array.from({ length: 10 }, work));
    expect(env.now() - start).toBeGreaterThanOrEqual(2000);
    expect(peak).toBeLessThanOrEqual(4);
    for (let i = 0; i < 4; i++) gate.succeeded();
    expect(gate.limit).toBe(5);
  });
});

describe("backoffDelay", () => {
  it("caps the exponential delay", () => {
    expect(backoffDelay(policy, 10, { description: "" }, 1)).toBe(1000);
  });
});

describe("describeCallFailure", () => {
  it("reads DPS's error body and redacts secrets from it", () => {
    const key = "c2VjcmV0LWtleS1zZWNyZXQta2V5";
    const failure = describeCallFailure(
      httpError(400, { errorCode: 400004, message: `bad key ${key}` }),
      [key],
      0,
    );
    expect(failure).toMatchObject({ status: 400, errorCode: 400004, serviceMessage: "bad key [secret]" });
    expect(failure.description).toBe("HTTP 400 (errorCode 400004; bad key [secret])");
  });

  it("reads network errors", () => {
    expect(
      describeCallFailure(
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
        [],
        0,
      ).description,
    ).toBe("ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)");
  });

  it("redacts URL-encoded secrets too", () => {
    expect(redact("sig=a%2Bb%3D", ["a+b="])).toBe("sig=[secret]");
  });
});
