// The command's arguments: what it refuses, before reading any file, with exit code 2 and the
// usage line.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runValidateManifests } from "../../scripts/validate-manifests/command";

const repo = path.resolve(__dirname, "../..");
const stacksDir = path.join(repo, "test/fixtures/stacks");
const folder = path.join(repo, "test/fixtures/bad-manifests/folder-named-yaml/more-devices.yaml");

function run(argv: string[]) {
  const out = { stdout: "", stderr: "" };
  const code = runValidateManifests(argv, {
    cwd: repo,
    stacksDir,
    env: {},
    write: (stream, text) => void (out[stream] += text),
  });
  return { code, ...out };
}

describe("validate-manifests arguments", () => {
  it("refuses --all without --stack, saying what it needs", () => {
    for (const argv of [["--all"], ["--all", folder], [folder, "--all"]]) {
      const { code, stdout, stderr } = run(argv);
      expect(code, argv.join(" ")).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toBe(
        "validate-manifests: --all prints the whole advice of a stack: use it with --stack <name>\n" +
          "usage: npm run validate-manifests -- [--stack <name>] [<manifests folder or file>] [--all]\n",
      );
    }
  });

  it("accepts --all with --stack and prints the advice whole", () => {
    const { code, stdout, stderr } = run(["--stack", "corpus", folder, "--all"]);
    expect(stderr).toBe("");
    expect(stdout).toContain("1 individual enrollments, 0 enrollment groups, no problems");
    expect(code).toBe(0);
  });

  it("still validates a folder without --stack", () => {
    const { code, stdout } = run([folder]);
    expect(stdout).toContain("no problems (without --stack");
    expect(code).toBe(0);
  });
});
