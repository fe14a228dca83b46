// The memory limit scripts/env.sh gives the engine's Go runtime (scripts/engine-settings.sh), seen
// from the engine itself, started as a person starts it (`npm run pulumi -- ...`): the runtime
// reads GOMEMLIMIT from that environment (a malformed value stops it at start: golang/go
// src/runtime/mgcpacer.go, readGOMEMLIMIT), and the project's default is a value it accepts.
import { expect, it } from "vitest";
import { describeWithEngine } from "../../testkit/engine";
import { runProjectTool } from "../../testkit/project-tool";

describeWithEngine("the engine's memory limit", (engine) => {
  // This process may have run through env.sh already; the person's shell has no limit of its own.
  const { GOMEMLIMIT: _inherited, ...shell } = process.env;

  it("is one the engine's Go runtime accepts: pulumi starts under the project's default", () => {
    const run = runProjectTool("pulumi", ["version"], { env: shell });
    expect([run.status, run.stdout.trim(), run.stderr]).toEqual([0, engine.version, ""]);
  });

  it("reaches the engine's Go runtime, a value the person set winning over the default", () => {
    const run = runProjectTool("pulumi", ["version"], { env: { ...shell, GOMEMLIMIT: "a-lot" } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("GOMEMLIMIT=a-lot");
    expect(run.stderr).toContain("malformed GOMEMLIMIT");
  });
});
