// Writes a plan of pull requests (the enrollment move, a credential rotation): one folder per
// step, `<n>-<slug>`, with the pull request's description (PULL_REQUEST.md), the step's changes as
// a patch (`git apply <step>/changes.patch` from the repository root), the whole changed files
// under files/, and the step's attachments.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type MoveStep, STEP_FOLDER } from "../../components/advice/move-plan";

export const stepFolder = (step: MoveStep, index: number) => `${index + 1}-${step.slug}`;

/** Each step's files apply on top of the previous steps', so the patches apply in order. */
export function writePlan(out: string, steps: readonly MoveStep[]): void {
  fs.rmSync(out, { recursive: true, force: true });
  const current = new Map<string, string | undefined>();
  const read = (file: string) =>
    current.has(file) ? current.get(file) : fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  steps.forEach((step, index) => {
    const dir = path.join(out, stepFolder(step, index));
    fs.mkdirSync(path.join(dir, "files"), { recursive: true });
    const before = step.files.map(({ file }) => ({ file, text: read(file) }));
    for (const { file, text } of step.files) {
      current.set(file, text);
      if (text !== undefined) {
        fs.mkdirSync(path.dirname(path.join(dir, "files", file)), { recursive: true });
        fs.writeFileSync(path.join(dir, "files", file), text);
      }
    }
    const deleted = step.files.filter((f) => f.text === undefined).map((f) => f.file);
    // A step that changes only the stack's config (through `pulumi config`, as its description says) has no patch.
    if (step.files.length > 0)
      fs.writeFileSync(path.join(dir, "changes.patch"), unifiedDiff(before, step.files));
    fs.writeFileSync(
      path.join(dir, "PULL_REQUEST.md"),
      `# ${index + 1}/${steps.length}: ${step.title}\n\n${step.description.split(STEP_FOLDER).join(dir)}\n${deleted.length > 0 ? `\nDeletes: ${deleted.join(", ")}\n` : ""}`,
    );
    for (const [name, text] of Object.entries(step.attachments ?? {}))
      fs.writeFileSync(path.join(dir, name), text);
  });
}

/** `git diff --no-index` per file, with git's own `a/<path>` and `b/<path>` names relative to the current folder (for `git apply`). */
function unifiedDiff(
  before: readonly { file: string; text: string | undefined }[],
  after: MoveStep["files"],
): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "enrollment-move-"));
  try {
    return after
      .map(({ file, text }) => {
        const relative = path.relative(process.cwd(), path.resolve(file));
        const old = before.find((b) => b.file === file)?.text;
        const side = (name: "a" | "b", content: string | undefined) => {
          if (content === undefined) return "/dev/null";
          const target = path.join(work, name, relative);
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.writeFileSync(target, content);
          return `${name}/${relative}`;
        };
        const args = ["diff", "--no-index", "--no-color", "--no-prefix", side("a", old), side("b", text)];
        try {
          return execFileSync("git", args, { cwd: work, encoding: "utf8" });
        } catch (error) {
          // git diff exits 1 when the files differ: that is the answer, not a failure.
          const failed = error as { status?: number; stdout?: string };
          if (failed.status !== 1) throw error;
          return failed.stdout ?? "";
        }
      })
      .join("");
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
