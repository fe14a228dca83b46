// Runs the Pulumi CLI for the demo's `local` stack. The stack's config lives in a copy of
// Pulumi.local.yaml under $DPS_HOME (passed with --config-file), so the emulator's address,
// its connection string and the encryption salt never touch the committed file.
import { spawn } from "node:child_process";
import * as fs from "node:fs";

export interface StackCli {
  run(args: string[], options?: RunOptions): Promise<string>;
  setConfig(key: string, value: string, options?: { secret?: boolean; path?: boolean }): Promise<void>;
}

interface RunOptions {
  /** Stream the CLI's output to this process's stdout/stderr. */
  echo?: boolean;
  input?: string;
}

const saltOf = (text: string) => /^encryptionsalt: .*$/m.exec(text)?.[0];

export async function localStackCli(
  projectRoot: string,
  committedConfig: string,
  configCopy: string,
  stack: string,
): Promise<StackCli> {
  const committed = fs.readFileSync(committedConfig, "utf8");
  // Creating the stack writes the passphrase salt into Pulumi.<stack>.yaml: move it to the
  // copy and put the committed file back as it was.
  await runPulumi(projectRoot, ["stack", "select", stack, "--create"]);
  const afterCreate = fs.readFileSync(committedConfig, "utf8");
  if (afterCreate !== committed) fs.writeFileSync(committedConfig, committed);
  // Keep the salt of the previous run: secrets encrypted with it stay readable.
  const previous = fs.existsSync(configCopy) ? fs.readFileSync(configCopy, "utf8") : "";
  const salt = saltOf(afterCreate) ?? saltOf(previous);
  fs.writeFileSync(
    configCopy,
    `${salt ? `${salt}\n` : ""}${committed.replace(/^encryptionsalt: .*\n?/m, "")}`,
  );

  const stackArgs = (args: string[]) => [
    ...args,
    "--stack",
    stack,
    ...(args[0] === "stack" && args[1] !== "output"
      ? []
      : args[0] === "stack"
        ? []
        : ["--config-file", configCopy]),
  ];
  return {
    run: (args, options) => runPulumi(projectRoot, stackArgs(args), options),
    setConfig: async (key, value, options = {}) => {
      // The value goes through stdin, so a secret never appears in a process listing.
      await runPulumi(
        projectRoot,
        stackArgs([
          "config",
          "set",
          key,
          ...(options.secret ? ["--secret"] : []),
          ...(options.path ? ["--path"] : []),
        ]),
        {
          input: value,
        },
      );
    },
  };
}

function runPulumi(projectRoot: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], {
      cwd: projectRoot,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (options.echo) process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      if (options.echo) process.stderr.write(chunk);
    });
    child.stdin.end(options.input ?? "");
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(
            new Error(
              `pulumi ${args.slice(0, 2).join(" ")} failed (exit ${code})${options.echo ? "" : `:\n${err || out}`}`,
            ),
          ),
    );
  });
}
