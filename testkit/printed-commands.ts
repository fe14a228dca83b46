// Commands the project prints for a person (plans, hints, error messages), run as that person
// would paste them: verbatim, in bash, from the root of a copy of the project, with the project's
// environment (`. scripts/env.sh`: the pinned pulumi and node on PATH) and the copy's stack backend.
import { execFile } from "node:child_process";
import { linkCheckoutEntries, type LocalProgram } from "./local-program";

/** The command lines of every ```sh block of a text (a pull request description). */
export function shellBlockCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)\n```/g))
    commands.push(...block[1]!.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#")));
  return commands;
}

/**
 * Makes the program copy a project root a person could paste into: the project's scripts (what
 * `npm run <script>` runs) and the policy pack's configuration, as links to this checkout's.
 */
export function addProjectScripts(program: LocalProgram): void {
  linkCheckoutEntries(program.dir, ["scripts", "policy"]);
}

export interface PastedResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one printed command verbatim with `bash -c` in the program copy; rejects with its output when it fails. */
export function runAsPasted(
  program: LocalProgram,
  command: string,
  env: Record<string, string> = {},
): Promise<PastedResult> {
  return new Promise((resolve, reject) =>
    execFile(
      "bash",
      // pipefail: a pipeline whose first command fails must fail as a whole, as it would for a
      // careful person; without it only the last command's status would count.
      ["-o", "pipefail", "-c", command],
      { cwd: program.dir, env: { ...program.cli.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${command}\nfailed (${error.code}):\n${stderr}${stdout}`))
          : resolve({ stdout, stderr }),
    ),
  );
}
