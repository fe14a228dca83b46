/**
 * Finds and removes the locks of a stack that no live `pulumi` holds, in a file backend (the local
 * stacks; `file://` in PULUMI_BACKEND_URL). Removes only locks taken on this machine by a process
 * that no longer runs; any other lock is reported and kept (it may belong to a run in progress).
 *
 * Pulumi's DIY backends keep one lock file per running operation at
 * `.pulumi/locks/<organization>/<project>/<stack>/<lock id>.json` holding {pid, username,
 * hostname, timestamp}; an operation refuses to start while another's file exists, and a killed
 * CLI never deletes its own (pulumi/pulumi pkg/backend/diy/lock.go: lockContent, checkForLock,
 * stackLockDir). `pulumi cancel` deletes every lock file of the stack, live or not
 * (pkg/backend/diy/backend.go: CancelCurrentUpdate): right in a pipeline whose runs are serialised
 * per stack, unsafe on a laptop where another terminal may be running.
 *
 * It also repairs what the kill may have torn in the backend's files (./torn-sidecars.ts), so that
 * the next `pulumi up` can read the stack again, and then, once no lock is left, resolves the
 * operations the killed run left pending in the state (./resolve-pending.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runResolve } from "./resolve-pending";
import { fileBackendDir, repairTornSidecars } from "./torn-sidecars";

export interface LockFile {
  file: string;
  pid: number;
  username: string;
  hostname: string;
  timestamp: string;
}

export interface StaleLockEnvironment {
  hostname: string;
  isAlive(pid: number): boolean;
}

export const realEnvironment: StaleLockEnvironment = {
  hostname: os.hostname(),
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: the process exists but belongs to someone else.
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  },
};

/** Lock files of `stack` (any organization and project) under a file backend's folder. */
export function findLocks(backendDir: string, stack: string): LockFile[] {
  const locksDir = path.join(backendDir, ".pulumi", "locks");
  if (!fs.existsSync(locksDir)) return [];
  const found: LockFile[] = [];
  for (const organization of fs.readdirSync(locksDir)) {
    const orgDir = path.join(locksDir, organization);
    if (!fs.statSync(orgDir).isDirectory()) continue;
    for (const project of fs.readdirSync(orgDir)) {
      const stackDir = path.join(orgDir, project, stack);
      if (!fs.existsSync(stackDir)) continue;
      for (const name of fs.readdirSync(stackDir).filter((n) => n.endsWith(".json"))) {
        const file = path.join(stackDir, name);
        const content = JSON.parse(fs.readFileSync(file, "utf8")) as Omit<LockFile, "file">;
        found.push({ file, ...content });
      }
    }
  }
  return found;
}

export function isStale(lock: LockFile, env: StaleLockEnvironment): boolean {
  return lock.hostname === env.hostname && !env.isAlive(lock.pid);
}

/** Removes the stale locks; returns what was removed and what was kept. */
export function clearStaleLocks(
  backendDir: string,
  stack: string,
  env: StaleLockEnvironment = realEnvironment,
): { removed: LockFile[]; kept: LockFile[] } {
  const removed: LockFile[] = [];
  const kept: LockFile[] = [];
  for (const lock of findLocks(backendDir, stack)) {
    if (isStale(lock, env)) {
      fs.rmSync(lock.file, { force: true });
      // The file backend (gocloud.dev fileblob) keeps each object's attributes beside it.
      fs.rmSync(`${lock.file}.attrs`, { force: true });
      removed.push(lock);
    } else kept.push(lock);
  }
  return { removed, kept };
}

function describe(lock: LockFile): string {
  return `${lock.file}: pid ${lock.pid} of ${lock.username}@${lock.hostname} since ${lock.timestamp}`;
}

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
        "For a backend the pipeline uses, let its next run clear the lock (its runs are serialised per stack); " +
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
    process.stdout.write(`removed the lock of a pulumi that no longer runs: ${describe(lock)}\n`);
  for (const lock of kept)
    process.stdout.write(`kept (its pulumi may still be running, or runs elsewhere): ${describe(lock)}\n`);
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
