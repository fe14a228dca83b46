import type { FaultKind, ResolvedOptions, ScriptedFault } from "./options";
import type { Api } from "./http/routes";

/** A deterministic PRNG (mulberry32), so a seeded fault run repeats exactly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Opt-in injected failures: 5xx answers, connection resets and slow answers at a given rate. */
export class FaultInjector {
  private readonly random: () => number;
  readonly injected: Record<FaultKind, number> = { "500": 0, "503": 0, reset: 0, slow: 0 };
  constructor(private readonly options: NonNullable<ResolvedOptions["faults"]>) {
    this.random = mulberry32(options.seed);
  }
  decide(api: Api): FaultKind | undefined {
    if (!this.options.apis.includes(api) || this.random() >= this.options.rate) return undefined;
    const kinds = this.options.kinds;
    const kind = kinds[Math.floor(this.random() * kinds.length)] as FaultKind;
    this.injected[kind]++;
    return kind;
  }
  get slowMs(): number {
    return this.options.slowMs;
  }
  /** Whether one item of a bulk operation fails (per-item error in a 200 answer, item not applied). */
  failsBulkItem(): boolean {
    return this.options.bulkItemRate > 0 && this.random() < this.options.bulkItemRate;
  }
}

/** A sliding one-minute window, like DPS's per-minute quotas. */
export class RateWindow {
  private readonly times: number[] = [];
  private head = 0;
  constructor(private readonly perMinute: number) {}
  /** Records `count` operations at once; false (nothing recorded) when the last minute's quota has no room for them. */
  tryTake(now = Date.now(), count = 1): boolean {
    while (this.head < this.times.length && (this.times[this.head] as number) <= now - 60_000) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    if (this.times.length - this.head + count > this.perMinute) return false;
    for (let i = 0; i < count; i++) this.times.push(now);
    return true;
  }
}

/** Scripted faults, first match wins; each counts down its `times`. Replaceable while running. */
export class ScriptedFaults {
  private entries: Array<{ fault: ScriptedFault; pattern: RegExp; left: number }> = [];
  constructor(faults: readonly ScriptedFault[]) {
    this.replace(faults);
  }
  replace(faults: readonly ScriptedFault[]): void {
    this.entries = faults.map((fault) => ({
      fault,
      pattern: new RegExp(fault.path, "i"),
      left: fault.times ?? Infinity,
    }));
  }
  match(method: string, path: string): ScriptedFault["reply"] | undefined {
    const entry = this.entries.find(
      (e) =>
        e.left > 0 &&
        (!e.fault.method || e.fault.method.toUpperCase() === method.toUpperCase()) &&
        e.pattern.test(path),
    );
    if (!entry) return undefined;
    entry.left--;
    return entry.fault.reply;
  }
}
