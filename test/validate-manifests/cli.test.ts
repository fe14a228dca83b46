// The command itself, as CI runs it (a separate process): the in-process corpus covers every
// case; this checks that the process exits non-zero with the problem and no stack trace for the
// two inputs that used to crash it, and exits 0 on a valid stack.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runProjectTool } from "../../testkit/project-tool";

const repo = path.resolve(__dirname, "../..");
const corpus = path.join(repo, "test/fixtures/bad-manifests");

function run(args: string[], cwd: string) {
  const result = runProjectTool("validate-manifests", args, { cwd, timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("validate-manifests as a process", () => {
  it("refuses a folder named *.yaml and a self-referencing alias with exit 1 and no stack trace", () => {
    for (const [name, says] of [
      ["folder-named-yaml", "is a folder, not a manifest file"],
      ["yaml-alias-self-reference.yaml", "YAML alias '*shared' refers to a node that contains it"],
    ]) {
      const { code, output } = run([path.join(corpus, name!)], repo);
      expect(code, name).toBe(1);
      expect(output).toContain(says);
      expect(output).not.toMatch(/\n\s+at /);
    }
  });

  it("reads the stack's config file and exits 0 on valid manifests", () => {
    const { code, output } = run(
      ["--stack", "corpus", path.join(corpus, "folder-named-yaml/more-devices.yaml")],
      path.join(repo, "test/fixtures/stacks"),
    );
    expect(output).toContain("1 individual enrollments, 0 enrollment groups, no problems");
    expect(code).toBe(0);
  });
});
