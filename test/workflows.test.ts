// The pipelines cannot run here (they need Azure and GitHub), so the rules they must keep are
// checked on their text: every Pulumi command with the policy pack names the stack's policy
// config (otherwise every rule only warns), and `--event-log` comes with the variable that
// makes the CLI define that flag.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Step {
  name?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, { env?: Record<string, string>; steps?: Step[] }>;
}

const dir = path.resolve(__dirname, "..", ".github", "workflows");
const steps = fs.readdirSync(dir).flatMap((file) => {
  const workflow = parse(fs.readFileSync(path.join(dir, file), "utf8")) as Workflow;
  return Object.values(workflow.jobs).flatMap((job) =>
    (job.steps ?? []).map((step) => ({ file, step, env: { ...workflow.env, ...job.env, ...step.env } })),
  );
});
const pulumiSteps = steps.filter(({ step }) => /^\s*pulumi (up|preview)\b/m.test(step.run ?? ""));

describe("the GitHub workflows", () => {
  it("run pulumi up and preview with the policy pack and the stack's own policy config", () => {
    expect(pulumiSteps.map(({ file }) => file).sort()).toEqual(["pr-preview.yml", "pulumi-up.yml"]);
    for (const { file, step } of pulumiSteps) {
      expect(step.run, file).toContain("--policy-pack policy");
      expect(step.run, file).toMatch(/--policy-pack-config "policy\/config\/\$\{\{ (inputs|matrix)\.stack \}\}\.json"/);
    }
  });

  it("set PULUMI_DEBUG_COMMANDS wherever --event-log is used", () => {
    const withEventLog = pulumiSteps.filter(({ step }) => step.run?.includes("--event-log"));
    expect(withEventLog.length).toBeGreaterThan(0);
    for (const { file, env } of withEventLog) expect(env.PULUMI_DEBUG_COMMANDS, file).toBe("true");
  });

  it("have a policy config for every stack they deploy", () => {
    for (const stack of ["dev", "prod"]) expect(fs.existsSync(path.resolve(__dirname, "..", "policy", "config", `${stack}.json`))).toBe(true);
  });
});
