// Runs the Pulumi CLI for the demo's `local` stack. The stack's config lives in a copy of
// Pulumi.local.yaml under $DPS_HOME (passed with --config-file), so the emulator's address,
// its connection string and the encryption salt never touch the committed file.
import { spawn } from "node:child_process";
import * as fs from "node:fs";

export interface StackCli {
  run(args: string[], options?: { echo?: boolean; input?: string }): Promise<string>;
  setConfig(key: string, value: string, options?: { secret?: boolean; path?: boolean }): Promise<void>;
}

export function localStackCli(projectRoot: string, committedConfig: string, configCopy: string, stack: string): StackCli {
  // Keep the salt of the previous run: secrets encrypted with it stay readable.
  const previous = fs.existsSync(configCopy) ? fs.readFileSync(configCopy, "utf8") : "";
  const salt = /^encryptionsalt: .*$/m.exec(previous)?.[0];
  fs.writeFileSync(configCopy, `${salt ? `${salt}\n` : ""}${fs.readFileSync(committedConfig, "utf8")}`);

  const run = (args: string[], options: { echo?: boolean; input?: string } = {}) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: projectRoot, stdio: ["pipe", "pipe", "pipe"] });
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
        code === 0 ? resolve(out) : reject(new Error(`pulumi ${args[0]} ${args[1] ?? ""} failed (exit ${code})${options.echo ? "" : `:\n${err || out}`}`)),
      );
    });
  return {
    run: (args, options) => run([...args, "--stack", stack, ...(args[0] === "stack" ? [] : ["--config-file", configCopy])], options),
    setConfig: async (key, value, options = {}) => {
      // The value goes through stdin, so a secret never appears in a process listing.
      await run(["config", "set", key, "--stack", stack, "--config-file", configCopy, ...(options.secret ? ["--secret"] : []), ...(options.path ? ["--path"] : [])], {
        input: value,
      });
    },
  };
}
