/**
 * One gate per DPS in the provider process, shared by every enrollment the engine works on at
 * once: DPS's quota (1,000 service operations a minute) is per instance, and all enrollments of
 * a deployment share one dynamic-provider process, so the calls must slow down together.
 *
 * - A 429 pauses every new call until its Retry-After has passed (no herd of calls each finding
 *   out on its own), and halves how many calls may be in flight (at least one).
 * - Successes raise that limit again by one per `limit` successes (additive increase), so an
 *   unthrottled run is not slowed down and a throttled one finds the rate DPS accepts.
 * - While throttled, progress is printed to stderr at most every `reportEveryMs`: the engine shows
 *   every line a provider plugin writes to stderr as a diagnostic (pulumi/pulumi
 *   sdk/go/common/resource/plugin/plugin.go, newPlugin's `runtrace`: `ctx.Diag.Infoerrf`), so a
 *   long wait is reported, not silent.
 *
 * Kept on globalThis (not in a module variable): one gate per DPS for the whole provider process,
 * even when it holds two copies of this module (a test runner's module graph beside a provider's).
 */
import type { RetryEnvironment } from "./retry";

export interface ThrottleGate {
  /** Waits for the pause to end and for a free slot, then runs `call`. */
  run<T>(call: () => Promise<T>): Promise<T>;
  /** DPS answered 429 with this Retry-After (or the backoff we chose). */
  throttled(waitMs: number): void;
  succeeded(): void;
  /** When a call through this gate last succeeded (or when the gate was made). */
  readonly lastProgressAt: number;
  readonly limit: number;
}

export const GATE_DEFAULTS = { initialLimit: 64, maxLimit: 64, reportEveryMs: 15_000 };

export function createThrottleGate(
  endpoint: string,
  env: RetryEnvironment,
  report: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  settings = GATE_DEFAULTS,
): ThrottleGate {
  let limit = settings.initialLimit;
  let inFlight = 0;
  let pausedUntil = 0;
  let lastDecreaseAt = -Infinity;
  let successesSinceIncrease = 0;
  let lastProgressAt = env.now();
  let lastReportAt = -Infinity;
  let throttledCalls = 0;
  let succeededCalls = 0;
  const waiting: Array<() => void> = [];

  const wakeOne = () => waiting.shift()?.();

  async function acquire(): Promise<void> {
    for (;;) {
      const pause = pausedUntil - env.now();
      if (pause > 0) {
        await env.sleep(pause);
        continue;
      }
      if (inFlight < limit) {
        inFlight++;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  }

  function release(): void {
    inFlight--;
    // Wake as many waiters as there are free slots (the limit may have grown).
    for (let free = limit - inFlight; free > 0 && waiting.length > 0; free--) wakeOne();
  }

  return {
    async run(call) {
      await acquire();
      try {
        return await call();
      } finally {
        release();
      }
    },
    throttled(waitMs) {
      const now = env.now();
      throttledCalls++;
      pausedUntil = Math.max(pausedUntil, now + waitMs);
      // One decrease per pause: the 429s of calls already in flight report the same overload.
      if (now - lastDecreaseAt >= Math.max(waitMs, 1000)) {
        limit = Math.max(1, Math.floor(Math.min(limit, inFlight) / 2));
        lastDecreaseAt = now;
        successesSinceIncrease = 0;
      }
      if (now - lastReportAt >= settings.reportEveryMs) {
        lastReportAt = now;
        report(
          `DPS ${endpoint} is throttling (HTTP 429; its quota is per minute): pausing ${(waitMs / 1000).toFixed(1)}s, ` +
            `then at most ${limit} call(s) at a time; ${succeededCalls} call(s) done, ${throttledCalls} throttled so far, ${waiting.length} waiting.`,
        );
      }
    },
    succeeded() {
      lastProgressAt = env.now();
      succeededCalls++;
      if (++successesSinceIncrease >= limit && limit < settings.maxLimit) {
        limit++;
        successesSinceIncrease = 0;
        wakeOne();
      }
    },
    get lastProgressAt() {
      return lastProgressAt;
    },
    get limit() {
      return limit;
    },
  };
}

/** The process-wide gate of one DPS endpoint. */
export function sharedThrottleGate(endpoint: string, env: RetryEnvironment): ThrottleGate {
  const slot = Symbol.for("dps-as-code.enrollments.throttleGates");
  const holder = globalThis as unknown as Record<symbol, Map<string, ThrottleGate> | undefined>;
  const gates = (holder[slot] ??= new Map());
  const key = endpoint.toLowerCase();
  let gate = gates.get(key);
  if (!gate) {
    gate = createThrottleGate(endpoint, env);
    gates.set(key, gate);
  }
  return gate;
}
