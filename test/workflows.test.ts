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
interface Job {
  env?: Record<string, string>;
  steps?: Step[];
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix?: { stack?: string[] } };
  permissions?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const dir = path.resolve(__dirname, "..", ".github", "workflows");
const workflows = Object.fromEntries(
  fs.readdirSync(dir).map((file) => [file, parse(fs.readFileSync(path.join(dir, file), "utf8")) as Workflow]),
);
const steps = fs.readdirSync(dir).flatMap((file) => {
  const workflow = parse(fs.readFileSync(path.join(dir, file), "utf8")) as Workflow;
  return Object.entries(workflow.jobs).flatMap(([jobName, job]) =>
    (job.steps ?? []).map((step, index) => ({
      file,
      jobName,
      index,
      step,
      env: { ...workflow.env, ...job.env, ...step.env },
    })),
  );
});
const pulumiSteps = steps.filter(({ step }) => /^\s*pulumi (up|preview)\b/m.test(step.run ?? ""));

describe("the GitHub workflows", () => {
  it("run pulumi up and preview with the policy pack and the stack's own policy config", () => {
    expect(pulumiSteps.map(({ file }) => file).sort()).toEqual(["pr-preview.yml", "pulumi-up.yml"]);
    for (const { file, step } of pulumiSteps) {
      expect(step.run, file).toContain("--policy-pack policy");
      expect(step.run, file).toMatch(
        /--policy-pack-config "policy\/config\/\$\{\{ (inputs|matrix)\.stack \}\}\.json"/,
      );
    }
  });

  it("compile the program without type-checking at each pulumi command, and type-check once before a PR's previews", () => {
    const refreshSteps = steps.filter(({ step }) => /^\s*pulumi refresh\b/m.test(step.run ?? ""));
    expect(refreshSteps.map(({ file }) => file)).toEqual(["drift.yml"]);
    for (const { file, env } of [...pulumiSteps, ...refreshSteps])
      expect(env.PULUMI_NODEJS_TRANSPILE_ONLY, file).toBe("true");
    const preview = steps.filter(({ file }) => file === "pr-preview.yml");
    const typecheck = preview.findIndex(({ step }) => step.run?.trim() === "npm run typecheck");
    const firstPreview = preview.findIndex(({ step }) => /^\s*pulumi preview\b/m.test(step.run ?? ""));
    expect(typecheck).toBeGreaterThan(-1);
    expect(preview[typecheck]!.jobName).toBe(preview[firstPreview]!.jobName);
    expect(typecheck).toBeLessThan(firstPreview);
  });

  it("set PULUMI_DEBUG_COMMANDS wherever --event-log is used", () => {
    const withEventLog = pulumiSteps.filter(({ step }) => step.run?.includes("--event-log"));
    expect(withEventLog.length).toBeGreaterThan(0);
    for (const { file, env } of withEventLog) expect(env.PULUMI_DEBUG_COMMANDS, file).toBe("true");
  });

  it("have a policy config for every stack they deploy", () => {
    for (const stack of ["dev", "prod"])
      expect(fs.existsSync(path.resolve(__dirname, "..", "policy", "config", `${stack}.json`))).toBe(true);
  });

  describe("the PR report job", () => {
    const reportSteps = steps.filter(
      ({ file, jobName }) => file === "pr-preview.yml" && jobName === "report",
    );
    const build = reportSteps.find(({ step }) => step.run?.includes("npm run --silent pr-report"));
    const upload = reportSteps.find(
      ({ step }) =>
        step.uses?.startsWith("actions/upload-artifact@") && step.with?.["name"] === FULL_REPORT_ARTIFACT,
    );
    const post = reportSteps.find(({ step }) => step.uses?.startsWith("actions/github-script@"));

    it("builds the comment, the job summary and the full report, linking the run", () => {
      expect(build, "a step that runs npm run pr-report").toBeDefined();
      expect(build!.step.run).toMatch(
        /--out report\.md --summary summary\.md --full report-full\.md --details-url "\$RUN_URL"/,
      );
      expect(build!.env["RUN_URL"]).toBe(
        "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}",
      );
    });

    it("writes the summary to the job summary, and reports every affected stack, with its preview's exit status", () => {
      expect(build!.step.run).toContain('cat summary.md >> "$GITHUB_STEP_SUMMARY"');
      // A stack whose preview never ran has no file: pr-report says it failed, it is never left out.
      expect(build!.step.run).not.toContain('if [ -s "previews/preview-$stack.json" ]');
      expect(build!.step.run).toContain('args+=(--exit-code "$stack=');
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

  it("clear a stale lock only in jobs that the stack's concurrency group serialises, before any other Pulumi command", () => {
    const stackCommand = /^\s*pulumi (up|preview|refresh|destroy|cancel)\b/m;
    const jobs = Object.entries(workflows).flatMap(([file, w]) =>
      Object.entries(w.jobs).map(([name, job]) => ({ where: `${file} ${name}`, job })),
    );
    const pulumiJobs = jobs.filter(({ job }) =>
      (job.steps ?? []).some((step) => stackCommand.test(step.run ?? "")),
    );
    expect(pulumiJobs.map(({ where }) => where).sort()).toEqual([
      "drift.yml refresh-preview",
      "pr-preview.yml preview",
      "pulumi-up.yml up",
    ]);
    for (const { where, job } of pulumiJobs) {
      expect(job.concurrency, where).toEqual({
        group: expect.stringMatching(/^pulumi-stack-\$\{\{ (inputs|matrix)\.stack \}\}$/),
        "cancel-in-progress": false,
      });
      const commands = (job.steps ?? [])
        .filter((step) => stackCommand.test(step.run ?? ""))
        .map((step) => step.run!.trim());
      expect(commands[0], where).toMatch(
        /^pulumi cancel --yes --stack "\$\{\{ (inputs|matrix)\.stack \}\}"$/,
      );
      expect(
        commands.slice(1).some((c) => c.includes("pulumi cancel")),
        where,
      ).toBe(false);
    }
  });

  it("resolve what a dead run left pending right after clearing its lock, with the deploy's DPS credentials and backend", () => {
    const stackCommand = /^\s*pulumi (up|preview|refresh|destroy|cancel)\b/m;
    const jobs = Object.entries(workflows).flatMap(([file, w]) =>
      Object.entries(w.jobs)
        .filter(([, job]) => (job.steps ?? []).some((step) => stackCommand.test(step.run ?? "")))
        .map(([name]) => ({ file, name })),
    );
    expect(jobs).toHaveLength(3);
    const deploy = steps.find(
      ({ file, step }) => file === "pulumi-up.yml" && /^\s*pulumi up\b/m.test(step.run ?? ""),
    )!;
    for (const { file, name } of jobs) {
      const where = `${file} ${name}`;
      const own = steps.filter((s) => s.file === file && s.jobName === name);
      const cancel = own.findIndex(({ step }) => /^\s*pulumi cancel\b/m.test(step.run ?? ""));
      const resolve = own[cancel + 1]!;
      expect(resolve.step.run?.trim(), where).toMatch(
        /^npm run resolve-pending -- --stack "\$\{\{ (inputs|matrix)\.stack \}\}"$/,
      );
      for (const name of [
        "DPS_ENTRA_CLIENT_ID",
        "DPS_ENTRA_TENANT_ID",
        "PULUMI_BACKEND_URL",
        "AZURE_STORAGE_ACCOUNT",
      ])
        expect(resolve.env[name], `${where} ${name}`).toBe(deploy.env[name]);
      // Not a preview's job to resolve by hand: nothing else in the job touches pending creates.
      expect(
        own.some(({ step }) => /pending-creates/.test(step.run ?? "")),
        where,
      ).toBe(false);
    }
  });

  describe("the drift workflow", () => {
    const drift = workflows["drift.yml"]!;
    const job = drift.jobs["refresh-preview"]!;
    const jobSteps = job.steps ?? [];
    const run = (pattern: RegExp) => jobSteps.find((step) => pattern.test(step.run ?? ""));

    it("runs nightly and on demand, for every stack the deploy deploys", () => {
      expect(Object.keys(drift.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
      expect(drift.on.schedule).toEqual([{ cron: expect.stringMatching(/^\d+ \d+ \* \* \*$/) }]);
      expect(job.strategy?.matrix?.stack).toEqual(["dev", "prod"]);
    });

    it("previews a refresh (changing nothing) and reports it per enrollment in the job summary", () => {
      const refresh = run(/pulumi refresh/)!;
      expect(refresh.run).toContain(
        'pulumi refresh --preview-only --stack "${{ matrix.stack }}" --event-log "refresh-events-${{ matrix.stack }}.jsonl"',
      );
      expect(refresh.env?.PULUMI_DEBUG_COMMANDS).toBe("true");
      expect(
        jobSteps.some((step) =>
          /pulumi (up|destroy)\b|pulumi refresh(?!.*--preview-only)/.test(step.run ?? ""),
        ),
      ).toBe(false);
      const report = run(/drift-report/)?.run ?? "";
      expect(report).toMatch(
        /npm run --silent drift-report -- --stack "\$\{\{ matrix\.stack \}\}" --out "drift-\$\{\{ matrix\.stack \}\}\.md" \\\s+"refresh-events-\$\{\{ matrix\.stack \}\}\.jsonl"/,
      );
      expect(report).toContain('cat "drift-${{ matrix.stack }}.md" >> "$GITHUB_STEP_SUMMARY"');
    });

    it("keeps one issue per stack: edits the open one, creates one only when none is open, closes it when the drift is gone", () => {
      const issue = run(/gh issue/)?.run ?? "";
      expect(issue).toContain('title="Drift on stack $STACK"');
      expect(issue).toMatch(/gh issue list --state open --search/);
      expect(issue).toMatch(/if \[ -n "\$number" \]; then\s+gh issue edit "\$number" --body-file/);
      expect(issue).toMatch(/else\s+gh issue create --title "\$title" --body-file/);
      expect(issue).toMatch(/gh issue close "\$number"/);
      expect(job.permissions).toMatchObject({ issues: "write", "id-token": "write" });
    });

    it("uses the deploy's credentials and backend", () => {
      const deploy = workflows["pulumi-up.yml"]!.jobs.up!;
      const login = (steps: Step[] | undefined) =>
        steps?.find((step) => step.uses?.startsWith("azure/login"))?.with;
      expect(login(jobSteps)).toEqual(login(deploy.steps));
      for (const name of ["PULUMI_BACKEND_URL", "AZURE_STORAGE_ACCOUNT"])
        expect(job.env?.[name], name).toBe(deploy.env?.[name]);
    });
  });
});
