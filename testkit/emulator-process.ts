// The emulator as its own process, the way `npm run emulator` starts it (package.json's command,
// through project-tool.ts; ephemeral, any free port, devices never told to wait): for the CLI's
// own test, and for the emulator benchmark, which measures the emulator's memory apart from its
// clients' (scripts/with-env.sh execs node, so the child's pid is the emulator's).
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { projectRoot } from "./find-engine";
import { projectToolCommand } from "./project-tool";

/** The JSON line the CLI prints first. */
export interface EmulatorProcessInfo {
  connectionString: string;
  caCertPath: string;
  deviceHost: string;
  serviceHost: string;
  idScope: string;
  pid: number;
  port: number;
}

export interface EmulatorProcess {
  readonly info: EmulatorProcessInfo;
  /** The emulator's CA certificate, read from `info.caCertPath`. */
  readonly caCertPem: string;
  readonly child: ChildProcess;
  /** SIGTERM, then waits for the process to end. */
  stop(): Promise<void>;
}

/**
 * Starts the CLI with `extraArgs` (e.g. `--config <file>`); stderr goes where `stderr` says.
 * Ephemeral unless `stateDir` is given (then it keeps its state there, as `npm run emulator` does).
 */
export async function startEmulatorProcess(
  extraArgs: readonly string[] = [],
  stderr: "pipe" | "inherit" = "pipe",
  stateDir?: string,
): Promise<EmulatorProcess> {
  const emulator = projectToolCommand("emulator");
  const child = spawn(
    emulator.file,
    [
      ...emulator.args,
      "--port",
      "0",
      ...(stateDir ? ["--state-dir", stateDir] : ["--ephemeral"]),
      "--retry-after",
      "0",
      ...extraArgs,
    ],
    { cwd: projectRoot, stdio: ["ignore", "pipe", stderr] },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((ok) => child.once("exit", ok));
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
    });
    const info = JSON.parse(line) as EmulatorProcessInfo;
    return { info, caCertPem: readFileSync(info.caCertPath, "utf8"), child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
