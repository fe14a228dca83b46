import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { clearStaleLocks, findLocks } from "../../scripts/recover/locks";
import { fileBackendDir, findTornSidecars, repairTornSidecars } from "../../scripts/recover/torn-sidecars";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A file backend with lock files laid out as Pulumi's DIY backend writes them. */
function backendWith(locks: Array<{ stack: string; pid: number; hostname: string }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stale-locks-"));
  dirs.push(dir);
  locks.forEach((lock, i) => {
    const stackDir = path.join(dir, ".pulumi", "locks", "organization", "dps-as-code", lock.stack);
    fs.mkdirSync(stackDir, { recursive: true });
    fs.writeFileSync(
      path.join(stackDir, `lock-${i}.json`),
      JSON.stringify({
        pid: lock.pid,
        username: "me",
        hostname: lock.hostname,
        timestamp: "2026-11-29T10:00:00Z",
      }),
    );
  });
  return dir;
}

const env = { hostname: "laptop", isAlive: (pid: number) => pid === 100 };

describe("unlock-stale", () => {
  it("removes the lock of a pulumi that no longer runs on this machine, and only that", () => {
    const dir = backendWith([
      { stack: "local", pid: 200, hostname: "laptop" }, // dead: stale
      { stack: "local", pid: 100, hostname: "laptop" }, // still running
      { stack: "local", pid: 300, hostname: "runner-7" }, // another machine: cannot tell
      { stack: "dev", pid: 200, hostname: "laptop" }, // another stack
    ]);
    const { removed, kept } = clearStaleLocks(dir, "local", env);
    expect(removed.map((l) => l.pid)).toEqual([200]);
    expect(kept.map((l) => l.pid).sort()).toEqual([100, 300]);
    expect(
      findLocks(dir, "local")
        .map((l) => l.pid)
        .sort(),
    ).toEqual([100, 300]);
    expect(findLocks(dir, "dev")).toHaveLength(1);
  });

  it("finds nothing in a backend without locks", () => {
    expect(clearStaleLocks(backendWith([]), "local", env)).toEqual({ removed: [], kept: [] });
  });
});

describe("torn attribute sidecars", () => {
  it("finds and removes only the sidecars that are not a JSON object, anywhere under .pulumi", () => {
    const dir = backendWith([]);
    const stacks = path.join(dir, ".pulumi", "stacks", "dps-as-code");
    fs.mkdirSync(stacks, { recursive: true });
    const write = (name: string, content: string) => fs.writeFileSync(path.join(stacks, name), content);
    write("local.json", "{}");
    write("local.json.attrs", ""); // truncated, never written
    write("dev.json.attrs", '{"user.cache_control":""'); // half-written
    write("prod.json.attrs", '{"Metadata":null,"ContentType":"application/octet-stream"}\n'); // intact
    fs.writeFileSync(path.join(dir, ".pulumi", "meta.yaml.attrs"), "[]");
    expect(findTornSidecars(dir)).toEqual([
      path.join(dir, ".pulumi", "meta.yaml.attrs"),
      path.join(stacks, "dev.json.attrs"),
      path.join(stacks, "local.json.attrs"),
    ]);
    expect(repairTornSidecars(dir)).toHaveLength(3);
    expect(fs.readdirSync(stacks).sort()).toEqual(["local.json", "prod.json.attrs"]);
    expect(findTornSidecars(dir)).toEqual([]);
  });

  it("reads the folder of a file backend URL without the driver's query options", () => {
    expect(fileBackendDir("file:///home/me/.cache/dps-as-code/state?metadata=skip")).toBe(
      "/home/me/.cache/dps-as-code/state",
    );
    expect(fileBackendDir("file:///srv/state")).toBe("/srv/state");
    expect(fileBackendDir(`file://~/state`)).toBe(path.join(os.homedir(), "state"));
    expect(fileBackendDir("azblob://pulumi-state?storage_account=x")).toBeUndefined();
  });
});
