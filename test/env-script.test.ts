// scripts/env.sh, which every project script and a user's own shell source: the settings it
// promises in the README, read back from a bash that sourced it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../testkit/find-engine";

const home = fs.mkdtempSync(path.join(os.tmpdir(), "dps-env-script-"));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function sourced(variable: string, env: Record<string, string> = {}): string {
  return execFileSync(
    "bash",
    ["-c", `. "${path.join(projectRoot, "scripts", "env.sh")}" && printf '%s' "\${${variable}-unset}"`],
    { env: { PATH: process.env.PATH ?? "", HOME: home, DPS_HOME: path.join(home, "dps"), ...env } },
  ).toString();
}

describe("scripts/env.sh", () => {
  it("puts local stacks on a file backend that writes no attribute sidecars", () => {
    expect(sourced("PULUMI_BACKEND_URL")).toBe(`file://${path.join(home, "dps", "state")}?metadata=skip`);
  });

  it("gives the engine's Go runtime a soft memory limit of 1536 MiB (issue #26: under 2 GiB a process)", () => {
    expect(sourced("GOMEMLIMIT")).toBe("1536MiB");
  });

  it("keeps Node's compiled code under DPS_HOME, where the next node process reads it", () => {
    const cache = path.join(home, "dps", "node-compile-cache");
    expect(sourced("NODE_COMPILE_CACHE")).toBe(cache);
    expect(sourced("NODE_COMPILE_CACHE", { NODE_COMPILE_CACHE: "/elsewhere" })).toBe("/elsewhere");
    execFileSync(
      "bash",
      ["-c", `. "${path.join(projectRoot, "scripts", "env.sh")}" && node -e 'require("@pulumi/pulumi")'`],
      {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? "", HOME: home, DPS_HOME: path.join(home, "dps") },
      },
    );
    expect(fs.readdirSync(cache).length).toBeGreaterThan(0);
  });

  it("keeps a memory limit the user set, or none when they turned it off", () => {
    expect(sourced("GOMEMLIMIT", { GOMEMLIMIT: "3GiB" })).toBe("3GiB");
    expect(sourced("GOMEMLIMIT", { GOMEMLIMIT: "off" })).toBe("off");
  });
});
