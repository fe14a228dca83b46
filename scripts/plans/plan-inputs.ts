// What the plan tools (plan-enrollment-move, plan-rotation) read and print around their planners,
// in one place: flag values, an ids file, the stack file, the manifests folder's entries and
// texts (the planners patch the texts), the printed list of steps, and how a bad input ends.
import * as fs from "node:fs";
import * as path from "node:path";
import { readStackFile, stackFileName, type StackFile } from "../../components/config/stack-file";
import {
  type LoadedManifests,
  type LoadManifestOptions,
  loadEnrollmentManifests,
  ManifestValidationError,
} from "../../components/manifests";
import type { MoveStep } from "../../components/advice/move-plan";
import { stepFolder } from "./write-plan";

/** A flag's value at `argv[index]`; a missing value or another flag in its place is `error`'s message. */
export function flagValue(
  argv: readonly string[],
  index: number,
  flag: string,
  error: (message: string) => Error,
) {
  const value = argv[index];
  if (value === undefined || value.startsWith("--")) throw error(`${flag} needs a value`);
  return value;
}

/** Registration ids, one a line; blank lines and `#` comments skipped. */
export function readIdsFile(file: string): string[] {
  return fs
    .readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
}

export const isStackName = (name: string) => stackFileName(name) !== undefined;

/** Pulumi.<stack>.yaml as the program reads it (components/config/stack-file.ts); its problems printed. */
export function readPlanStack(tool: string, stackName: string): StackFile | undefined {
  const file = path.resolve(stackFileName(stackName)!);
  const read = readStackFile(file);
  if (read.ok) return read.stack;
  for (const { problem, allowed } of read.problems)
    process.stderr.write(`${tool}: ${file}: ${problem}; allowed: ${allowed}\n`);
  return undefined;
}

export interface PlanManifests {
  readonly manifests: LoadedManifests;
  /** Every manifest file's text: the steps patch them. */
  readonly texts: { file: string; text: string }[];
}

/** The folder's manifests, validated as the program validates them, and their texts. */
export function readPlanManifests(folder: string, options: Partial<LoadManifestOptions>): PlanManifests {
  const pathVariables: Record<string, string> = process.env.DPS_HOME
    ? { DPS_HOME: process.env.DPS_HOME }
    : {};
  const manifests = loadEnrollmentManifests(folder, { ...options, pathVariables });
  const texts = fs
    .readdirSync(folder)
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .map((name) => ({
      file: path.join(folder, name),
      text: fs.readFileSync(path.join(folder, name), "utf8"),
    }));
  return { manifests, texts };
}

export function printPlan(out: string, steps: readonly MoveStep[]): void {
  process.stdout.write(
    `${steps.length} pull request(s), in this order:\n${steps.map((s, i) => `  ${i + 1}. ${s.title}  (${path.join(out, stepFolder(s, i))})`).join("\n")}\n`,
  );
}

/**
 * A plan tool's run: usage errors exit 2 with the usage line, bad input (an invalid manifest, the
 * planner's refusal, a file that cannot be read) exits 1 with one line naming it; anything else is
 * a bug and keeps its stack trace.
 */
export function runPlanTool(
  tool: string,
  usage: string,
  planErrorClass: new (...args: never[]) => Error,
  parse: () => void,
  run: () => number,
): number {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof planErrorClass) && !isUnreadableFile(error)) throw error;
    process.stderr.write(`${tool}: ${message(error)}\n${usage}\n`);
    return 2;
  }
  try {
    return run();
  } catch (error) {
    if (
      error instanceof ManifestValidationError ||
      error instanceof planErrorClass ||
      isUnreadableFile(error)
    ) {
      process.stderr.write(`${tool}: ${message(error)}\n`);
      return 1;
    }
    throw error;
  }
}

function isUnreadableFile(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "EISDIR" || code === "EACCES";
}

function message(error: unknown): string {
  if (!isUnreadableFile(error)) return (error as Error).message;
  const reason = { ENOENT: "no such file", EISDIR: "a folder, not a file", EACCES: "permission denied" }[
    error.code as "ENOENT" | "EISDIR" | "EACCES"
  ];
  return `cannot read ${error.path}: ${reason}`;
}
