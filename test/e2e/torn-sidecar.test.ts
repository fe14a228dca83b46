// A pulumi killed while the file backend rewrote an attribute sidecar left the stack unreadable
// (a CI run of crash-recovery.test.ts hit it: "failed to load checkpoint: EOF" right after the
// kill). Through the pinned CLI: the failure as a user on an older local backend meets it, the
// repair `npm run unlock-stale` makes, and the default local backend that writes no sidecars.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithEngine, projectRoot } from "../../testkit/engine";

const run = promisify(execFile);

describeWithEngine("attribute sidecars torn by a killed pulumi", (engine) => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "torn-sidecar-"));
    fs.mkdirSync(path.join(dir, "project"));
    // The project's own name: unlock-stale runs from the project (below), and after the repair it
    // reads the stack's state there for pending operations.
    fs.writeFileSync(path.join(dir, "project", "Pulumi.yaml"), "name: dps-as-code\nruntime: nodejs\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function envFor(backendUrl: string): NodeJS.ProcessEnv {
    return {
      ...engine.env,
      PULUMI_BACKEND_URL: backendUrl,
      PULUMI_CONFIG_PASSPHRASE: "torn-sidecar-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
    };
  }
  const pulumi = (backendUrl: string, args: string[]) =>
    run("pulumi", [...args, "--non-interactive"], {
      cwd: path.join(dir, "project"),
      env: envFor(backendUrl),
    });
  const files = (root: string): string[] =>
    fs
      .readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));

  it("an older file backend: the stack is unreadable until `npm run unlock-stale` removes the torn sidecar", async () => {
    const state = path.join(dir, "older");
    fs.mkdirSync(state);
    const url = `file://${state}`;
    await pulumi(url, ["stack", "init", "s1"]);
    const sidecar = files(state).find((f) => f.endsWith(path.join("dps-as-code", "s1.json.attrs")));
    expect(sidecar).toBeDefined();
    fs.writeFileSync(sidecar!, ""); // what a SIGKILL between the driver's truncate and its write leaves

    await expect(pulumi(url, ["stack", "export", "--stack", "s1"])).rejects.toMatchObject({
      stderr: expect.stringMatching(/failed to load checkpoint: EOF/),
    });

    const repair = await run("npm", ["run", "--silent", "unlock-stale", "--", "--stack", "s1"], {
      cwd: projectRoot,
      env: envFor(url),
    });
    expect(repair.stdout).toContain(`half-written (the object it describes is intact): ${sidecar}`);
    expect(repair.stdout).toContain("stack s1 has no lock");
    expect(repair.stdout).toMatch(/\nno pending operation\n$/);
    const exported = JSON.parse((await pulumi(url, ["stack", "export", "--stack", "s1"])).stdout) as {
      version: number;
    };
    expect(exported.version).toBe(3);
  }, 120_000);

  it("the local backend scripts/env.sh sets writes no sidecar a kill could tear", async () => {
    const home = path.join(dir, "dps-home");
    const { stdout } = await run(
      "bash",
      [
        "-c",
        `unset PULUMI_BACKEND_URL; . "${projectRoot}/scripts/env.sh" && printf %s "$PULUMI_BACKEND_URL"`,
      ],
      {
        env: { ...process.env, DPS_HOME: home, PULUMI_HOME: path.join(home, "pulumi-home") },
      },
    );
    expect(stdout).toBe(`file://${home}/state?metadata=skip`);
    await pulumi(stdout, ["stack", "init", "s2"]);
    const written = files(path.join(home, "state"));
    expect(written.some((f) => f.endsWith("s2.json"))).toBe(true);
    expect(written.filter((f) => f.endsWith(".attrs"))).toEqual([]);
  }, 120_000);
});
