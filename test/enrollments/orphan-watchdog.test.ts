// The provider-process watchdog (components/enrollments/orphan-watchdog.js) with real processes:
// a "CLI" process starts a provider-like child directly or through a wrapper shell, is killed with
// SIGKILL, and the child must end by itself; while the "CLI" lives, the child keeps running.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../testkit/find-engine";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orphan-watchdog-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const watchdog = path.join(projectRoot, "components", "enrollments", "orphan-watchdog.js");
const provider = path.join(dir, "provider.js");
// The provider says when its watchdog runs (a file named after its pid): the watchdog reads its
// parents when it starts, so a "CLI" killed before that (a loaded machine starts node slowly)
// would test a start-up the watchdog never saw, not an orphaning.
fs.writeFileSync(
  provider,
  `require(${JSON.stringify(watchdog)}).exitWhenOrphaned(50);\n` +
    `require("fs").writeFileSync(require("path").join(${JSON.stringify(dir)}, "watching-" + process.pid), "");\n` +
    `setInterval(() => {}, 1000);\n`,
);

async function watching(pid: number, withinMs: number): Promise<boolean> {
  const marker = path.join(dir, `watching-${pid}`);
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(marker)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return fs.existsSync(marker);
}

/** A "CLI" that starts the provider (through `sh` when wrapped) and prints the provider's pid. */
function startCli(wrapped: boolean): Promise<{ cli: number; provider: number }> {
  const start = wrapped
    ? `spawn("sh", ["-c", ${JSON.stringify(`"${process.execPath}" "${provider}"; true`)}], { stdio: "ignore" })`
    : `spawn(${JSON.stringify(process.execPath)}, [${JSON.stringify(provider)}], { stdio: "ignore" })`;
  const findProvider = wrapped
    ? `const find = () => require("fs").readdirSync("/proc").filter((p) => /^\\d+$/.test(p)).find((p) => { try { return require("fs").readFileSync("/proc/" + p + "/stat", "utf8").split(") ")[1].split(" ")[1] === String(child.pid) } catch { return false } });`
    : `const find = () => String(child.pid);`;
  const cli = spawn(
    process.execPath,
    [
      "-e",
      `const { spawn } = require("child_process"); const child = ${start}; ${findProvider}
       const poll = setInterval(() => { const p = find(); if (p) { console.log(p); clearInterval(poll); } }, 20);
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    cli.stdout.once("data", (data: Buffer) =>
      resolve({ cli: cli.pid!, provider: Number(String(data).trim()) }),
    );
    cli.once("exit", (code) => reject(new Error(`the CLI stand-in exited (${code})`)));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !alive(pid);
}

// A provider whose `pulumi` is killed before it starts: it waits until the shell that started it (its pid is the
// argument) is no longer its parent (Linux hands it to pid 1), then starts the watchdog, as a provider
// node starts slowly on a loaded machine while its CLI is killed.
const lateProvider = path.join(dir, "late-provider.js");
fs.writeFileSync(
  lateProvider,
  `const shell = Number(process.argv[2]);\n` +
    `const poll = setInterval(() => {\n` +
    `  if (process.ppid === shell) return;\n` +
    `  clearInterval(poll);\n` +
    `  require(${JSON.stringify(watchdog)}).exitWhenOrphaned(50);\n` +
    `  require("fs").writeFileSync(require("path").join(${JSON.stringify(dir)}, "watching-" + process.pid), "");\n` +
    `  setInterval(() => {}, 1000);\n` +
    `}, 20);\n`,
);

describe.skipIf(process.platform !== "linux")("orphan watchdog of provider processes", () => {
  it("started after its pulumi was killed: ends at once", async () => {
    // The "CLI" is a shell that starts the provider in the background and exits.
    const cli = spawn("sh", ["-c", `"${process.execPath}" "${lateProvider}" $$ >/dev/null 2>&1 & echo $!`], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const pid = await new Promise<number>((resolve) =>
      cli.stdout.once("data", (data: Buffer) => resolve(Number(String(data).trim()))),
    );
    try {
      expect(await gone(pid, 10_000)).toBe(true);
      expect(fs.existsSync(path.join(dir, `watching-${pid}`))).toBe(false);
    } finally {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }, 20_000);

  for (const wrapped of [false, true]) {
    it(`${wrapped ? "under a wrapper shell" : "started directly"}: runs while its pulumi lives, ends once it is killed`, async () => {
      const { cli, provider: pid } = await startCli(wrapped);
      try {
        expect(await watching(pid, 10_000)).toBe(true);
        await new Promise((r) => setTimeout(r, 200));
        expect(alive(pid)).toBe(true);
        process.kill(cli, "SIGKILL");
        expect(await gone(pid, 5000)).toBe(true);
      } finally {
        for (const p of [cli, pid]) {
          try {
            process.kill(p, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
    }, 20_000);
  }
});
