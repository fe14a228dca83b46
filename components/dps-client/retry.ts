/**
 * Retrying DPS calls on throttling (429) and transient faults (408, 5xx, connection resets,
 * timeouts): exponential backoff with full jitter, honouring Retry-After.
 *
 * DPS allows 1,000 service operations per minute per instance, shared with every other client of
 * that DPS, so a large `pulumi up` does meet 429s, and the quota frees up only as the minute
 * window moves on. Throttling is therefore waited out, not counted: a 429 costs no attempt, and a
 * call gives up only when no DPS call of this process has succeeded for `totalBudgetMs`
 * (minutes). Transient faults are counted (`maxAttempts`), since a DPS failing the same request
 * again and again is not going to heal within a run. With a ThrottleGate, all calls to one DPS
 * pause together on a 429 and run fewer at a time (see throttle-gate.ts). A failure that heals by
 * itself at a known moment (a role assignment reaching DPS: unauthorized.ts) is waited for until
 * that moment, neither counted nor bound by the budget.
 */
import { describeCallFailure, isTransient, type CallFailure } from "./errors";
import type { ThrottleGate } from "./throttle-gate";

export interface RetryPolicy {
  /** Attempts in total for transient faults (5xx, resets, timeouts), the first one included; 429s are not counted. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubles each time. */
  baseDelayMs: number;
  /** Cap on a single backoff. */
  maxDelayMs: number;
  /** Give up once no DPS call has succeeded for this long (since this call started, at the earliest). */
  totalBudgetMs: number;
}

/** Ten minutes: ten of DPS's one-minute quota windows, enough for another client's burst to pass. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  totalBudgetMs: 10 * 60_000,
};

/**
 * The default policy, with the budget from `DPS_RETRY_BUDGET_SECONDS` when set (the dynamic
 * provider runs in its own process with the CLI's environment: the one way to tune it per run).
 */
export function retryPolicyFromEnvironment(env: Record<string, string | undefined>): RetryPolicy {
  const seconds = Number(env.DPS_RETRY_BUDGET_SECONDS);
  return Number.isFinite(seconds) && seconds > 0
    ? { ...DEFAULT_RETRY_POLICY, totalBudgetMs: seconds * 1000 }
    : DEFAULT_RETRY_POLICY;
}

/** Clock, sleep and randomness, injectable so tests run instantly and deterministically. */
export interface RetryEnvironment {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export function realRetryEnvironment(): RetryEnvironment {
  return {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: () => Math.random(),
  };
}

/** Delay before the next attempt, after `failures` failures of this kind (counts from 1). */
export function backoffDelay(
  policy: RetryPolicy,
  failures: number,
  failure: CallFailure,
  random: number,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));
  const jittered = Math.round(random * exponential);
  // Retry-After is the service's own estimate: wait at least that, plus a little jitter so a batch
  // of throttled calls does not come back in lockstep.
  if (failure.retryAfterMs !== undefined)
    return failure.retryAfterMs + Math.round(random * Math.min(1000, policy.baseDelayMs));
  return Math.max(jittered, 50);
}

export interface RetryOutcome<T> {
  value: T;
  attempts: number;
}

/** Retries ran out. A plain Error with fields, recognised by name, as DpsCallError (errors.ts). */
export interface RetriesExhaustedError extends Error {
  name: "RetriesExhaustedError";
  failure: CallFailure;
  attempts: number;
}

export function retriesExhaustedError(
  message: string,
  failure: CallFailure,
  attempts: number,
): RetriesExhaustedError {
  return Object.assign(new Error(message), { name: "RetriesExhaustedError" as const, failure, attempts });
}

export function isRetriesExhaustedError(error: unknown): error is RetriesExhaustedError {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "RetriesExhaustedError"
  );
}

/**
 * Whether a failure is worth another attempt: no, yes (throttling or a transient fault), or
 * "until": it may heal by itself until then (milliseconds since the epoch), not after.
 */
export type RetryVerdict = boolean | { readonly until: number; readonly why: string };

/**
 * Runs `call` until it succeeds, fails with a non-retryable error (rethrown as is), or retries
 * run out (RetriesExhaustedError naming attempts, elapsed time and the last failure).
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  env: RetryEnvironment,
  secrets: readonly (string | undefined)[],
  isRetryable: (failure: CallFailure) => RetryVerdict = isTransient,
  gate?: ThrottleGate,
): Promise<RetryOutcome<T>> {
  const started = env.now();
  let faults = 0;
  let throttles = 0;
  let waits = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const value = gate ? await gate.run(call) : await call();
      gate?.succeeded();
      return { value, attempts: attempt };
    } catch (error) {
      const failure = describeCallFailure(error, secrets, env.now());
      const verdict = isRetryable(failure);
      if (verdict === false) throw error;
      if (typeof verdict === "object") {
        const now = env.now();
        // Past the moment already at the first attempt: nothing was waited for.
        if (now >= verdict.until && attempt === 1) throw error;
        if (now >= verdict.until) {
          throw retriesExhaustedError(
            `${whyFor(failure)} ${verdict.why}: gave up after ${attempt} attempt${attempt === 1 ? "" : "s"} over ${(
              (now - started) /
              1000
            ).toFixed(1)}s; last failure: ${failure.description}`,
            failure,
            attempt,
          );
        }
        // Backoff as for faults, but never past the moment the wait ends, so the last attempt
        // comes at that moment.
        await env.sleep(Math.min(backoffDelay(policy, ++waits, failure, env.random()), verdict.until - now));
        continue;
      }
      const throttled = failure.status === 429;
      const delay = backoffDelay(policy, throttled ? ++throttles : ++faults, failure, env.random());
      if (throttled) gate?.throttled(delay);
      const now = env.now();
      const stalledMs = now - Math.max(started, gate?.lastProgressAt ?? started);
      const outOfTime = stalledMs + delay > policy.totalBudgetMs;
      if (outOfTime || (!throttled && faults >= policy.maxAttempts)) {
        const budget = outOfTime ? { stalledMs, totalBudgetMs: policy.totalBudgetMs } : undefined;
        throw retriesExhaustedError(
          exhaustedMessage(failure, attempt, now - started, budget),
          failure,
          attempt,
        );
      }
      await env.sleep(delay);
    }
  }
}

function exhaustedMessage(
  failure: CallFailure,
  attempts: number,
  elapsedMs: number,
  budget: { stalledMs: number; totalBudgetMs: number } | undefined,
): string {
  const why = whyFor(failure);
  const overBudget = budget
    ? `, the next wait would pass the budget of ${formatBudget(budget.totalBudgetMs)} without a successful DPS call (set DPS_RETRY_BUDGET_SECONDS to wait longer)`
    : "";
  return `${why}: gave up after ${attempts} attempt${attempts === 1 ? "" : "s"} over ${(elapsedMs / 1000).toFixed(1)}s${overBudget}; last failure: ${failure.description}`;
}

function whyFor(failure: CallFailure): string {
  return failure.status === 429
    ? "DPS kept throttling (429)"
    : failure.status === 401
      ? "DPS kept refusing the credential (401)"
      : "DPS kept failing with transient errors";
}

function formatBudget(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000}s`;
}
