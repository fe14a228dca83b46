// Killing a `pulumi` command at a chosen moment, and running the project's recovery scripts on a
// test program as a person would (`npm run unlock-stale -- --stack <stack>`) or as the deploy
// workflow does (`npm run clear-dead-locks`), for the crash tests.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "./find-engine";
import { linkCheckoutEntries, type LocalProgram } from "./local-program";

/**
 * Starts `pulumi <args>` in its own process group and SIGKILLs the whole group (as a cancelled
 * pipeline or a dead runner does) once `when(output so far)` holds. Returns what the CLI printed.
 */
export async function killWhen(
  program: LocalProgram,
  stack: string,
  args: string[],
  when: (output: string) => boolean,
): Promise<string> {
  const child = spawn(program.cli.path, [...args, "--stack", stack, "--non-interactive"], {
    cwd: program.dir,
    env: program.cli.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 180_000;
  while (!when(output)) {
    if (Date.now() > deadline)
      throw new Error(`pulumi ${args.join(" ")}: the kill point was never reached:\n${output}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  process.kill(-child.pid!, "SIGKILL");
  await exited;
  await new Promise((r) => setTimeout(r, 300)); // let the kernel reap the rest of the group
  return output;
}

/** How many resources of `type` (e.g. "dps:IndividualEnrollment") the CLI has reported created. */
export function createdCount(output: string, type: string): number {
  return output.split("\n").filter((line) => line.includes(type) && / created\b/.test(line)).length;
}

/**
 * Runs `npm run <script> -- <args>` in the program's copy, as a person does in the project: the
 * copy gets the project's scripts/ (a link), so with-env.sh and the script run unchanged there.
 */
export function runScript(
  program: LocalProgram,
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  linkCheckoutEntries(program.dir, ["scripts"]);
  return new Promise((resolve) =>
    execFile(
      "npm",
      ["run", "--silent", script, "--", ...args],
      { cwd: program.dir, env: { ...program.cli.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

export interface ExportedState {
  resources: Array<{ urn: string; type: string; id?: string; outputs?: Record<string, unknown> }>;
  pendingOperations: Array<{ type: string; urn: string }>;
}

/** `pulumi stack export`, reduced to what the crash tests check. */
export async function exportedState(program: LocalProgram): Promise<ExportedState> {
  const state = JSON.parse(await program.pulumi(["stack", "export"])) as {
    deployment: {
      resources?: ExportedState["resources"];
      pending_operations?: Array<{ type: string; resource: { urn: string } }>;
    };
  };
  return {
    resources: state.deployment.resources ?? [],
    pendingOperations: (state.deployment.pending_operations ?? []).map((op) => ({
      type: op.type,
      urn: op.resource.urn,
    })),
  };
}

/**
 * pulumi-up.yml's own step before it writes to the stack, with the workflow's arguments (read
 * from its text, so the two cannot drift): `npm run clear-dead-locks -- --stack <stack>
 * --lock-lifetime-minutes <n> --wait-minutes <m>`. A killed run's lock on this host is provably
 * dead, so it is removed at once, without waiting.
 */
export async function clearDeadLocksAsThePipelineDoes(
  program: LocalProgram,
  stack: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const workflow = fs.readFileSync(path.join(projectRoot, ".github", "workflows", "pulumi-up.yml"), "utf8");
  const step = /npm run clear-dead-locks -- --stack "\$\{\{ inputs\.stack \}\}" (.*)$/m.exec(workflow);
  if (!step) throw new Error("pulumi-up.yml no longer runs `npm run clear-dead-locks -- --stack ...`");
  return runScript(program, "clear-dead-locks", ["--stack", stack, ...step[1]!.trim().split(/\s+/)]);
}
