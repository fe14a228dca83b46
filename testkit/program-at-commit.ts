// The program files of an older commit, taken from git into a temporary folder: a stack made by
// that version is then upgraded in place by this one (createLocalProgram's sourceRoot, then
// installProgramFrom), as a user's stack is.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "./find-engine";

/**
 * `files` as they were at `commit` (those of them it had: an older version may predate one), or
 * why they cannot be had (a shallow clone lacks the history).
 */
export function programAtCommit(
  commit: string,
  files: readonly string[],
): { dir: string } | { missing: string } {
  try {
    execFileSync("git", ["cat-file", "-e", `${commit}^{commit}`], { cwd: projectRoot, stdio: "ignore" });
  } catch {
    return {
      missing: `commit ${commit} is not in this clone's history (a shallow clone?): fetch the full history`,
    };
  }
  const present = execFileSync("git", ["ls-tree", "--name-only", commit, "--", ...files], {
    cwd: projectRoot,
    encoding: "utf8",
  })
    .split("\n")
    .filter((name) => name !== "");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dps-program-${commit}-`));
  const archive = execFileSync("git", ["archive", "--format=tar", commit, ...present], {
    cwd: projectRoot,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  return { dir };
}
