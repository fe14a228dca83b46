import { describe, expect, it } from "vitest";
import { describeCallFailure, redact } from "../../components/enrollments/errors";
import { RetriesExhaustedError, backoffDelay, withRetry, type RetryEnvironment } from "../../components/enrollments/retry";

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
  return { slept, now: () => clock, sleep: async (ms) => { slept.push(ms); clock += ms; }, random: () => 0.5 };
}

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, totalBudgetMs: 10_000 };

describe("withRetry", () => {
  it("retries 429 honouring Retry-After, then succeeds", async () => {
    const env = fakeEnvironment();
    let calls = 0;
    const outcome = await withRetry(async () => {
      calls++;
      if (calls < 3) throw httpError(429, { errorCode: 429001, message: "throttled" }, { "retry-after": "2" });
      return "ok";
    }, policy, env, []);
    expect(outcome).toEqual({ value: "ok", attempts: 3 });
    expect(env.slept).toEqual([2050, 2050]);
  });

  it("retries 5xx and connection resets with exponential jittered backoff", async () => {
    const env = fakeEnvironment();
    let calls = 0;
    await withRetry(async () => {
      calls++;
      if (calls === 1) throw httpError(503, { errorCode: 503000, message: "busy" });
      if (calls === 2) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      return 1;
    }, policy, env, []);
    expect(env.slept).toEqual([50, 100]);
  });

  it("does not retry a 400 or a 412", async () => {
    for (const status of [400, 412]) {
      let calls = 0;
      await expect(withRetry(async () => { calls++; throw httpError(status, { errorCode: status * 1000 }); }, policy, fakeEnvironment(), [])).rejects.toMatchObject({ response: { statusCode: status } });
      expect(calls).toBe(1);
    }
  });

  it("gives up after the attempt limit and says what happened", async () => {
    const env = fakeEnvironment();
    const failing = withRetry(async () => { throw httpError(429, { errorCode: 429001, message: "Operations are being throttled", trackingId: "t-1" }, { "retry-after": "1" }); }, policy, env, []);
    await expect(failing).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(failing).rejects.toThrow(
      "DPS kept throttling (429): gave up after 5 attempts over 4.2s; last failure: HTTP 429 (errorCode 429001; Operations are being throttled; trackingId t-1)",
    );
  });

  it("stops before the total time budget is exceeded", async () => {
    const env = fakeEnvironment();
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw httpError(503, {}, { "retry-after": "30" }); }, { ...policy, totalBudgetMs: 45_000 }, env, [])).rejects.toThrow(/gave up after 2 attempts over 30\.1s/);
    expect(calls).toBe(2);
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
    const failure = describeCallFailure(httpError(400, { errorCode: 400004, message: `bad key ${key}` }), [key], 0);
    expect(failure).toMatchObject({ status: 400, errorCode: 400004, serviceMessage: "bad key [secret]" });
    expect(failure.description).toBe("HTTP 400 (errorCode 400004; bad key [secret])");
  });

  it("reads network errors", () => {
    expect(describeCallFailure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), [], 0).description).toBe(
      "ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)",
    );
  });

  it("redacts URL-encoded secrets too", () => {
    expect(redact("sig=a%2Bb%3D", ["a+b="])).toBe("sig=[secret]");
  });
});
