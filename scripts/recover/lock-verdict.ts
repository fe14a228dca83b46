/**
 * Whether a pipeline job may remove a lock it finds on its stack: only when the run that took it is
 * provably dead. A DIY backend's lock file records who took it, where and when ({pid, username,
 * hostname, timestamp}; pulumi/pulumi pkg/backend/diy/lock.go, lockContent and newLockContent), and
 * nothing else; so a lock is dead when
 * - it was taken on this very host by a process that no longer runs, or
 * - it was taken by the pipeline's own account (the account this job runs as: every pipeline job of
 *   a stack runs on the same kind of runner, so the same account) longer ago than a pipeline job
 *   may live (its `timeout-minutes`, after which GitHub cancels the job), plus a margin for the
 *   clocks of two hosts.
 * Any other lock may belong to a run in progress, a person's above all: it is kept, and the job
 * waits for it or stops (./clear-dead-locks.ts).
 */

/** What Pulumi writes in a lock file (pkg/backend/diy/lock.go, lockContent). */
export interface LockContent {
  readonly pid: number;
  readonly username: string;
  readonly hostname: string;
  /** RFC 3339, as Go's time.Time marshals. */
  readonly timestamp: string;
}

export interface PipelineJob {
  /** The account this job runs as: the pipeline's account on this stack's runners. */
  readonly account: string;
  readonly hostname: string;
  /** The job's `timeout-minutes`: no pipeline run of this stack lives longer. */
  readonly timeoutMinutes: number;
  readonly now: Date;
  isAlive(pid: number): boolean;
}

/** Two hosts' clocks may disagree by this much (NTP keeps them far closer). */
export const CLOCK_SKEW_MINUTES = 5;

export type LockVerdict =
  | { readonly dead: true; readonly why: string }
  | { readonly dead: false; readonly holder: "pipeline" | "person"; readonly why: string };

/**
 * The rule for a lock taken on this very host, the one both the pipeline's clear-dead-locks and a
 * person's unlock-stale apply: dead exactly when its process no longer runs. Undefined for a lock
 * of another host (this host cannot tell).
 */
export function deadOnThisHost(
  lock: LockContent,
  host: { readonly hostname: string; isAlive(pid: number): boolean },
): boolean | undefined {
  return lock.hostname === host.hostname ? !host.isAlive(lock.pid) : undefined;
}

export function judgeLock(lock: LockContent, job: PipelineJob): LockVerdict {
  const dead = deadOnThisHost(lock, job);
  if (dead !== undefined) {
    return !dead
      ? {
          dead: false,
          holder: lock.username === job.account ? "pipeline" : "person",
          why: `its process ${lock.pid} still runs on this host`,
        }
      : { dead: true, why: `its process ${lock.pid} no longer runs on this host` };
  }
  if (lock.username !== job.account)
    return {
      dead: false,
      holder: "person",
      why: `taken by ${lock.username}, not by the pipeline's account ${job.account}: a person's run, never removed by the pipeline`,
    };
  const taken = Date.parse(lock.timestamp);
  if (Number.isNaN(taken))
    return { dead: false, holder: "pipeline", why: `its timestamp '${lock.timestamp}' is not a time` };
  const ageMinutes = (job.now.getTime() - taken) / 60_000;
  const limit = job.timeoutMinutes + CLOCK_SKEW_MINUTES;
  return ageMinutes > limit
    ? {
        dead: true,
        why: `taken by the pipeline ${Math.floor(ageMinutes)} minutes ago, longer than a pipeline job lives (${job.timeoutMinutes} + ${CLOCK_SKEW_MINUTES} minutes)`,
      }
    : {
        dead: false,
        holder: "pipeline",
        why: `taken by the pipeline ${Math.max(0, Math.floor(ageMinutes))} minutes ago: its job may still run (it is cancelled after ${job.timeoutMinutes} minutes)`,
      };
}

export function describeLockContent(lock: LockContent): string {
  return `${lock.username}@${lock.hostname} (pid ${lock.pid}) since ${lock.timestamp}`;
}
