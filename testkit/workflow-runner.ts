// Runs one job of a GitHub workflow (.github/workflows/*.yml) here, step by step, from the
// workflow's own text: each `run` step in bash with the env GitHub would give it (workflow, job
// and step `env`, what earlier steps wrote to $GITHUB_ENV, `${{ }}` expressions filled in from the
// test's context), so a workflow edit is what the test runs. What needs GitHub or Azure is not run
// and is said so in `skipped`: `uses:` actions (checkout, setup-node, the federated token,
// pulumi/actions, github-script) and the registry installs. The artifact actions are played by their documented effect
// (actions/upload-artifact uploads the files its `path` lists; download-artifact with
// merge-multiple puts every artifact's files in one folder): the files uploaded are what a test
// scans. An expression or step `if:` this runner does not know fails the run, so a new one is
// taught here, never silently ignored.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { projectRoot } from "./find-engine";

interface WorkflowStep {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly run?: string;
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface WorkflowFile {
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, { env?: Record<string, string>; steps?: WorkflowStep[] }>;
}

export interface JobRunOptions {
  /** File name under .github/workflows. */
  readonly workflow: string;
  readonly job: string;
  /** The folder the job runs in (the checkout). */
  readonly cwd: string;
  /** Values of `${{ expression }}`, by the expression's text (e.g. "matrix.stack"); `vars.*` default to "". */
  readonly context: Record<string, string>;
  /** Set over the workflow's env: what stands in for Azure (the backend), and the machine's PATH. */
  readonly env: Record<string, string>;
  /** Where artifacts live: one folder per artifact name. Shared by the jobs of one workflow run. */
  readonly artifactsDir: string;
  /** Run steps not to run, by name, with the reason (said in `skipped`). */
  readonly skipSteps?: Record<string, string>;
}

export interface StepRun {
  readonly name: string;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface JobRun {
  readonly steps: StepRun[];
  /** "<step>: <why it did not run here>", in order. */
  readonly skipped: string[];
  /** Files uploaded, by artifact name (paths under artifactsDir). */
  readonly uploaded: Record<string, string[]>;
  /** What the job wrote to $GITHUB_STEP_SUMMARY. */
  readonly summary: string;
  /** The job failed at this step (GitHub stops there, and so does this runner). */
  readonly failedAt?: string;
}

const WORKFLOWS = path.join(projectRoot, ".github", "workflows");

/** Actions that need GitHub or Azure, and what they do there. */
const NOT_RUN_HERE: Record<string, string> = {
  "actions/checkout": "needs GitHub (the test runs in a copy of this checkout)",
  "actions/setup-node": "needs GitHub's tool cache (the project's Node is on PATH)",
  "./.github/actions/azure-federated-token":
    "needs GitHub's OIDC token endpoint (the emulator stands in for DPS, a file backend for the state)",
  "pulumi/actions": "installs the CLI from GitHub (the pinned CLI is on PATH)",
  "actions/github-script": "needs GitHub's API (the test reads report.md)",
};

export function readWorkflow(workflow: string): WorkflowFile {
  return parse(fs.readFileSync(path.join(WORKFLOWS, workflow), "utf8")) as WorkflowFile;
}

export async function runWorkflowJob(options: JobRunOptions): Promise<JobRun> {
  const file = readWorkflow(options.workflow);
  const job = file.jobs[options.job];
  if (!job) throw new Error(`${options.workflow} has no job '${options.job}'`);
  const outputsDir = fs.mkdtempSync(path.join(options.artifactsDir, `.job-${options.job}-`));
  const summaryFile = path.join(outputsDir, "step-summary.md");
  fs.writeFileSync(summaryFile, "");
  const stepOutputs: Record<string, string> = {};
  const githubEnv: Record<string, string> = {};
  const expand = (text: string) => expandExpressions(text, { ...options.context, ...stepOutputs });
  const run: { steps: StepRun[]; skipped: string[]; uploaded: Record<string, string[]> } = {
    steps: [],
    skipped: [],
    uploaded: {},
  };
  let failedAt: string | undefined;
  for (const [index, step] of (job.steps ?? []).entries()) {
    const name = step.name ?? step.uses ?? `step ${index + 1}`;
    if (step.if !== undefined && !evaluateCondition(step.if, { ...options.context, ...stepOutputs }))
      continue;
    if (step.uses) {
      const action = step.uses.split("@")[0]!;
      if (action === "actions/upload-artifact") upload(step, expand, options, run.uploaded);
      else if (action === "actions/download-artifact") download(step, expand, options);
      else if (NOT_RUN_HERE[action]) run.skipped.push(`${name}: ${NOT_RUN_HERE[action]}`);
      else throw new Error(`${options.workflow}: the runner does not know the action ${step.uses}`);
      continue;
    }
    const script = step.run ?? "";
    const skip = options.skipSteps?.[name] ?? registryInstall(script);
    if (skip) {
      run.skipped.push(`${name}: ${skip}`);
      continue;
    }
    const outputFile = path.join(outputsDir, `output-${index}`);
    fs.writeFileSync(outputFile, "");
    const envFile = path.join(outputsDir, `env-${index}`);
    fs.writeFileSync(envFile, "");
    // GitHub's order: the workflow's and the job's env, then what earlier steps wrote to
    // $GITHUB_ENV over them (both in the job's global environment: actions/runner
    // src/Runner.Worker/JobExtension.cs and FileCommandManager.cs), then the step's own env
    // (StepsRunner.cs merges it over the env context).
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...file.env, ...job.env })) env[key] = expand(String(value));
    Object.assign(env, githubEnv);
    for (const [key, value] of Object.entries(step.env ?? {})) env[key] = expand(String(value));
    // Asynchronously: a test's emulator may run in this very process and must go on answering.
    const result = await runScript(expand(script), options.cwd, {
      ...env,
      ...options.env,
      GITHUB_OUTPUT: outputFile,
      GITHUB_ENV: envFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      CI: "true",
    });
    run.steps.push({ name, status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr });
    if (step.id) {
      for (const line of fs.readFileSync(outputFile, "utf8").split("\n")) {
        const eq = line.indexOf("=");
        if (eq > 0) stepOutputs[`steps.${step.id}.outputs.${line.slice(0, eq)}`] = line.slice(eq + 1);
      }
    }
    if (result.status !== 0) {
      failedAt = name;
      break;
    }
    Object.assign(githubEnv, readEnvFile(envFile, `${options.workflow} ${name}`));
  }
  return {
    ...run,
    summary: fs.readFileSync(summaryFile, "utf8"),
    ...(failedAt !== undefined ? { failedAt } : {}),
  };
}

/** bash -e as GitHub runs a `run` step (its default shell on Linux: `bash -e {0}`, with pipefail). */
function runScript(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script], {
      cwd,
      env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * A step's $GITHUB_ENV: `NAME=value` lines, for every later step of the job (GitHub's workflow
 * commands, "Setting an environment variable"). The multi-line `NAME<<DELIMITER` form is not taught
 * to this runner yet and fails the run.
 */
function readEnvFile(file: string, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${where}: the workflow runner cannot read the $GITHUB_ENV line '${line}'`);
    env[m[1]!] = m[2]!;
  }
  return env;
}

/** `npm ci` installs from the registry: the checkout's dependencies are installed already. */
function registryInstall(script: string): string | undefined {
  const commands = script
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return commands.length > 0 && commands.every((c) => /^(\(cd \w+ && )?npm ci\)?$/.test(c))
    ? "installs from the package registry (this checkout's dependencies are installed)"
    : undefined;
}

function expandExpressions(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => valueOf(expression, values));
}

function valueOf(expression: string, values: Record<string, string>): string {
  if (expression in values) return values[expression]!;
  if (expression.startsWith("vars.")) return "";
  throw new Error(`the workflow runner has no value for \${{ ${expression} }}`);
}

/** The step conditions the workflows use: `<expression> == '<text>'` and `!=`. */
function evaluateCondition(condition: string, values: Record<string, string>): boolean {
  const m = /^\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(condition);
  if (!m) throw new Error(`the workflow runner cannot evaluate the condition '${condition}'`);
  const equal = (values[m[1]!] ?? "") === m[3];
  return m[2] === "==" ? equal : !equal;
}

function upload(
  step: WorkflowStep,
  expand: (text: string) => string,
  options: JobRunOptions,
  uploaded: Record<string, string[]>,
): void {
  const name = expand(String(step.with?.["name"] ?? "artifact"));
  const target = path.join(options.artifactsDir, name);
  fs.mkdirSync(target, { recursive: true });
  const files = expand(String(step.with?.["path"] ?? ""))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  for (const file of files) {
    const source = path.join(options.cwd, file);
    if (!fs.existsSync(source)) {
      if (step.with?.["if-no-files-found"] === "error")
        throw new Error(`upload-artifact ${name}: no ${file}`);
      continue;
    }
    fs.copyFileSync(source, path.join(target, path.basename(file)));
    (uploaded[name] ??= []).push(path.join(target, path.basename(file)));
  }
}

function download(step: WorkflowStep, expand: (text: string) => string, options: JobRunOptions): void {
  if (step.with?.["merge-multiple"] !== true)
    throw new Error("the workflow runner plays download-artifact with merge-multiple only");
  const target = path.join(options.cwd, expand(String(step.with?.["path"] ?? ".")));
  fs.mkdirSync(target, { recursive: true });
  for (const artifact of fs.readdirSync(options.artifactsDir)) {
    if (artifact.startsWith(".job-")) continue;
    for (const file of fs.readdirSync(path.join(options.artifactsDir, artifact)))
      fs.copyFileSync(path.join(options.artifactsDir, artifact, file), path.join(target, file));
  }
}
