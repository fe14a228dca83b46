// A project tool (plan-rotation, validate-manifests, pr-report, the emulator, ...) started as
// `npm run <tool> -- <args>` starts it: the command line is read from package.json's `scripts`
// entry, so a test runs what a person runs and cannot drift from it (a new preload, `--engine`,
// another entry file). npm itself is left out: it costs a start of its own and always runs from
// the package's root, while tests run the tool from a folder of their own (a project root with
// its own Pulumi.<stack>.yaml), as a person runs it from their repository.
// No test framework here: the benchmarks start the emulator through it under plain node.
import { execFile, spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "./find-engine";

/** The program and arguments `npm run <tool>` runs, with the project's paths made absolute. */
export interface ProjectToolCommand {
  readonly file: string;
  readonly args: readonly string[];
}

/**
 * A scripts entry these helpers can run without a shell: plain words (no quotes, `&&`, pipes,
 * variables or globs). Every tool's entry is one (`bash scripts/with-env.sh [--engine] node -r
 * ./scripts/register-typescript.js scripts/<tool>.ts`); one that is not must be run through npm.
 */
const PLAIN_COMMAND = /^[\w./=-]+(?: [\w./=-]+)*$/;

let scripts: Record<string, string> | undefined;

/** package.json's `scripts`, read once. */
function packageScripts(): Record<string, string> {
  scripts ??= (
    JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  return scripts;
}

/**
 * The command `npm run <tool>` runs. A word that names a path (it holds a `/` and is not an
 * option) is made absolute against the checkout and must exist, since the tool may run from
 * another folder than npm's (the package root).
 */
export function projectToolCommand(tool: string): ProjectToolCommand {
  const entry = packageScripts()[tool];
  if (entry === undefined) throw new Error(`package.json has no script "${tool}"`);
  if (!PLAIN_COMMAND.test(entry))
    throw new Error(
      `package.json's script "${tool}" is not a plain command line (${entry}): testkit/project-tool.ts runs plain words only`,
    );
  const [file, ...args] = entry.split(" ").map((word) => {
    if (word.startsWith("-") || !word.includes("/")) return word;
    const absolute = path.resolve(projectRoot, word);
    if (!fs.existsSync(absolute))
      throw new Error(`package.json's script "${tool}" names ${word}, which the checkout does not hold`);
    return absolute;
  });
  return { file: file!, args };
}

export interface ProjectToolOptions {
  /** Where the person runs it (their project root); the checkout's root by default, as npm does. */
  readonly cwd?: string;
  /** The whole environment; this process's by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** Text on stdin. */
  readonly input?: string;
  /** Milliseconds before the tool is killed; none by default. */
  readonly timeout?: number;
}

export interface ProjectToolResult {
  /** The exit code; null when a signal (or the timeout) ended it. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment npm gives a script that a tool reads: INIT_CWD, the folder npm was started
 * from (docs.npmjs.com/cli/commands/npm-run-script), where a tool resolves a path the person
 * typed. Set to `cwd`, not inherited: under `npm test` it would name the checkout instead.
 */
function toolEnvironment(options: ProjectToolOptions, cwd: string): NodeJS.ProcessEnv {
  return { ...(options.env ?? process.env), INIT_CWD: cwd };
}

/** Runs `npm run <tool> -- <args>` to its end and returns its exit code and output. */
export function runProjectTool(
  tool: string,
  args: readonly string[],
  options: ProjectToolOptions = {},
): ProjectToolResult {
  const command = projectToolCommand(tool);
  const cwd = options.cwd ?? projectRoot;
  const result: SpawnSyncReturns<string> = spawnSync(command.file, [...command.args, ...args], {
    cwd,
    env: toolEnvironment(options, cwd),
    input: options.input,
    timeout: options.timeout,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `npm run <tool> -- <args>` without blocking (a test that serves the tool meanwhile, e.g.
 * an emulator in the same process). Resolves with its output when it exits 0; rejects with an
 * error carrying the command, the exit code and the output otherwise.
 */
export function runProjectToolAsync(
  tool: string,
  args: readonly string[],
  options: ProjectToolOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const command = projectToolCommand(tool);
  const cwd = options.cwd ?? projectRoot;
  return new Promise((resolve, reject) => {
    const child = execFile(
      command.file,
      [...command.args, ...args],
      {
        cwd,
        env: toolEnvironment(options, cwd),
        timeout: options.timeout,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        error
          ? reject(
              Object.assign(
                new Error(
                  `npm run ${tool} -- ${args.join(" ")}\nfailed (${error.code}):\n${stderr}${stdout}`,
                ),
                { stdout, stderr },
              ),
            )
          : resolve({ stdout, stderr }),
    );
    // Closed either way: a tool that reads stdin must see its end, not wait on an open pipe.
    child.stdin!.end(options.input);
  });
}
