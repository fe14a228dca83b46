/**
 * The pipeline's way to free its stack before it writes to it:
 * `npm run clear-dead-locks -- --stack <stack> --lock-lifetime-minutes <n> [--wait-minutes <m>]`.
 * It removes only the locks of runs that are provably dead (./lock-verdict.ts); while any other lock
 * is left (a person's `pulumi`, or a pipeline run that may still be alive) it waits, looking again
 * every 30 seconds, up to --wait-minutes; then it stops with exit 1, naming each holder.
 * `--lock-lifetime-minutes` is the longest `timeout-minutes` of the workflow steps that run a
 * locking Pulumi command: the runner kills such a step when it runs longer, even when it has lost
 * its connection to GitHub (test/workflows.test.ts keeps the two in agreement).
 *
 * Unlike `pulumi cancel`, which deletes every lock of the stack, live or not (pulumi/pulumi
 * pkg/backend/diy/backend.go, CancelCurrentUpdate), it never removes a person's live lock.
 */
import * as os from "node:os";
import { realEnvironment } from "./locks";
import { describeLockContent, judgeLock, type PipelineJob } from "./lock-verdict";
import { lockStoreFor, type LockStore } from "./lock-store";

const POLL_SECONDS = 30;

export interface ClearOptions {
  readonly stack: string;
  readonly lockLifetimeMinutes: number;
  readonly waitMinutes: number;
}

/** One look: removes the dead locks; returns what is left, with why. */
export async function clearDeadLocksOnce(
  store: LockStore,
  stack: string,
  job: PipelineJob,
  say: (line: string) => void,
): Promise<string[]> {
  const left: string[] = [];
  for (const lock of await store.list(stack)) {
    const verdict = judgeLock(lock, job);
    if (verdict.dead) {
      await store.remove(lock);
      say(`removed the lock of a dead run: ${describeLockContent(lock)}: ${verdict.why}`);
    } else left.push(`${describeLockContent(lock)}: ${verdict.why}`);
  }
  return left;
}

export async function clearDeadLocks(
  store: LockStore,
  options: ClearOptions,
  say: (line: string) => void,
  clock: { now(): Date; sleep(ms: number): Promise<void> } = {
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
  host: { account: string; hostname: string; isAlive(pid: number): boolean } = {
    account: os.userInfo().username,
    hostname: realEnvironment.hostname,
    isAlive: realEnvironment.isAlive,
  },
): Promise<boolean> {
  const deadline = clock.now().getTime() + options.waitMinutes * 60_000;
  let reported = "";
  for (;;) {
    const job: PipelineJob = { ...host, timeoutMinutes: options.lockLifetimeMinutes, now: clock.now() };
    const left = await clearDeadLocksOnce(store, options.stack, job, say);
    if (left.length === 0) {
      say(`stack ${options.stack} has no lock: free to run`);
      return true;
    }
    if (clock.now().getTime() >= deadline) {
      say(
        `stack ${options.stack} is still locked after ${options.waitMinutes} minutes, by:\n` +
          left.map((l) => `  ${l}`).join("\n") +
          "\nA person's lock: ask them to let their pulumi finish, then re-run this job. " +
          "A pipeline run's: it becomes removable when it is older than the pipeline's longest step; re-run this job then.",
      );
      return false;
    }
    const now = left.join("\n");
    if (now !== reported)
      say(`waiting for stack ${options.stack}, locked by:\n${left.map((l) => `  ${l}`).join("\n")}`);
    reported = now;
    await clock.sleep(POLL_SECONDS * 1000);
  }
}

function numberArg(argv: string[], name: string): number | undefined {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(argv[at + 1]);
  return Number.isFinite(value) && value >= 0 ? value : NaN;
}

async function main(argv: string[]): Promise<number> {
  const usage =
    "usage: npm run clear-dead-locks -- --stack <stack> --lock-lifetime-minutes <minutes> [--wait-minutes <minutes>]\n";
  const at = argv.findIndex((a) => a === "--stack" || a === "-s");
  const stack = at >= 0 ? argv[at + 1] : undefined;
  const lockLifetimeMinutes = numberArg(argv, "--lock-lifetime-minutes");
  const waitMinutes = numberArg(argv, "--wait-minutes") ?? 0;
  if (
    !stack ||
    lockLifetimeMinutes === undefined ||
    Number.isNaN(lockLifetimeMinutes) ||
    Number.isNaN(waitMinutes)
  ) {
    process.stderr.write(usage);
    return 2;
  }
  const store = lockStoreFor(process.env.PULUMI_BACKEND_URL ?? "");
  if (typeof store === "string") {
    process.stderr.write(`clear-dead-locks: ${store}\n`);
    return 2;
  }
  try {
    const free = await clearDeadLocks(store, { stack, lockLifetimeMinutes, waitMinutes }, (line) =>
      process.stdout.write(`${line}\n`),
    );
    return free ? 0 : 1;
  } catch (error) {
    process.stderr.write(
      `clear-dead-locks: the locks of stack ${stack} in ${store.where}: ${(error as Error).message}\n`,
    );
    return 1;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
