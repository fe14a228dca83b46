import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { clearDeadLocks } from "../../scripts/recover/clear-dead-locks";
import { isLockOf, lockStoreFor, type LockStore } from "../../scripts/recover/lock-store";
import { judgeLock, type LockContent, type PipelineJob } from "../../scripts/recover/lock-verdict";

const NOW = new Date("2026-12-07T12:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
const job: PipelineJob = {
  account: "runner",
  hostname: "fv-az-job",
  timeoutMinutes: 60,
  now: NOW,
  isAlive: (pid) => pid === 100,
};

describe("which lock a pipeline job may remove", () => {
  const cases: Array<[string, LockContent, boolean, string]> = [
    [
      "the pipeline's lock older than a pipeline step lives (plus clock skew)",
      { pid: 7, username: "runner", hostname: "fv-az-other", timestamp: minutesAgo(66) },
      true,
      "taken by the pipeline 66 minutes ago, longer than a pipeline job lives (60 + 5 minutes)",
    ],
    [
      "the pipeline's lock within the step timeout and skew: its run may be alive",
      { pid: 7, username: "runner", hostname: "fv-az-other", timestamp: minutesAgo(64) },
      false,
      "taken by the pipeline 64 minutes ago: its job may still run (it is cancelled after 60 minutes)",
    ],
    [
      "a person's lock, however old",
      { pid: 7, username: "alice", hostname: "alice-laptop", timestamp: minutesAgo(60 * 24 * 3) },
      false,
      "taken by alice, not by the pipeline's account runner: a person's run, never removed by the pipeline",
    ],
    [
      "a lock of this host whose process is gone, even a fresh one",
      { pid: 200, username: "runner", hostname: "fv-az-job", timestamp: minutesAgo(1) },
      true,
      "its process 200 no longer runs on this host",
    ],
    [
      "a lock of this host whose process still runs, even an old one",
      { pid: 100, username: "runner", hostname: "fv-az-job", timestamp: minutesAgo(600) },
      false,
      "its process 100 still runs on this host",
    ],
    [
      "the pipeline's lock with a timestamp that is not a time",
      { pid: 7, username: "runner", hostname: "fv-az-other", timestamp: "yesterday" },
      false,
      "its timestamp 'yesterday' is not a time",
    ],
  ];
  it.each(cases)("%s", (_, lock, dead, why) => {
    expect(judgeLock(lock, job)).toMatchObject({ dead, why });
  });

  it("says whose a kept lock is", () => {
    expect(judgeLock(cases[2]![1], job)).toMatchObject({ holder: "person" });
    expect(judgeLock(cases[1]![1], job)).toMatchObject({ holder: "pipeline" });
  });
});

describe("the lock keys of a stack in a blob container", () => {
  it("are Pulumi's .pulumi/locks/<organization>/<project>/<stack>/<id>.json, of that stack only", () => {
    expect(isLockOf(".pulumi/locks/organization/dps-as-code/prod/9f.json", "prod")).toBe(true);
    expect(isLockOf(".pulumi/locks/organization/dps-as-code/dev/9f.json", "prod")).toBe(false);
    expect(isLockOf(".pulumi/locks/organization/dps-as-code/prod/9f.json.attrs", "prod")).toBe(false);
    expect(isLockOf(".pulumi/stacks/dps-as-code/prod.json", "prod")).toBe(false);
  });

  it("come from an azblob backend URL's container and account", () => {
    const store = lockStoreFor("azblob://state?storage_account=dpsstate", {});
    expect(typeof store === "string" ? store : store.where).toBe(
      "https://dpsstate.blob.core.windows.net/state",
    );
    expect(lockStoreFor("s3://bucket", {})).toBe("the backend s3://bucket is neither file:// nor azblob://");
  });
});

describe("clear-dead-locks on a file backend", () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  function backendWith(locks: Record<string, LockContent>): {
    store: LockStore;
    dir: string;
    left(): string[];
  } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dead-locks-"));
    dirs.push(dir);
    const stackDir = path.join(dir, ".pulumi", "locks", "organization", "dps-as-code", "prod");
    fs.mkdirSync(stackDir, { recursive: true });
    for (const [id, lock] of Object.entries(locks))
      fs.writeFileSync(path.join(stackDir, `${id}.json`), JSON.stringify(lock));
    const store = lockStoreFor(`file://${dir}`) as LockStore;
    return { store, dir, left: () => fs.readdirSync(stackDir).sort() };
  }

  const fakeClock = () => {
    let now = NOW.getTime();
    return { now: () => new Date(now), sleep: (ms: number) => Promise.resolve(void (now += ms)) };
  };

  it("removes the dead pipeline run's lock and keeps a person's, then stops after waiting, naming the person", async () => {
    const backend = backendWith({
      dead: { pid: 7, username: "runner", hostname: "fv-az-old", timestamp: minutesAgo(90) },
      person: { pid: 8, username: "alice", hostname: "alice-laptop", timestamp: minutesAgo(2) },
    });
    const said: string[] = [];
    const free = await clearDeadLocks(
      backend.store,
      { stack: "prod", lockLifetimeMinutes: 60, waitMinutes: 2 },
      (l) => said.push(l),
      fakeClock(),
      job,
    );
    expect(free).toBe(false);
    expect(backend.left()).toEqual(["person.json"]);
    expect(said[0]).toMatch(/^removed the lock of a dead run: runner@fv-az-old \(pid 7\)/);
    expect(said.at(-1)).toContain(
      "stack prod is still locked after 2 minutes, by:\n  alice@alice-laptop (pid 8)",
    );
  });

  it("waits for a live lock to go, then says the stack is free", async () => {
    const backend = backendWith({
      person: { pid: 8, username: "alice", hostname: "alice-laptop", timestamp: minutesAgo(2) },
    });
    const clock = fakeClock();
    let sleeps = 0;
    const said: string[] = [];
    const free = await clearDeadLocks(
      backend.store,
      { stack: "prod", lockLifetimeMinutes: 60, waitMinutes: 10 },
      (l) => said.push(l),
      {
        now: clock.now,
        sleep: async (ms) => {
          // Alice's pulumi ends during the second wait.
          if (++sleeps === 2)
            fs.rmSync(path.join(backend.dir, ".pulumi/locks/organization/dps-as-code/prod/person.json"));
          await clock.sleep(ms);
        },
      },
      job,
    );
    expect(free).toBe(true);
    expect(said.filter((l) => l.startsWith("waiting for stack prod"))).toHaveLength(1);
    expect(said.at(-1)).toBe("stack prod has no lock: free to run");
  });
});
