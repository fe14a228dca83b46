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

/**
 * Stack outputs the current program declares that older versions did not: a platform stack's hub
 * host names (read by enrollment stacks), and the batch path's one row per set (issue #26).
 */
export const OUTPUTS_ADDED_SINCE_UPGRADE_SOURCES = ["hubHostNames", "batchedEnrollments"] as const;

/**
 * An older version's outputs as this version declares them for the same stack: since issue #26 the
 * batch path's enrollments have no row in `enrollments` nor in `individualEnrollmentKeys` (their
 * keys are read from the state with `npm run enrollment-key`). Everything else stays as it was.
 */
export function withoutBatchedRows<T extends { value: unknown }>(
  outputs: Record<string, T>,
  batchedIds: readonly string[],
): Record<string, T> {
  const batched = new Set(batchedIds);
  const result = { ...outputs };
  const keys = result["individualEnrollmentKeys"];
  if (keys)
    result["individualEnrollmentKeys"] = {
      ...keys,
      value: Object.fromEntries(
        Object.entries(keys.value as Record<string, unknown>).filter(([id]) => !batched.has(id)),
      ),
    };
  const rows = result["enrollments"];
  if (rows)
    result["enrollments"] = {
      ...rows,
      value: (rows.value as { kind: string; id: string }[]).filter(
        (row) => row.kind !== "individual" || !batched.has(row.id),
      ),
    };
  return result;
}

/**
 * The outputs after an upgrade, as the older version would have declared them: what an upgrade
 * must leave unchanged. The outputs it adds are checked to be exactly the ones listed above.
 */
export function outputsAnOlderVersionHad<T>(
  before: Record<string, T>,
  after: Record<string, T>,
): Record<string, T> {
  const added = Object.keys(after).filter((key) => !(key in before));
  if (added.some((key) => !(OUTPUTS_ADDED_SINCE_UPGRADE_SOURCES as readonly string[]).includes(key)))
    throw new Error(`the upgrade added stack outputs no test expects: ${added.join(", ")}`);
  return Object.fromEntries(Object.entries(after).filter(([key]) => key in before));
}
