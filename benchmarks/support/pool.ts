// What the benchmarks share for timing many calls: a bounded pool of workers and the
// percentiles of the durations it measured.

/** Runs `count` tasks with at most `concurrency` in flight; returns each task's duration in ms. */
export async function runPool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      await task(i);
      durations.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return durations;
}

/** n, p50, p95, p99 and max of durations in ms, to a tenth. */
export function percentiles(samples: readonly number[]): {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
} {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => +(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN).toFixed(1);
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}
