/**
 * Keeping a deployment within DPS's service-operation quota: 1,000 operations per minute per DPS
 * (DPS limits: MicrosoftDocs/azure-docs includes/iot-dps-limits.md, adjustable per unit). DPS does
 * not document how a bulk operation counts against it; we count one per item (the stricter
 * reading, which is also how the emulator counts), so pacing holds under either behaviour.
 *
 * One pacer per DPS for the whole provider process (every set of the deployment shares it), on
 * globalThis: a sliding one-minute window of operations plus a cap on calls in flight. A 429 that
 * still happens (another client of the same DPS) is retried by the DPS client (components/dps-client) with Retry-After.
 */

export interface Pacer {
  /** Waits until `cost` operations fit in the last minute and a call slot is free, then runs `work`. */
  run<T>(cost: number, work: () => Promise<T>): Promise<T>;
}

/** Calls in flight per DPS: enough to hide latency, few enough to leave the quota to pacing. */
export const MAX_CALLS_IN_FLIGHT = 4;
const WINDOW_MS = 60_000;

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function createPacer(
  operationsPerMinute: number,
  clock: PacerClock = realClock,
  maxInFlight = MAX_CALLS_IN_FLIGHT,
): Pacer {
  const taken: number[] = [];
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  let queue: Promise<void> = Promise.resolve();

  const slot = async () => {
    if (inFlight < maxInFlight) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };
  // Quota is granted in arrival order (one queue), so a big batch cannot starve behind small ones.
  const reserve = (cost: number): Promise<void> => {
    const turn = queue.then(async () => {
      for (;;) {
        const now = clock.now();
        while (taken.length > 0 && (taken[0] as number) <= now - WINDOW_MS) taken.shift();
        if (taken.length + cost <= operationsPerMinute) {
          for (let i = 0; i < cost; i++) taken.push(now);
          return;
        }
        const oldest = taken[taken.length + cost - operationsPerMinute - 1] as number;
        await clock.sleep(Math.max(1, oldest + WINDOW_MS - now + 1));
      }
    });
    queue = turn.catch(() => undefined);
    return turn;
  };
  return {
    async run(cost, work) {
      await slot();
      try {
        await reserve(Math.min(cost, operationsPerMinute));
        return await work();
      } finally {
        release();
      }
    },
  };
}

/** The process-wide pacer of one DPS. */
export function pacerFor(serviceEndpoint: string, operationsPerMinute: number): Pacer {
  const slot = Symbol.for("dps-as-code.enrollments.pacers");
  const holder = globalThis as unknown as Record<symbol, Map<string, Pacer> | undefined>;
  const pacers = (holder[slot] ??= new Map());
  const key = `${serviceEndpoint.toLowerCase()}|${operationsPerMinute}`;
  let pacer = pacers.get(key);
  if (!pacer) {
    pacer = createPacer(operationsPerMinute);
    pacers.set(key, pacer);
  }
  return pacer;
}
