// What every benchmark script repeats around its measurements: how it ends on an error, how it
// reads its numeric flags, the Markdown table it prints last, the load average beside each
// figure, and a timed phase with its peak memory and a deadline.
import * as os from "node:os";
import { samplePeakMemory, type PeakMemory } from "./peak-memory";

/** A flag's value is not allowed: printed as its message alone, without a stack trace. */
export class UsageError extends Error {}

/** node:util parseArgs' refusal of a flag (unknown, or missing its value): a usage error too. */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS_");
}

/**
 * Runs a script's `main` and ends the process with exit code 1 when it fails: a usage error as its
 * message, anything else with its stack (a benchmark's failure is read by the person who ran it).
 * `process.exit`, not `exitCode`: a failed phase may leave an engine or an emulator running, and
 * the script must stop by itself.
 */
export function runBenchmark(main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      const text =
        error instanceof UsageError || isParseArgsError(error)
          ? error.message
          : error instanceof Error
            ? (error.stack ?? error.message)
            : String(error);
      process.stderr.write(`${text}\n`);
      process.exit(1);
    });
}

/** A flag's whole number of at least 1. */
export function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${flag} is "${text}"; allowed: whole numbers of at least 1`);
  return value;
}

/** A flag's comma-separated sizes (`1000,10000`); an empty text is none. */
export function positiveIntegers(flag: string, text: string): number[] {
  return text === "" ? [] : text.split(",").map((s) => positiveInteger(flag, s.trim()));
}

/** The machine's load average (1, 5, 15 minutes) to a tenth: every figure is read beside it. */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Number(l.toFixed(1)));
}

/** Prints a Markdown table after a blank line: the last thing a script prints. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  process.stdout.write(
    ["", line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n") + "\n",
  );
}

export interface Timed<T> {
  seconds: number;
  /** Peak resident memory of the program's processes (the engine, program, provider). */
  memory: PeakMemory;
  result: T;
}

/**
 * Runs one phase against the program in `programDir`, sampling its processes' peak memory, and
 * fails it when it outlives `deadlineMs` (a benchmark is bounded and stops by itself).
 */
export async function timedPhase<T>(
  programDir: string,
  deadlineMs: number,
  run: () => Promise<T>,
): Promise<Timed<T>> {
  const sampler = samplePeakMemory(programDir);
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let memory: PeakMemory;
  let result: T;
  try {
    result = await Promise.race([
      run(),
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new Error(`phase outlived its deadline of ${deadlineMs / 60_000} minutes`)),
            deadlineMs,
          )),
      ),
    ]);
  } finally {
    clearTimeout(timer);
    memory = sampler.stop();
  }
  return { seconds: Number(((Date.now() - started) / 1000).toFixed(1)), memory, result };
}
