// `npm run validate-manifests -- [--stack <name>] [<folder or file>] [--all]` (--all needs --stack):
// checks one environment's manifests offline (no DPS, no Pulumi engine, no passphrase). With
// --stack, everything the stack decides is checked too, as the program checks it:
// Pulumi.<stack>.yaml read by the one offline reader (components/config/stack-file.ts) gives the
// manifests folder, hub keys (and on the local target the hubs' exact host names), the names of
// the stack's secrets, and the CA certificates it declares. Exit codes: 0 valid, 1 problems found, 2 usage.
//
// A function over injected streams, so the bad-manifest corpus runs it in-process, exactly as
// the command runs; nothing it prints is a stack trace, a secret or unbounded: problems stop at
// MAX_PRINTED_PROBLEMS, the advice at PRINTED_SUGGESTIONS of PRINTED_IDS ids each
// (components/advice/stack-advice.ts), each cut saying so. `--all` prints the whole advice, every
// id and move command, for a pipeline or a person who asks for it; the cut names that command.
import * as fs from "node:fs";
import * as path from "node:path";
// Modules, not the packages' index files: the command never loads Pulumi.
import { stackAdviceText } from "../../components/advice/stack-advice";
import { readStackFile, stackFileName, type StackFile } from "../../components/config/stack-file";
import { stackConfigWarnings, stackManifestOptions } from "../../components/fleet/stack-manifest-options";
import {
  formatProblem,
  loadEnrollmentManifestFiles,
  loadEnrollmentManifests,
  ManifestValidationError,
} from "../../components/manifests";
import { cut } from "../../components/manifests/fields";
import type { LoadManifestOptions } from "../../components/manifests/types";

export interface CommandIo {
  /** The repository: certificate files must stay inside it; stack files are read here. */
  readonly cwd: string;
  /** Where Pulumi.<stack>.yaml files are, when not in `cwd` (the corpus tests' fixture stacks). */
  readonly stacksDir?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  write(stream: "stdout" | "stderr", text: string): void;
  /** Clock for certificate expiry (tests pin it). */
  readonly now?: Date;
  /** Extra path variables (tests); DPS_HOME comes from `env`. */
  readonly pathVariables?: Readonly<Record<string, string>>;
}

const USAGE = "usage: npm run validate-manifests -- [--stack <name>] [<manifests folder or file>] [--all]\n";

export function runValidateManifests(argv: readonly string[], io: CommandIo): number {
  try {
    return run(argv, io);
  } catch (error) {
    // Never a stack trace: one line that says what failed.
    io.write(
      "stderr",
      `validate-manifests: internal error: ${cut(String((error as Error)?.message ?? error).split("\n")[0]!, 200)}\n`,
    );
    return 1;
  }
}

function run(argv: readonly string[], io: CommandIo): number {
  let stack: string | undefined;
  let target: string | undefined;
  let all = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--stack" && i + 1 < argv.length) stack = argv[++i];
    else if (arg === "--all") all = true;
    else if (!arg.startsWith("-") && target === undefined) target = arg;
    else return usage(io, `unexpected argument '${cut(arg, 40)}'`);
  }
  // --all widens the stack's advice, which only --stack prints: alone it would change nothing.
  if (all && stack === undefined)
    return usage(io, "--all prints the whole advice of a stack: use it with --stack <name>");
  const options: LoadManifestOptions & { pathVariables: Record<string, string> } = {
    repositoryRoot: io.cwd,
    pathVariables: { ...(io.env.DPS_HOME ? { DPS_HOME: io.env.DPS_HOME } : {}), ...io.pathVariables },
    ...(io.now ? { now: io.now } : {}),
  };
  let stackOptions: Partial<LoadManifestOptions> = {};
  let stackFile: StackFile | undefined;
  let where: string | undefined;
  if (stack !== undefined) {
    const name = stackFileName(stack);
    if (!name) return usage(io, `'${cut(stack, 40)}' is not a stack name`);
    const file = path.resolve(io.stacksDir ?? io.cwd, name);
    const read = readStackFile(file);
    if (!read.ok) {
      const problems = read.problems.map((p) => ({ file, line: 1, column: 1, ...p }));
      io.write("stderr", `${new ManifestValidationError(problems).message}\n`);
      return 1;
    }
    stackFile = read.stack;
    stackOptions = stackManifestOptions(stackFile, stackFile.configKeys);
    // The stack's folder reads as the program reads it: from the program's directory.
    if (target === undefined) {
      target = stackFile.enrollmentManifests;
      where = path.resolve(stackFile.directory, target);
    }
  }
  if (target === undefined) return usage(io, "name a stack or a manifests folder");
  where ??= path.resolve(io.cwd, target);
  try {
    const load = { ...options, ...stackOptions };
    const loaded = isFile(where)
      ? loadEnrollmentManifestFiles([where], load)
      : loadEnrollmentManifests(where, load);
    const checked =
      stack === undefined
        ? " (without --stack: secret names, CA names and hub host names were not checked)"
        : "";
    io.write(
      "stdout",
      `${target}: ${loaded.individualEnrollments.length} individual enrollments, ${loaded.enrollmentGroups.length} enrollment groups, no problems${checked}\n`,
    );
    // What DPS may refuse although nothing is wrong: adjustable limits the stack would pass.
    const warnings = [
      ...(stackFile !== undefined ? stackConfigWarnings(stackFile) : []),
      ...(loaded.warnings ?? []).map(formatProblem),
    ];
    for (const warning of warnings) io.write("stdout", `warning: ${warning}\n`);
    // Individual or group: advice, not problems (README, "Choosing individual or group enrollments").
    if (stackFile !== undefined) {
      // Where the advice is cut, the command that prints it whole: this run's arguments and --all.
      const everything = all
        ? undefined
        : `npm run --silent validate-manifests -- ${[...argv, "--all"].map(shellWord).join(" ")}`;
      io.write("stdout", stackAdviceText(stackFile, stack!, io.cwd, loaded, everything));
    }
    return 0;
  } catch (error) {
    if (!(error instanceof ManifestValidationError)) throw error;
    io.write("stderr", `${error.message}\n`);
    return 1;
  }
}

function usage(io: CommandIo, problem: string): number {
  io.write("stderr", `validate-manifests: ${problem}\n${USAGE}`);
  return 2;
}

/** A word as bash reads it back: plain when it is safe, else single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
