/**
 * Finds and removes the locks of a stack that no live `pulumi` holds, in a file backend (the local
 * stacks; `file://` in PULUMI_BACKEND_URL). Removes only locks taken on this machine by a process
 * that no longer runs; any other lock is reported and kept (it may belong to a run in progress).
 *
 * Which locks are stale: ./locks.ts. `pulumi cancel` deletes every lock file of the stack, live or not
 * (pkg/backend/diy/backend.go: CancelCurrentUpdate), a person's live one included; the pipeline
 * uses ./clear-dead-locks.ts, which removes only locks of provably dead runs.
 *
 * It also repairs what the kill may have torn in the backend's files (./torn-sidecars.ts), so that
 * the next `pulumi up` can read the stack again, and then, once no lock is left, resolves the
 * operations the killed run left pending in the state (./resolve-pending.ts).
 */
import { clearStaleLocks, describeLock } from "./locks";
import { runResolve } from "./resolve-pending";
import { fileBackendDir, repairTornSidecars } from "./torn-sidecars";

function main(argv: string[]): number | Promise<number> {
  const stackIndex = argv.findIndex((a) => a === "--stack" || a === "-s");
  const stack = stackIndex >= 0 ? argv[stackIndex + 1] : undefined;
  const backend = process.env.PULUMI_BACKEND_URL ?? "";
  if (!stack) {
    process.stderr.write("usage: npm run unlock-stale -- --stack <stack>\n");
    return 2;
  }
  const backendDir = fileBackendDir(backend);
  if (backendDir === undefined) {
    process.stderr.write(
      `unlock-stale works on file backends (PULUMI_BACKEND_URL is ${backend || "not set"}). ` +
        "For a backend the pipeline uses, let its next deploy clear the lock of a dead run (npm run clear-dead-locks); " +
        "only if you are sure no run is in progress: pulumi cancel --yes --stack " +
        stack +
        "\n",
    );
    return 2;
  }
  for (const file of repairTornSidecars(backendDir)) {
    process.stdout.write(
      `removed an attribute file a killed pulumi left half-written (the object it describes is intact): ${file}\n`,
    );
  }
  const { removed, kept } = clearStaleLocks(backendDir, stack);
  for (const lock of removed)
    process.stdout.write(`removed the lock of a pulumi that no longer runs: ${describeLock(lock)}\n`);
  for (const lock of kept)
    process.stdout.write(
      `kept (its pulumi may still be running, or runs elsewhere): ${describeLock(lock)}\n`,
    );
  if (removed.length === 0 && kept.length === 0) process.stdout.write(`stack ${stack} has no lock\n`);
  if (kept.length > 0) {
    // Its pending operations may be the live ones of the run that holds the lock.
    process.stdout.write("pending operations not looked at while a lock is kept\n");
    return 1;
  }
  return runResolve(stack);
}

if (require.main === module)
  void Promise.resolve(main(process.argv.slice(2))).then((code) => process.exit(code));
