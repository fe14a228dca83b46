/**
 * Retrying DPS calls on throttling (429) and transient faults (408, 5xx, connection resets,
 * timeouts): exponential backoff with full jitter, honouring Retry-After, within a bounded total
 * time. DPS allows 1,000 service operations per minute per instance, so a large `pulumi up` does
 * meet 429s; giving up says how many attempts were made over how long, and the last failure.
 */
import { describeCallFailure, isTransient, type CallFailure } from "./errors";

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubles each time. */
  baseDelayMs: number;
  /** Cap on a single backoff. */
  maxDelayMs: number;
  /** No new attempt starts after this much time since the first one. */
  totalBudgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 20_000, totalBudgetMs: 120_000 };

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

/** Delay before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number, failure: CallFailure, random: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random * exponential);
  // Retry-After is the service's own estimate: wait at least that, plus a little jitter so a batch
  // of throttled calls does not come back in lockstep.
  if (failure.retryAfterMs !== undefined) return failure.retryAfterMs + Math.round(random * Math.min(1000, policy.baseDelayMs));
  return Math.max(jittered, 50);
}

export interface RetryOutcome<T> {
  value: T;
  attempts: number;
}

export class RetriesExhaustedError extends Error {
  readonly failure: CallFailure;
  readonly attempts: number;
  constructor(message: string, failure: CallFailure, attempts: number) {
    super(message);
    this.name = "RetriesExhaustedError";
    this.failure = failure;
    this.attempts = attempts;
  }
}

/**
 * Runs `call` until it succeeds, fails with a non-transient error (rethrown as is), or the policy
 * runs out (RetriesExhaustedError naming attempts, elapsed time and the last failure).
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy,
  env: RetryEnvironment,
  secrets: readonly (string | undefined)[],
  isRetryable: (failure: CallFailure) => boolean = isTransient,
): Promise<RetryOutcome<T>> {
  const started = env.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await call(), attempts: attempt };
    } catch (error) {
      const failure = describeCallFailure(error, secrets, env.now());
      if (!isRetryable(failure)) throw error;
      const delay = backoffDelay(policy, attempt, failure, env.random());
      const elapsed = env.now() - started;
      if (attempt >= policy.maxAttempts || elapsed + delay > policy.totalBudgetMs) {
        const seconds = (elapsed / 1000).toFixed(1);
        const why =
          failure.status === 429
            ? "DPS kept throttling (429)"
            : failure.status === 401
              ? "DPS kept refusing the credential (401)"
              : "DPS kept failing with transient errors";
        throw new RetriesExhaustedError(
          `${why}: gave up after ${attempt} attempt${attempt === 1 ? "" : "s"} over ${seconds}s; last failure: ${failure.description}`,
          failure,
          attempt,
        );
      }
      await env.sleep(delay);
    }
  }
}
