// The pipelines cannot run here (they need Azure and GitHub), so the rules they must keep are
// checked on their text: every Pulumi command with the policy pack names the stack's policy
// config (otherwise every rule only warns), and `--event-log` comes with the variable that
// makes the CLI define that flag.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FULL_REPORT_ARTIFACT, GITHUB_COMMENT_LIMIT } from "../scripts/pr-report/index";

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, { env?: Record<string, string>; steps?: Step[] }>;
}

const dir = path.resolve(__dirname, "..", ".github", "workflows");
const steps = fs.readdirSync(dir).flatMap((file) => {
  const workflow = parse(fs.readFileSync(path.join(dir, file), "utf8")) as Workflow;
  return Object.entries(workflow.jobs).flatMap(([jobName, job]) =>
    (job.steps ?? []).map((step, index) => ({ file, jobName, index, step, env: { ...workflow.env, ...job.env, ...step.env } })),
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

  describe("the PR report job", () => {
    const reportSteps = steps.filter(({ file, jobName }) => file === "pr-preview.yml" && jobName === "report");
    const build = reportSteps.find(({ step }) => step.run?.includes("npm run --silent pr-report"));
    const upload = reportSteps.find(({ step }) => step.uses?.startsWith("actions/upload-artifact@") && step.with?.["name"] === FULL_REPORT_ARTIFACT);
    const post = reportSteps.find(({ step }) => step.uses?.startsWith("actions/github-script@"));

    it("builds the comment, the job summary and the full report, linking the run", () => {
      expect(build, "a step that runs npm run pr-report").toBeDefined();
      expect(build!.step.run).toMatch(/--out report\.md --summary summary\.md --full report-full\.md --details-url "\$RUN_URL"/);
      expect(build!.env["RUN_URL"]).toBe("${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}");
    });

    it("writes the summary to the job summary and the same files when there is no preview", () => {
      expect(build!.step.run).toContain('cat summary.md >> "$GITHUB_STEP_SUMMARY"');
      expect(build!.step.run).toMatch(/cp report\.md summary\.md\n\s*cp report\.md report-full\.md/);
    });

    it("uploads the full report under the artifact name the comment points to, before posting", () => {
      expect(upload, `an upload-artifact step named ${FULL_REPORT_ARTIFACT}`).toBeDefined();
      expect(upload!.step.with?.["path"]).toBe("report-full.md");
      expect(upload!.index).toBeGreaterThan(build!.index);
      expect(upload!.index).toBeLessThan(post!.index);
    });

    it("posts report.md as the whole body, refusing one over GitHub's limit", () => {
      const script = String(post!.step.with?.["script"]);
      expect(script).toContain('const body = fs.readFileSync("report.md", "utf8");');
      expect(script).toContain(`if (body.length > ${GITHUB_COMMENT_LIMIT})`);
      // The report's margin is for text around it; the workflow adds none today.
      expect(script).not.toMatch(/body\s*[+]=|body:\s*[^b]/);
    });
  });
});
