// Another client of the same DPS, as a second tool sharing its quota: it sends service requests
// (reads, through Microsoft's SDK) as fast as it can while its own successful requests of the
// last minute stay under `perMinute`, so it takes that share of DPS's per-minute quota and leaves
// the rest to whoever else calls. Its 429s are ignored (it just tries again a little later).
import type { RunningEmulator } from "../emulator";
import { serviceClientFor } from "../emulator/clients";

export interface CompetingClient {
  /** Requests it got through, and the 429s it met. */
  readonly done: number;
  readonly throttled: number;
  stop(): Promise<void>;
}

export function startCompetingClient(
  emulator: RunningEmulator,
  perMinute: number,
  concurrency = 4,
): CompetingClient {
  const sdk = serviceClientFor(emulator);
  const recent: number[] = [];
  let running = true;
  const state = { done: 0, throttled: 0 };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function worker(): Promise<void> {
    while (running) {
      const now = Date.now();
      while (recent.length > 0 && recent[0]! <= now - 60_000) recent.shift();
      if (recent.length >= perMinute) {
        await sleep(Math.max(10, recent[0]! + 60_000 - now));
        continue;
      }
      recent.push(now); // reserve the slot before the call, so workers do not overshoot together
      try {
        await sdk.getIndividualEnrollment("competing-client-probe");
        state.done++;
      } catch (error) {
        const status = (error as { response?: { statusCode?: number } }).response?.statusCode;
        if (status === 404) state.done++;
        else {
          recent.splice(recent.indexOf(now), 1);
          if (status === 429) state.throttled++;
          await sleep(200);
        }
      }
    }
  }

  const workers = Array.from({ length: concurrency }, worker);
  return {
    get done() {
      return state.done;
    },
    get throttled() {
      return state.throttled;
    },
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}
