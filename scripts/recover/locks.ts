/**
 * The lock files of a stack in a file backend, and which of them no live `pulumi` holds.
 *
 * Pulumi's DIY backends keep one lock file per running operation at
 * `.pulumi/locks/<organization>/<project>/<stack>/<lock id>.json` holding {pid, username,
 * hostname, timestamp}; an operation refuses to start while another's file exists, and a killed
 * CLI never deletes its own (pulumi/pulumi pkg/backend/diy/lock.go: lockContent, checkForLock,
 * stackLockDir). A lock is stale only when it was taken on this machine by a process that no
 * longer runs; any other lock may belong to a run in progress.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deadOnThisHost } from "./lock-verdict";

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
  return deadOnThisHost(lock, env) === true;
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

export function describeLock(lock: LockFile): string {
  return `${lock.file}: pid ${lock.pid} of ${lock.username}@${lock.hostname} since ${lock.timestamp}`;
}
