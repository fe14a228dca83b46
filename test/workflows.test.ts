// The pipelines cannot run here (they need Azure and GitHub), so the rules they must keep are
// checked on their text: every Pulumi command with the policy pack names the stack's policy
// config (otherwise every rule only warns), and `--event-log` comes with the variable that
// makes the CLI define that flag.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FULL_REPORT_ARTIFACT, GITHUB_COMMENT_LIMIT } from "../scripts/pr-report/index";

interface Step {
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  env?: Record<string, string>;
  steps?: Step[];
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix?: { stack?: string[] } };
  permissions?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const dir = path.resolve(__dirname, "..", ".github", "workflows");
const actionsDir = path.resolve(__dirname, "..", ".github", "actions");
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

  it("type-check once before a PR's previews, which load the program without checking its types", () => {
    // Every pulumi command loads the program through the cached transpiler (Pulumi.yaml's
    // runtime options), which checks syntax, not types: this step is where a PR's types are checked.
    const project = parse(fs.readFileSync(path.resolve(__dirname, "..", "Pulumi.yaml"), "utf8"));
    expect(project.runtime.options).toEqual({
      typescript: false,
      nodeargs: "--require ./scripts/register-typescript.js",
    });
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

  describe("what runs Pulumi on a stack", () => {
    const stackCommand =
      /^\s*(pulumi (up|preview|refresh|destroy|cancel|import|stack import)\b|npm run (resolve-pending|clear-dead-locks)\b)/m;
    const jobs = Object.entries(workflows).flatMap(([file, w]) =>
      Object.entries(w.jobs).map(([name, job]) => ({
        file,
        name,
        where: `${file} ${name}`,
        job,
        workflow: w,
      })),
    );
    const pulumiJobs = jobs.filter(({ job }) =>
      (job.steps ?? []).some((step) => stackCommand.test(step.run ?? "")),
    );
    const deploy = pulumiJobs.find(({ where }) => where === "pulumi-up.yml up")!;
    const ownSteps = (file: string, name: string) =>
      steps.filter((s) => s.file === file && s.jobName === name);

    it("is the deploy, the PR preview and the drift preview", () => {
      expect(pulumiJobs.map(({ where }) => where).sort()).toEqual([
        "drift.yml refresh-preview",
        "pr-preview.yml preview",
        "pulumi-up.yml up",
      ]);
    });

    it("signs in as the pipeline's app in every job, with fresh federated tokens and never a managed identity", () => {
      const credentialEnv = {
        ARM_USE_OIDC: "true",
        ARM_USE_MSI: "false",
        ARM_USE_DEFAULT_AZURE_CREDENTIAL: "false",
        ARM_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}",
        ARM_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
        ARM_SUBSCRIPTION_ID: "${{ vars.AZURE_SUBSCRIPTION_ID }}",
        AZURE_TOKEN_CREDENTIALS: "WorkloadIdentityCredential",
        AZURE_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}",
        AZURE_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
        DPS_ENTRA_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}",
        DPS_ENTRA_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
        AZURE_STORAGE_ACCOUNT: "${{ vars.PULUMI_STATE_ACCOUNT }}",
        PULUMI_BACKEND_URL:
          "azblob://${{ vars.PULUMI_STATE_CONTAINER }}?storage_account=${{ vars.PULUMI_STATE_ACCOUNT }}",
      };
      for (const { file, name, where, job, workflow } of pulumiJobs) {
        const own = ownSteps(file, name);
        const token = own.findIndex(({ step }) => step.uses === "./.github/actions/azure-federated-token");
        const first = own.findIndex(({ step }) => stackCommand.test(step.run ?? ""));
        expect(token, `${where}: the federated-token action before any Pulumi command`).toBeGreaterThan(-1);
        expect(token, where).toBeLessThan(first);
        for (const { step, env } of own.filter(({ step }) => stackCommand.test(step.run ?? "")))
          for (const [key, value] of Object.entries(credentialEnv))
            expect([where, step.name ?? step.run, key, env[key]]).toEqual([
              where,
              step.name ?? step.run,
              key,
              value,
            ]);
        expect((job.permissions ?? workflow.permissions)?.["id-token"], where).toBe("write");
        // Nothing may fall back to the Azure CLI's one-token session (it expires in long runs).
        expect(
          own.some(({ step }) => step.uses?.startsWith("azure/login")),
          where,
        ).toBe(false);
      }
      expect(fs.readFileSync(path.join(actionsDir, "azure-federated-token", "action.yml"), "utf8")).toMatch(
        /echo "AZURE_FEDERATED_TOKEN_FILE=\$file" >> "\$GITHUB_ENV"/,
      );
    });

    it("puts deploys alone in the stack's deploy group, and every read-only job in a group of its own", () => {
      expect(deploy.job.concurrency).toEqual({
        group: "pulumi-deploy-${{ inputs.stack }}",
        "cancel-in-progress": false,
      });
      for (const { where, job } of pulumiJobs.filter((j) => j !== deploy)) {
        expect(job.concurrency?.group, where).toBeDefined();
        expect(job.concurrency!.group.startsWith("pulumi-deploy-"), where).toBe(false);
      }
      for (const { where, job } of jobs.filter((j) => j !== deploy))
        expect(job.concurrency?.group ?? "", where).not.toMatch(/^pulumi-deploy-/);
      // A newer pending deploy may replace an older one only because every deploy deploys main.
      expect(workflows["deploy.yml"]!.jobs["dev"]!.if).toBe("github.ref == 'refs/heads/main'");
      expect(workflows["deploy.yml"]!.jobs["prod"]!.needs).toBe("dev");
    });

    it("never clears a lock with pulumi cancel, and only the deploy clears locks, of dead runs only, before it writes", () => {
      const everyRun = steps.map(({ step }) => step.run ?? "").join("\n");
      expect(everyRun).not.toMatch(/pulumi cancel/);
      for (const { file, name, where } of pulumiJobs) {
        const own = ownSteps(file, name);
        const writes = own.filter(({ step }) =>
          /^\s*(pulumi (up|destroy|import)\b|npm run resolve-pending\b)/m.test(step.run ?? ""),
        );
        const clears = own.filter(({ step }) => /clear-dead-locks/.test(step.run ?? ""));
        if (where !== "pulumi-up.yml up") {
          expect([where, writes.length, clears.length]).toEqual([where, 0, 0]);
          // Read-only: previews of a DIY backend take no lock (pkg/backend/diy/backend.go).
          for (const { step } of own.filter(({ step }) => /^\s*pulumi /m.test(step.run ?? "")))
            expect(step.run, where).toMatch(/pulumi (preview\b|refresh --preview-only\b)/);
          continue;
        }
        expect(clears).toHaveLength(1);
        const clear = clears[0]!;
        const lifetime = Number(/--lock-lifetime-minutes (\d+)/.exec(clear.step.run ?? "")?.[1]);
        const wait = Number(/--wait-minutes (\d+)/.exec(clear.step.run ?? "")?.[1]);
        expect(clear.step.run?.trim()).toBe(
          `npm run clear-dead-locks -- --stack "\${{ inputs.stack }}" --lock-lifetime-minutes ${lifetime} --wait-minutes ${wait}`,
        );
        // Every step that can hold the lock is killed by the runner before the lock counts as dead.
        for (const write of writes) {
          expect(write.index, where).toBeGreaterThan(clear.index);
          const timeout = (write.step as { "timeout-minutes"?: number })["timeout-minutes"];
          expect([write.step.name, timeout !== undefined && timeout <= lifetime]).toEqual([
            write.step.name,
            true,
          ]);
        }
        const clearTimeout = (clear.step as { "timeout-minutes"?: number })["timeout-minutes"]!;
        expect(clearTimeout).toBeGreaterThan(wait);
        // The job outlives its own steps.
        const stepsTotal = [clear, ...writes].reduce(
          (sum, { step }) => sum + ((step as { "timeout-minutes"?: number })["timeout-minutes"] ?? 0),
          0,
        );
        expect((deploy.job as { "timeout-minutes"?: number })["timeout-minutes"]).toBeGreaterThan(stepsTotal);
        // resolve-pending right after the locks are cleared, with the deploy's DPS credentials.
        expect(own[clear.index + 1]!.step.run?.trim()).toBe(
          'npm run resolve-pending -- --stack "${{ inputs.stack }}"',
        );
      }
    });

    it("installs the Pulumi CLI the project pins, read from scripts/versions.sh", () => {
      const pinned = /^PULUMI_VERSION=(\d+\.\d+\.\d+)$/m.exec(
        fs.readFileSync(path.resolve(__dirname, "..", "scripts", "versions.sh"), "utf8"),
      )?.[1];
      expect(pinned).toBeDefined();
      const installs = steps.filter(({ step }) => step.uses?.startsWith("pulumi/actions@"));
      expect(installs.map(({ file, jobName }) => `${file} ${jobName}`).sort()).toEqual(
        pulumiJobs.map(({ where }) => where).sort(),
      );
      for (const { file, jobName, step } of installs) {
        expect(step.with?.["pulumi-version"], file).toBe("${{ steps.versions.outputs.pulumi }}");
        const versions = steps.find(
          (s) => s.file === file && s.jobName === jobName && (s.step as { id?: string }).id === "versions",
        );
        expect(versions?.step.run, file).toBe(
          '. scripts/versions.sh && echo "pulumi=$PULUMI_VERSION" >> "$GITHUB_OUTPUT"',
        );
      }
      // No workflow names a CLI version of its own.
      expect(
        Object.keys(workflows)
          .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
          .join("\n"),
      ).not.toMatch(/pulumi-version:\s*["']?\d/);
    });

    describe("the engine's settings (scripts/engine-settings.sh: its Go memory limit)", () => {
      const SETTINGS_STEP = '. scripts/engine-settings.sh && echo "GOMEMLIMIT=$GOMEMLIMIT" >> "$GITHUB_ENV"';
      const settingsFile = path.resolve(__dirname, "..", "scripts", "engine-settings.sh");
      /** Runs the workflows' settings step as GitHub does, in this checkout; returns what it wrote to $GITHUB_ENV. */
      const runSettingsStep = (env: Record<string, string> = {}): string => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dps-github-env-"));
        const githubEnv = path.join(tmp, "github-env");
        fs.writeFileSync(githubEnv, "");
        try {
          execFileSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", SETTINGS_STEP], {
            cwd: path.resolve(__dirname, ".."),
            env: { PATH: process.env.PATH ?? "", GITHUB_ENV: githubEnv, ...env },
          });
          return fs.readFileSync(githubEnv, "utf8");
        } finally {
          fs.rmSync(tmp, { recursive: true, force: true });
        }
      };

      it("are read from their one home before every step that runs pulumi, in every job that does", () => {
        for (const { file, name, where } of pulumiJobs) {
          const own = ownSteps(file, name);
          const settings = own.filter(({ step }) => step.run?.includes("scripts/engine-settings.sh"));
          expect([where, settings.map(({ step }) => step.run)]).toEqual([where, [SETTINGS_STEP]]);
          // Before the CLI is installed and before anything runs pulumi (or an npm script, which
          // reads the same file through env.sh and keeps the value the job already has).
          const engineSteps = own.filter(
            ({ step }) =>
              step.uses?.startsWith("pulumi/actions@") || /(^|\s)(pulumi|npm run)\s/m.test(step.run ?? ""),
          );
          expect(engineSteps.length, where).toBeGreaterThan(0);
          for (const { step, index } of engineSteps)
            expect([where, step.name ?? step.run, index > settings[0]!.index]).toEqual([
              where,
              step.name ?? step.run,
              true,
            ]);
        }
      });

      it("are never restated: no workflow, job or step env sets them, and no workflow names the value", () => {
        for (const { file, jobName, step, env } of steps)
          expect([file, jobName, step.name ?? step.run, env["GOMEMLIMIT"]]).toEqual([
            file,
            jobName,
            step.name ?? step.run,
            undefined,
          ]);
        const value = /^DPS_ENGINE_GOMEMLIMIT=(\S+)$/m.exec(fs.readFileSync(settingsFile, "utf8"))?.[1];
        expect(value).toBe("1536MiB");
        for (const file of Object.keys(workflows))
          expect(fs.readFileSync(path.join(dir, file), "utf8"), file).not.toContain(value);
      });

      it("pass every setting the file exports to the later steps, with its value, a value already set winning", () => {
        const exported = [...fs.readFileSync(settingsFile, "utf8").matchAll(/^export (\w+)=/gm)].map(
          (m) => m[1],
        );
        expect(exported).toEqual(["GOMEMLIMIT"]);
        expect(runSettingsStep()).toBe("GOMEMLIMIT=1536MiB\n");
        // A runner (a self-hosted one) that sets its own limit keeps it.
        expect(runSettingsStep({ GOMEMLIMIT: "3GiB" })).toBe("GOMEMLIMIT=3GiB\n");
      });
    });

    it("uses each action at its current major version", () => {
      const current: Record<string, string> = {
        "actions/checkout": "v7",
        "actions/setup-node": "v7",
        "actions/upload-artifact": "v7",
        "actions/download-artifact": "v8",
        "actions/github-script": "v8",
        "pulumi/actions": "v7",
      };
      const used = steps.flatMap(({ file, step }) =>
        step.uses && !step.uses.startsWith("./")
          ? [[file, ...(step.uses.split("@") as [string, string])] as const]
          : [],
      );
      expect(used.length).toBeGreaterThan(10);
      for (const [file, action, version] of used)
        expect([file, action, version]).toEqual([file, action, current[action]]);
    });
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

    it("keeps one certificate expiry issue per stack, from the report's certificate section, closed when none is due", () => {
      const issue = run(/Certificates expiring on stack/);
      expect(issue?.if).toBe("steps.expiry.outputs.status == '0'");
      expect(issue?.env?.DUE).toBe("${{ steps.expiry.outputs.due }}");
      expect(issue?.run).toMatch(
        /if \[ -n "\$number" \]; then\s+gh issue edit "\$number" --body-file "expiry-\$STACK\.md"/,
      );
      expect(issue?.run).toMatch(/else\s+gh issue create --title "\$title" --body-file "expiry-\$STACK\.md"/);
      expect(issue?.run).toMatch(/gh issue close "\$number"/);
      // A stack it cannot read still fails the run, once the drift issue is updated.
      const names = jobSteps.map((step) => step.name);
      expect(names.indexOf("Fail when the certificates could not be read")).toBeGreaterThan(
        names.indexOf("Open or update the stack's drift issue (closed when the drift is gone)"),
      );
    });

    it("has a federated-credential subject of its own: the <stack>-drift environment", () => {
      expect((job as { environment?: string }).environment).toBe("${{ matrix.stack }}-drift");
    });
  });
});
